package org.cnemu.experiments.ui;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ModelMetric;
import org.cnemu.experiments.report.Metrics;
import org.cnemu.experiments.run.PlanRunner;

/**
 * The end-of-run table of a single run: engine figures, then the model's metrics (name, value, unit; the
 * model decides which exist). Everything else is in results.json and the report.
 */
public final class SummaryTable {
  private static final int MAX_ROWS = 32;

  private SummaryTable() {}

  public static void print(PrintWriter out, PlanRunner.JobOutcome run) {
    Map<String, Object> doc = run.document();
    Map<String, Object> engine = map(doc.get("engine"));
    Table t = new Table(List.of("engine", "value"));
    t.row(List.of("virtual time", Format.nanos(((Number) doc.get("virtual_end_ns")).longValue())));
    t.row(List.of("events", Format.cell(engine.get("events"))));
    t.row(List.of("windows", Format.cell(engine.get("windows"))));
    t.row(List.of("messages", Format.cell(engine.get("messages"))));
    int partitions = ((Number) engine.get("partitions")).intValue();
    t.row(List.of("partitions / threads", partitions + " / "
        + PlanRunner.partitionThreads(partitions, run.wall().threads())));
    t.row(List.of("wall seconds", String.format(java.util.Locale.ROOT, "%.2f", run.wall().seconds())));
    t.row(List.of("events / wall second", Format.count(run.wall().eventsPerSecond())));
    t.print(out);
    List<ModelMetric> metrics = Metrics.described(doc).stream().filter(m -> !m.name().startsWith("engine.")).toList();
    if (!metrics.isEmpty()) metrics(out, metrics);
    RunDigest.print(out, doc);
  }

  /**
   * The line under a table that shows "-" for a percentile its samples cannot resolve. The q percentile of n
   * samples is the one of rank ceil(q n), which is n, the largest sample, when n &lt; 1/(1-q).
   */
  public static final String UNRESOLVED_NOTE = org.cnemu.experiments.report.Metrics.UNRESOLVED_NOTE;

  /** Values as the table of several runs prints its means (a count whole, 4 significant digits), not "54.000 segments". */
  static void metrics(PrintWriter out, List<ModelMetric> metrics) {
    List<ModelMetric> shown = metrics.subList(0, Math.min(MAX_ROWS, metrics.size()));
    // a samples column when a percentile shown has its count (the count is what says whether it resolves)
    boolean samples = shown.stream().anyMatch(x -> x.isPercentile() && x.samples() >= 0);
    Table m = new Table(samples ? List.of("metric", "value", "unit", "samples") : List.of("metric", "value", "unit"));
    boolean unresolved = false;
    for (ModelMetric x : shown) {
      unresolved |= !x.resolved();
      String value = x.resolved() ? PlanTable.num(x.value()) : "-";
      if (!samples) {
        m.row(List.of(x.name(), value, x.unit()));
      } else {
        m.row(List.of(x.name(), value, x.unit(),
            x.isPercentile() && x.samples() >= 0 ? String.format(java.util.Locale.ROOT, "%,d", x.samples()) : ""));
      }
    }
    out.println();
    m.print(out);
    if (metrics.size() > MAX_ROWS) out.printf("... %d more metrics in results.json%n", metrics.size() - MAX_ROWS);
    String legend = RunDigest.latencyLegend(shown.stream().map(ModelMetric::name).toList());
    if (legend != null) out.println(legend);
    if (unresolved) out.println(UNRESOLVED_NOTE);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
  }

  /** A plain aligned text table: first column left-aligned, the others right-aligned. */
  public static final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(List<String> header) {
      this.header = header;
    }

    public void row(List<String> cells) {
      rows.add(cells);
    }

    public void print(PrintWriter out) {
      int[] w = new int[header.size()];
      for (int i = 0; i < w.length; i++) {
        w[i] = header.get(i).length();
        for (List<String> r : rows) w[i] = Math.max(w[i], r.get(i).length());
      }
      line(out, header, w);
      StringBuilder rule = new StringBuilder();
      for (int i = 0; i < w.length; i++) rule.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
      out.println(rule);
      for (List<String> r : rows) line(out, r, w);
    }

    private static void line(PrintWriter out, List<String> cells, int[] w) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < w.length; i++) {
        String c = cells.get(i);
        if (i > 0) sb.append("  ");
        sb.append(i == 0 ? c + " ".repeat(w[i] - c.length()) : " ".repeat(w[i] - c.length()) + c);
      }
      out.println(sb.toString().stripTrailing());
    }
  }
}
