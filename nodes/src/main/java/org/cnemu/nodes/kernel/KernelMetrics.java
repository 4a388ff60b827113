package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cnemu.emulator.model.ModelMetric;
import org.cnemu.emulator.model.ModelMetric.Better;

/**
 * The comparable figures of a kernel-model run, read from its results document (results.json as a
 * map). Names are stable: summaries, comparisons and the suite's published figures refer to them.
 *
 * <p>Headline figures (the terminal summary of a sweep or comparison): {@code total.throughput_gbps},
 * {@code total.transactions_per_sec}, {@code worst_flow.latency_p50_us/p99_us/p999_us},
 * {@code total.retransmits}, {@code total.out_of_order}, {@code drops.total}, {@code busiest_core.busy_pct},
 * {@code receivers.busy_cores_per_gbps} (CPU per Gbit/s delivered). Per flow, host and drop reason the
 * figures behind them follow.
 *
 * <p>Every percentile carries the samples results.json says it was taken from, so one its samples cannot resolve
 * is marked: round-trip latency its flow's {@code latency_samples}, connection latency
 * {@code connection_latency_samples}, one-way latency the receiver's {@code owd_count.<flow>}.
 */
final class KernelMetrics {
  private KernelMetrics() {}

  static List<ModelMetric> of(Map<String, Object> results) {
    List<ModelMetric> out = new ArrayList<>();
    List<Map<String, Object>> flows = rows(results.get("flows"));
    List<Map<String, Object>> hosts = rows(results.get("hosts"));
    List<Map<String, Object>> cores = rows(results.get("cores"));

    // ---- headlines over all flows
    Double total = sum(flows, "throughput_gbps");
    if (total != null) out.add(ModelMetric.headline("total.throughput_gbps", total, "Gbps", Better.HIGHER));
    Double tps = sum(flows, "transactions_per_sec");
    if (tps != null) out.add(ModelMetric.headline("total.transactions_per_sec", tps, "1/s", Better.HIGHER));
    Double cps = sum(flows, "connections_per_sec"); // connection churn only
    if (cps != null) out.add(ModelMetric.headline("total.connections_per_sec", cps, "1/s", Better.HIGHER));
    for (String p : List.of("p50", "p99", "p999")) {
      Double worst = null;
      long samples = -1; // those of the flow whose percentile is the worst (the first of equal ones)
      for (Map<String, Object> f : flows) {
        Double v = f.get("latency_us") instanceof Map<?, ?> lat ? num(lat.get(p)) : null;
        if (v != null && (worst == null || v > worst)) {
          worst = v;
          samples = latencySamples(f);
        }
      }
      if (worst != null) {
        out.add(ModelMetric.headline("worst_flow.latency_" + p + "_us", worst, "us", Better.LOWER)
            .percentile(QUANTILE.get(p), samples));
      }
    }
    Double retransmits = sum(flows, "retransmits");
    if (retransmits != null) out.add(ModelMetric.headline("total.retransmits", retransmits, "segments", Better.LOWER));
    Double ooo = sum(flows, "out_of_order");
    if (ooo != null) out.add(ModelMetric.headline("total.out_of_order", ooo, "segments", Better.LOWER));
    if (results.get("drops") instanceof List<?>) {
      Double drops = sum(rows(results.get("drops")), "packets");
      out.add(ModelMetric.headline("drops.total", drops == null ? 0 : drops, "packets", Better.LOWER));
    }
    Map<String, List<Double>> busyByHost = new LinkedHashMap<>();
    Double busiest = null;
    for (Map<String, Object> c : cores) {
      Double idle = num(c.get("idle"));
      String host = text(c.get("host"));
      if (idle == null || host.isEmpty()) continue;
      busyByHost.computeIfAbsent(host, k -> new ArrayList<>()).add(100 - idle);
      busiest = busiest == null ? 100 - idle : Math.max(busiest, 100 - idle);
    }
    if (busiest != null) out.add(ModelMetric.headline("busiest_core.busy_pct", busiest, "%", Better.LOWER));
    Set<String> receivers = new LinkedHashSet<>();
    for (Map<String, Object> f : flows) {
      String dst = text(f.get("dst"));
      if (!dst.isEmpty()) receivers.add(dst.contains("/") ? dst.substring(0, dst.indexOf('/')) : dst);
    }
    List<Double> receiverBusy = new ArrayList<>();
    for (String r : receivers) receiverBusy.addAll(busyByHost.getOrDefault(r, List.of()));
    if (!receiverBusy.isEmpty() && total != null && total > 0) {
      out.add(ModelMetric.headline("receivers.busy_cores_per_gbps", sumOf(receiverBusy) / 100 / total, "cores/Gbps",
          Better.LOWER));
    }

    // ---- per flow
    double kpps = 0;
    boolean anyKpps = false;
    for (Map<String, Object> f : flows) {
      String id = text(f.get("id"));
      if (id.isEmpty()) continue;
      String k = "flow[" + id + "].";
      add(out, k + "throughput_gbps", f.get("throughput_gbps"), "Gbps", Better.HIGHER);
      add(out, k + "transactions_per_sec", f.get("transactions_per_sec"), "1/s", Better.HIGHER);
      if (f.get("latency_us") instanceof Map<?, ?> lat) {
        for (String p : List.of("p50", "p99", "p999")) {
          addPercentile(out, k + "latency_" + p + "_us", num(lat.get(p)), p, latencySamples(f));
        }
      }
      add(out, k + "connections_per_sec", f.get("connections_per_sec"), "1/s", Better.HIGHER);
      if (f.get("connection_latency_us") instanceof Map<?, ?> cl) {
        long samples = count(f.get("connection_latency_samples"));
        for (String p : List.of("p50", "p99")) {
          addPercentile(out, k + "connection_latency_" + p + "_us", num(cl.get(p)), p, samples);
        }
      }
      add(out, k + "retransmits", f.get("retransmits"), "segments", Better.LOWER);
      add(out, k + "out_of_order", f.get("out_of_order"), "segments", Better.LOWER);
      for (Map<String, Object> h : hosts) {
        if (!(h.get("steering") instanceof Map<?, ?> st)) continue;
        long samples = count(st.get("owd_count." + id)); // the receiving application's reads of the flow's data
        for (String p : List.of("p50", "p99", "p999")) {
          Double ns = num(st.get("owd_" + p + "_ns." + id));
          addPercentile(out, k + "one_way_" + p + "_us", ns == null ? null : ns / 1000, p, samples);
        }
        add(out, k + "rx_stage_cores@" + text(h.get("id")), st.get("rx_cores." + id), "cores", Better.NEITHER);
      }
      Double rate = num(f.get("packet_rate_kpps"));
      if (rate != null) {
        kpps += rate;
        anyKpps = true;
      }
    }
    if (anyKpps) out.add(ModelMetric.of("total.packet_rate_kpps", kpps, "kpps", Better.HIGHER));

    // ---- per host
    Map<String, Map<String, Object>> hostRows = new LinkedHashMap<>();
    for (Map<String, Object> h : hosts) {
      String id = text(h.get("id"));
      if (!id.isEmpty()) hostRows.putIfAbsent(id, h);
    }
    Map<String, List<Map<String, Object>>> coresByHost = new LinkedHashMap<>();
    for (Map<String, Object> c : cores) {
      if (num(c.get("idle")) != null) coresByHost.computeIfAbsent(text(c.get("host")), k -> new ArrayList<>()).add(c);
    }
    Set<String> hostIds = new LinkedHashSet<>(hostRows.keySet());
    hostIds.addAll(coresByHost.keySet());
    for (String h : hostIds) {
      String k = "host[" + h + "].";
      Map<String, Object> row = hostRows.get(h);
      if (row != null) {
        add(out, k + "irqs", row.get("irqs"), "irqs", Better.NEITHER);
        Double netRx = row.get("softirqs") instanceof Map<?, ?> s ? num(s.get("NET_RX")) : null;
        if (netRx != null) out.add(ModelMetric.of(k + "softirq_net_rx", netRx, "softirqs", Better.NEITHER));
        Double irqs = num(row.get("irqs"));
        if (netRx != null && irqs != null && irqs > 0) {
          out.add(ModelMetric.of(k + "net_rx_per_irq", netRx / irqs, "softirqs/irq", Better.NEITHER));
        }
      }
      List<Map<String, Object>> hc = coresByHost.get(h);
      if (hc == null) continue;
      List<Double> busy = busyByHost.get(h);
      out.add(ModelMetric.of(k + "cpu_busy_pct", sumOf(busy) / busy.size(), "%", Better.LOWER));
      out.add(ModelMetric.of(k + "busy_cores", sumOf(busy) / 100, "cores", Better.LOWER));
      Map<String, Object> top = null;
      double topBusy = -1;
      for (Map<String, Object> c : hc) {
        double b = 100 - num(c.get("idle"));
        if (b > topBusy) {
          topBusy = b;
          top = c;
        }
      }
      double soft = num(top.get("soft")) == null ? 0 : num(top.get("soft"));
      double irq = num(top.get("irq")) == null ? 0 : num(top.get("irq"));
      out.add(ModelMetric.of(k + "hottest_core_soft_irq_pct", soft + irq, "%", Better.LOWER));
      double others = 0;
      for (Map<String, Object> c : hc) if (c != top) others = Math.max(others, 100 - num(c.get("idle")));
      out.add(ModelMetric.of(k + "other_cores_max_busy_pct", others, "%", Better.NEITHER));
    }
    if (!receiverBusy.isEmpty()) {
      out.add(ModelMetric.of("receivers.cpu_busy_pct", sumOf(receiverBusy) / receiverBusy.size(), "%", Better.LOWER));
    }

    // ---- drops by reason, conservation
    Map<String, Double> byReason = new LinkedHashMap<>();
    for (Map<String, Object> d : rows(results.get("drops"))) {
      Double p = num(d.get("packets"));
      if (p == null) continue;
      String reason = text(d.get("reason"));
      byReason.merge(reason.isEmpty() ? "unknown" : reason, p, Double::sum);
    }
    byReason.forEach((r, v) -> out.add(ModelMetric.of("drops[" + r + "]", v, "packets", Better.LOWER)));
    if (results.get("conservation") instanceof Map<?, ?> c && c.containsKey("balanced")) {
      out.add(ModelMetric.of("conservation.balanced", Boolean.TRUE.equals(c.get("balanced")) ? 1 : 0, "",
          Better.HIGHER));
    }
    return out;
  }

  /** The level of each percentile the results name. */
  private static final Map<String, Double> QUANTILE = Map.of("p50", 0.50, "p99", 0.99, "p999", 0.999);

  /**
   * The samples behind a flow's latency percentiles: its {@code latency_samples}, the transactions that started
   * after the warm-up and whose response was read in the measured window (HdrHistogram's total count). Not its
   * {@code transactions}: those also count the requests in flight at the warm-up's end (one per connection in a
   * closed loop, more with request-rate), which give no latency sample. -1 when the flow has no count.
   */
  private static long latencySamples(Map<String, Object> flow) {
    return count(flow.get("latency_samples"));
  }

  /** A sample count of results.json; -1 (unknown) when absent, as in results written before it was. */
  private static long count(Object o) {
    Double n = num(o);
    return n == null ? -1 : n.longValue();
  }

  /**
   * The metrics with the values they can take: every kernel figure is a count, a rate, a time, a share or a ratio
   * of those, never negative; a share in % is at most 100 (a core's busy share, a stage's share of a latency), and
   * conservation.balanced is 0 or 1.
   */
  static List<ModelMetric> bounded(List<ModelMetric> metrics) {
    List<ModelMetric> out = new ArrayList<>(metrics.size());
    for (ModelMetric m : metrics) {
      double highest = "%".equals(m.unit()) ? 100 : m.name().equals("conservation.balanced") ? 1 : Double.POSITIVE_INFINITY;
      out.add(m.within(0, highest));
    }
    return out;
  }

  /** A latency percentile {@code p} (p50, p99, p999) in us of {@code samples} samples, when the results have it. */
  private static void addPercentile(List<ModelMetric> out, String name, Double us, String p, long samples) {
    if (us != null) out.add(ModelMetric.of(name, us, "us", Better.LOWER).percentile(QUANTILE.get(p), samples));
  }

  private static void add(List<ModelMetric> out, String name, Object v, String unit, Better better) {
    Double d = num(v);
    if (d != null) out.add(ModelMetric.of(name, d, unit, better));
  }

  /** The sum of a numeric field over rows; null when no row has it. */
  private static Double sum(List<Map<String, Object>> rows, String field) {
    Double s = null;
    for (Map<String, Object> r : rows) {
      Double v = num(r.get(field));
      if (v != null) s = s == null ? v : s + v;
    }
    return s;
  }

  private static double sumOf(List<Double> v) {
    double s = 0;
    for (double d : v) s += d;
    return s;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rows(Object section) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (section instanceof List<?> l) for (Object o : l) if (o instanceof Map<?, ?> m) out.add((Map<String, Object>) m);
    return out;
  }

  private static Double num(Object o) {
    return o instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
  }

  private static String text(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  private static final java.util.regex.Pattern INDEXED = java.util.regex.Pattern.compile("(\\w+)\\[(.*)\\]\\.(\\w+)");
  private static final java.util.regex.Pattern UNIT_SUFFIX =
      java.util.regex.Pattern.compile("_(gbps|mbps|kpps|us|ns|ms|pct|bytes|per_sec)$");

  /** This model's metric names in words (no unit), for chart titles; null for a name that is not the model's. */
  static String words(String metric) {
    java.util.regex.Matcher m = INDEXED.matcher(metric);
    if (m.matches()) {
      String what = m.group(1);
      String id = m.group(2);
      String field = m.group(3);
      if (what.equals("drops")) return null;
      String of = what.equals("flow") ? " of flow " + id : what.equals("host") ? " on host " + id : " of " + what + " " + id;
      return switch (field) {
        case "throughput_gbps" -> "throughput" + of;
        case "latency_p50_us" -> "p50 round-trip latency" + of;
        case "latency_p99_us" -> "p99 round-trip latency" + of;
        case "latency_p999_us" -> "p99.9 round-trip latency" + of;
        case "one_way_p50_us" -> "p50 one-way latency" + of;
        case "one_way_p99_us" -> "p99 one-way latency" + of;
        case "one_way_p999_us" -> "p99.9 one-way latency" + of;
        case "irqs" -> "IRQs" + of;
        case "softirq_net_rx" -> "NET_RX softirqs" + of;
        case "cpu_busy_pct" -> "CPU busy" + of;
        default -> UNIT_SUFFIX.matcher(field).replaceFirst("").replace('_', ' ') + of;
      };
    }
    if (metric.startsWith("drops[") && metric.endsWith("]")) {
      return "packets dropped (" + metric.substring(6, metric.length() - 1).replace('_', ' ') + ")";
    }
    return switch (metric) {
      case "total.throughput_gbps" -> "total throughput";
      case "receivers.cpu_busy_pct" -> "CPU busy on the receiving hosts";
      case "drops.total" -> "packets dropped";
      case "worst_flow.latency_p50_us" -> "p50 round-trip latency of the slowest flow";
      case "worst_flow.latency_p99_us" -> "p99 round-trip latency of the slowest flow";
      case "worst_flow.latency_p999_us" -> "p99.9 round-trip latency of the slowest flow";
      default -> null;
    };
  }
}
