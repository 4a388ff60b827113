package org.cnemu.experiments.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A fixed-width plain-text table for terminals: a header line, a rule of dashes, then the rows; columns
 * separated by two spaces, the first column left-aligned and the others right-aligned unless told
 * otherwise. Null cells print as "-". Lines carry no trailing spaces; the output ends with a newline.
 *
 * <pre>{@code
 * TextTable t = new TextTable("flow", "Gbps");
 * t.row("f1", "9.41");
 * System.out.print(t.render());
 * }</pre>
 */
public final class TextTable {
  /** Horizontal alignment of a column. */
  public enum Align { LEFT, RIGHT }

  private final List<String> header;
  private final Align[] align;
  private final List<List<String>> rows = new ArrayList<>();

  public TextTable(String... header) {
    this(Arrays.asList(header));
  }

  public TextTable(List<String> header) {
    if (header.isEmpty()) throw new IllegalArgumentException("a table needs at least one column");
    this.header = List.copyOf(header.stream().map(TextTable::cell).toList());
    this.align = new Align[header.size()];
    for (int i = 0; i < align.length; i++) align[i] = i == 0 ? Align.LEFT : Align.RIGHT;
  }

  /**
   * A value as every table of the CLI prints it (a run's metrics, a sweep's means and intervals, compare's A and B):
   * a whole number without decimals, 4 significant digits below 100, one decimal from 100; "-" for a non-number.
   */
  public static String num(Object o) {
    if (!(o instanceof Number n)) return "-";
    double v = n.doubleValue();
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%d", (long) v);
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.4g", v);
  }

  /** Sets the alignment of column {@code column} (0-based). */
  public TextTable align(int column, Align a) {
    align[column] = a;
    return this;
  }

  /** Adds a row; cells are printed with {@code String.valueOf}, null as "-"; missing cells are blank. */
  public TextTable row(Object... cells) {
    return row(Arrays.asList(cells));
  }

  public TextTable row(List<?> cells) {
    if (cells.size() > header.size()) {
      throw new IllegalArgumentException("row has " + cells.size() + " cells, the table " + header.size() + " columns");
    }
    List<String> r = new ArrayList<>(header.size());
    for (int i = 0; i < header.size(); i++) r.add(i < cells.size() ? cell(cells.get(i)) : "");
    rows.add(r);
    return this;
  }

  public int rowCount() {
    return rows.size();
  }

  /** The table as text, one line per row, ending with a newline. */
  public String render() {
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = header.get(i).length();
      for (List<String> r : rows) w[i] = Math.max(w[i], r.get(i).length());
    }
    StringBuilder sb = new StringBuilder();
    line(sb, header, w);
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < w.length; i++) rule.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
    sb.append(rule).append('\n');
    for (List<String> r : rows) line(sb, r, w);
    return sb.toString();
  }

  @Override
  public String toString() {
    return render();
  }

  private void line(StringBuilder sb, List<String> cells, int[] w) {
    StringBuilder l = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      String c = cells.get(i);
      if (i > 0) l.append("  ");
      String pad = " ".repeat(w[i] - c.length());
      l.append(align[i] == Align.LEFT ? c + pad : pad + c);
    }
    sb.append(l.toString().stripTrailing()).append('\n');
  }

  private static String cell(Object o) {
    if (o == null) return "-";
    // one line per row: a cell never breaks the layout
    return String.valueOf(o).replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
  }
}
