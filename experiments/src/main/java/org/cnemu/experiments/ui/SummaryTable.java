package org.cnemu.experiments.ui;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.experiments.run.ExperimentRunner;

/**
 * The end-of-run table: engine figures, then per-flow and per-core rows when the model has them,
 * then scalar fields of the model's own sections. Column names follow results.json.
 */
public final class SummaryTable {
  private static final List<String> FLOW_COLUMNS = List.of("id", "protocol", "src", "dst", "throughput_gbps",
      "packets_sent", "packets_delivered", "retransmits");
  private static final List<String> CORE_COLUMNS = List.of("host", "core", "usr", "sys", "irq", "soft", "idle");
  private static final int MAX_ROWS = 32;

  private SummaryTable() {}

  public static void print(PrintWriter out, ExperimentRunner.RunOutcome run, int runs) {
    Map<String, Object> doc = run.document();
    if (runs > 1) out.printf("run %d (seed %d)%n", run.run(), run.seed());
    Map<String, Object> engine = map(doc.get("engine"));
    Table t = new Table(List.of("engine", "value"));
    t.row(List.of("virtual time", Format.nanos(((Number) doc.get("virtual_end_ns")).longValue())));
    t.row(List.of("events", Format.cell(engine.get("events"))));
    t.row(List.of("windows", Format.cell(engine.get("windows"))));
    t.row(List.of("messages", Format.cell(engine.get("messages"))));
    t.row(List.of("partitions / threads", engine.get("partitions") + " / " + run.wall().threads()));
    t.row(List.of("wall seconds", String.format(java.util.Locale.ROOT, "%.2f", run.wall().seconds())));
    t.row(List.of("events / wall second", Format.count(run.wall().eventsPerSecond())));
    t.print(out);
    rows(out, doc.get("flows"), FLOW_COLUMNS);
    rows(out, doc.get("cores"), CORE_COLUMNS);
    if (doc.get("conservation") instanceof Map<?, ?> c) out.println("conservation: " + c);
    for (Map.Entry<String, Object> e : doc.entrySet()) {
      if (e.getValue() instanceof Map<?, ?> m && !List.of("config", "engine", "wall", "conservation").contains(e.getKey())) {
        List<String> scalars = new ArrayList<>();
        m.forEach((k, v) -> {
          if (!(v instanceof Map<?, ?>) && !(v instanceof List<?>)) scalars.add(k + "=" + Format.cell(v));
        });
        if (!scalars.isEmpty()) out.println(e.getKey() + ": " + String.join("  ", scalars));
      }
    }
  }

  private static void rows(PrintWriter out, Object section, List<String> columns) {
    if (!(section instanceof List<?> list) || list.isEmpty()) return;
    List<String> present = new ArrayList<>();
    for (String c : columns) {
      if (list.stream().anyMatch(r -> r instanceof Map<?, ?> m && m.containsKey(c))) present.add(c);
    }
    Table t = new Table(present);
    int shown = 0;
    for (Object r : list) {
      if (!(r instanceof Map<?, ?> m)) continue;
      if (shown++ == MAX_ROWS) break;
      List<String> cells = new ArrayList<>();
      for (String c : present) cells.add(Format.cell(m.get(c)));
      t.row(cells);
    }
    out.println();
    t.print(out);
    if (list.size() > MAX_ROWS) out.printf("... %d more rows in results.json%n", list.size() - MAX_ROWS);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
  }

  /** A plain aligned text table: first column left-aligned, the others right-aligned. */
  static final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Table(List<String> header) {
      this.header = header;
    }

    void row(List<String> cells) {
      rows.add(cells);
    }

    void print(PrintWriter out) {
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
