package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Rows of a results section as a table of text cells: schema columns first, then any extra fields. */
record Tables(List<String> header, List<List<String>> rows) {
  static final List<String> FLOW_COLUMNS = List.of("id", "protocol", "src", "dst", "priority", "throughput_gbps",
      "packets_sent", "packets_delivered", "retransmits", "out_of_order", "latency_us.p50", "latency_us.p90",
      "latency_us.p99", "latency_us.p999");
  static final List<String> CORE_COLUMNS = List.of("host", "core", "usr", "sys", "irq", "soft", "idle");
  static final List<String> HOST_COLUMNS = List.of("id", "irqs", "softirqs.NET_RX", "softirqs.NET_TX");
  static final List<String> DROP_COLUMNS = List.of("host", "place", "reason", "packets");
  static final List<String> DEVICE_COLUMNS = List.of("id", "host", "kind");

  /**
   * Columns: the schema columns some row has (all of them when there are no rows, so an empty CSV still
   * has its header), then other flattened fields in order of first appearance.
   */
  static Tables of(List<JsonNode> rows, List<String> schema) {
    List<Map<String, JsonNode>> flat = new ArrayList<>();
    for (JsonNode r : rows) flat.add(Json.flatten(r));
    Set<String> cols = new LinkedHashSet<>();
    for (String c : schema) {
      if (flat.isEmpty() || flat.stream().anyMatch(m -> m.containsKey(c))) cols.add(c);
    }
    for (Map<String, JsonNode> m : flat) cols.addAll(m.keySet());
    List<String> header = List.copyOf(cols);
    List<List<String>> out = new ArrayList<>();
    for (Map<String, JsonNode> m : flat) {
      List<String> cells = new ArrayList<>(header.size());
      for (String c : header) cells.add(Json.text(m.get(c)));
      out.add(cells);
    }
    return new Tables(header, out);
  }

  /** The named columns only, in that order (each must be in the header). */
  Tables select(List<String> columns) {
    int[] idx = columns.stream().mapToInt(header::indexOf).toArray();
    List<List<String>> out = new ArrayList<>(rows.size());
    for (List<String> r : rows) {
      List<String> cells = new ArrayList<>(idx.length);
      for (int i : idx) cells.add(r.get(i));
      out.add(cells);
    }
    return new Tables(List.copyOf(columns), out);
  }

  Csv csv() {
    Csv c = new Csv(header);
    rows.forEach(c::row);
    return c;
  }

  /** Text columns (left-aligned in HTML): those with a non-numeric cell. */
  boolean[] textColumns() {
    boolean[] left = new boolean[header.size()];
    for (int i = 0; i < left.length; i++) {
      for (List<String> r : rows) {
        String v = r.get(i);
        if (!v.isEmpty() && !v.matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
          left[i] = true;
          break;
        }
      }
    }
    return left;
  }
}
