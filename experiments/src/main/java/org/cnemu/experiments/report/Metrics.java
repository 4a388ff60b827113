package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The comparable figures of one results.json, by stable name. The same names are used by
 * {@link Compare} and as the keys of {@code metrics} in a sweep's summary.json (see package docs).
 *
 * <p>Names, in this order (absent inputs give absent metrics, never zeros):
 * <ul>
 *   <li>{@code flow[ID].throughput_gbps}, {@code flow[ID].latency_p50_us}, {@code flow[ID].latency_p99_us}
 *       per flow (latency only for flows with {@code latency_us});
 *   <li>{@code total.throughput_gbps}: sum over flows;
 *   <li>{@code host[ID].irqs}, {@code host[ID].softirq_net_rx} from {@code hosts};
 *       {@code host[ID].cpu_busy_pct}: 100 - idle, averaged over that host's cores;
 *   <li>{@code receivers.cpu_busy_pct}: 100 - idle averaged over all cores of the hosts that receive a
 *       flow (the host part of each flow's {@code dst}, {@code "h2/c1"} -> {@code h2});
 *   <li>{@code drops.total}: sum of {@code drops[].packets}; {@code drops[REASON]} per reason;
 *   <li>{@code engine.events}, {@code engine.windows}, {@code engine.messages};
 *   <li>{@code SECTION.KEY} for the numeric scalars of any other top-level object section
 *       (for example {@code phold.committed}).
 * </ul>
 */
public final class Metrics {
  private static final Set<String> KNOWN = Set.of("experiment", "seed", "run", "virtual_end_ns", "complete", "error",
      "config", "engine", "flows", "cores", "hosts", "drops", "conservation", "wall", "devices");

  private Metrics() {}

  /** The metrics of a results.json read as a Jackson tree. */
  public static LinkedHashMap<String, Double> of(JsonNode results) {
    LinkedHashMap<String, Double> m = new LinkedHashMap<>();
    if (results == null || !results.isObject()) return m;

    List<JsonNode> flows = Json.rows(results.get("flows"));
    double total = 0;
    boolean anyThroughput = false;
    Set<String> receivers = new LinkedHashSet<>();
    for (JsonNode f : flows) {
      String id = Json.text(f.get("id"));
      if (id.isEmpty()) continue;
      Double g = Json.num(f.get("throughput_gbps"));
      put(m, "flow[" + id + "].throughput_gbps", g);
      if (g != null) {
        total += g;
        anyThroughput = true;
      }
      JsonNode lat = f.get("latency_us");
      if (lat != null && lat.isObject()) {
        put(m, "flow[" + id + "].latency_p50_us", Json.num(lat.get("p50")));
        put(m, "flow[" + id + "].latency_p99_us", Json.num(lat.get("p99")));
      }
      String dst = Json.text(f.get("dst"));
      if (!dst.isEmpty()) receivers.add(dst.contains("/") ? dst.substring(0, dst.indexOf('/')) : dst);
    }
    if (anyThroughput) m.put("total.throughput_gbps", total);

    // per host, in order of first appearance in hosts then cores
    Map<String, JsonNode> hostRows = new LinkedHashMap<>();
    for (JsonNode h : Json.rows(results.get("hosts"))) {
      String id = Json.text(h.get("id"));
      if (!id.isEmpty()) hostRows.putIfAbsent(id, h);
    }
    Map<String, List<Double>> idleByHost = new LinkedHashMap<>();
    for (JsonNode c : Json.rows(results.get("cores"))) {
      String host = Json.text(c.get("host"));
      Double idle = Json.num(c.get("idle"));
      if (host.isEmpty() || idle == null) continue;
      idleByHost.computeIfAbsent(host, k -> new ArrayList<>()).add(idle);
    }
    Set<String> hosts = new LinkedHashSet<>(hostRows.keySet());
    hosts.addAll(idleByHost.keySet());
    for (String h : hosts) {
      JsonNode row = hostRows.get(h);
      if (row != null) {
        put(m, "host[" + h + "].irqs", Json.num(row.get("irqs")));
        put(m, "host[" + h + "].softirq_net_rx", Json.num(row.path("softirqs").get("NET_RX")));
      }
      List<Double> idle = idleByHost.get(h);
      if (idle != null) m.put("host[" + h + "].cpu_busy_pct", 100 - mean(idle));
    }
    List<Double> receiverIdle = new ArrayList<>();
    for (String r : receivers) receiverIdle.addAll(idleByHost.getOrDefault(r, List.of()));
    if (!receiverIdle.isEmpty()) m.put("receivers.cpu_busy_pct", 100 - mean(receiverIdle));

    JsonNode drops = results.get("drops");
    if (drops != null && drops.isArray()) {
      double sum = 0;
      Map<String, Double> byReason = new LinkedHashMap<>();
      for (JsonNode d : Json.rows(drops)) {
        Double p = Json.num(d.get("packets"));
        if (p == null) continue;
        sum += p;
        String reason = Json.text(d.get("reason"));
        byReason.merge(reason.isEmpty() ? "unknown" : reason, p, Double::sum);
      }
      m.put("drops.total", sum);
      byReason.forEach((r, v) -> m.put("drops[" + r + "]", v));
    }

    JsonNode engine = results.get("engine");
    if (engine != null) {
      for (String k : List.of("events", "windows", "messages")) put(m, "engine." + k, Json.num(engine.get(k)));
    }

    Iterator<Map.Entry<String, JsonNode>> it = results.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (KNOWN.contains(e.getKey()) || !e.getValue().isObject()) continue;
      Iterator<Map.Entry<String, JsonNode>> f = e.getValue().fields();
      while (f.hasNext()) {
        Map.Entry<String, JsonNode> kv = f.next();
        if (kv.getValue().isNumber()) m.put(e.getKey() + "." + kv.getKey(), kv.getValue().doubleValue());
      }
    }
    return m;
  }

  /** The metrics of a results document still in memory (the runner's {@code Map} before it is written). */
  public static LinkedHashMap<String, Double> ofDocument(Map<String, ?> document) {
    return of(Json.MAPPER.valueToTree(document));
  }

  private static final java.util.regex.Pattern INDEXED = java.util.regex.Pattern.compile("(\\w+)\\[(.*)\\]\\.(\\w+)");

  /** A metric name in words, without its unit: {@code flow[rr].latency_p99_us} -> "p99 latency of flow rr". */
  public static String words(String metric) {
    java.util.regex.Matcher m = INDEXED.matcher(metric);
    if (m.matches()) {
      String what = m.group(1);
      String id = m.group(2);
      String field = m.group(3);
      String of = what.equals("flow") ? " of flow " + id : " on host " + id;
      return switch (field) {
        case "throughput_gbps" -> "throughput" + of;
        case "latency_p50_us" -> "p50 latency" + of;
        case "latency_p99_us" -> "p99 latency" + of;
        case "irqs" -> "IRQs" + of;
        case "softirq_net_rx" -> "NET_RX softirqs" + of;
        case "cpu_busy_pct" -> "CPU busy" + of;
        default -> unitless(field).replace('_', ' ') + of;
      };
    }
    if (metric.startsWith("drops[") && metric.endsWith("]")) {
      return "packets dropped (" + metric.substring(6, metric.length() - 1).replace('_', ' ') + ")";
    }
    return switch (metric) {
      case "total.throughput_gbps" -> "total throughput";
      case "receivers.cpu_busy_pct" -> "CPU busy on the receiving hosts";
      case "drops.total" -> "packets dropped";
      case "engine.events" -> "events handled";
      case "engine.windows" -> "synchronization windows";
      case "engine.messages" -> "messages between partitions";
      default -> unitless(metric).replace('_', ' ').replace('.', ' ');
    };
  }

  /** The unit of a metric from its name's suffix ("Gbit/s", "us", "%", ...), or "" for counts. */
  public static String unit(String metric) {
    String n = metric.toLowerCase(java.util.Locale.ROOT);
    for (String[] su : UNITS) if (n.endsWith(su[0])) return su[1];
    return "";
  }

  /** Words and unit, for an axis: "p99 latency of flow rr (us)". */
  public static String label(String metric) {
    String u = unit(metric);
    return words(metric) + (u.isEmpty() ? "" : " (" + u + ")");
  }

  private static final String[][] UNITS = {{"_gbps", "Gbit/s"}, {"_mbps", "Mbit/s"}, {"_kpps", "kpackets/s"},
      {"_us", "us"}, {"_ns", "ns"}, {"_ms", "ms"}, {"_pct", "%"}, {"_bytes", "bytes"}, {"_per_sec", "per second"}};

  private static String unitless(String name) {
    for (String[] su : UNITS) if (name.toLowerCase(java.util.Locale.ROOT).endsWith(su[0])) return name.substring(0, name.length() - su[0].length());
    return name;
  }

  private static void put(Map<String, Double> m, String k, Double v) {
    if (v != null) m.put(k, v);
  }

  private static double mean(List<Double> v) {
    double s = 0;
    for (double d : v) s += d;
    return s / v.size();
  }
}
