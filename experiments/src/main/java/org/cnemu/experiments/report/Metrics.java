package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ModelMetric;
import org.cnemu.emulator.model.ModelProvider;
import org.cnemu.emulator.model.ModelRegistry;

/**
 * The comparable figures of one results.json, by stable name: the model's own
 * ({@link ModelProvider#metrics}, chosen by the run's {@code config.model}), then the engine's counts
 * {@code engine.events}, {@code engine.windows}, {@code engine.messages}. The same names are used by
 * {@link Compare}, summaries and the suite. This class knows no model's words.
 */
public final class Metrics {
  private static final ModelRegistry MODELS = new ModelRegistry();
  private static final List<String> ENGINE = List.of("events", "windows", "messages");

  private Metrics() {}

  /** The metrics of a results.json read as a Jackson tree. */
  @SuppressWarnings("unchecked")
  public static LinkedHashMap<String, Double> of(JsonNode results) {
    if (results == null || !results.isObject()) return new LinkedHashMap<>();
    return ofDocument(Json.MAPPER.convertValue(results, Map.class));
  }

  /** The metrics of a results document still in memory (the runner's {@code Map} before it is written). */
  public static LinkedHashMap<String, Double> ofDocument(Map<String, ?> document) {
    LinkedHashMap<String, Double> m = new LinkedHashMap<>();
    for (ModelMetric x : described(document)) m.put(x.name(), x.value());
    return m;
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
  /** The metrics with their units and directions; empty for a failed run. */
  @SuppressWarnings("unchecked")
  public static List<ModelMetric> described(Map<String, ?> document) {
    List<ModelMetric> out = new ArrayList<>();
    if (document == null || Boolean.FALSE.equals(document.get("complete"))) return out;
    ModelProvider model = modelOf((Map<String, Object>) document);
    if (model != null) {
      for (ModelMetric x : model.metrics((Map<String, Object>) document)) {
        if (Double.isFinite(x.value())) out.add(x);
      }
    }
    if (document.get("engine") instanceof Map<?, ?> e) {
      for (String k : ENGINE) {
        if (e.get(k) instanceof Number n) {
          out.add(ModelMetric.of("engine." + k, n.doubleValue(), k, ModelMetric.Better.NEITHER));
        }
      }
    }
    return out;
  }

  /** The model that wrote a results document ({@code config.model}), or null when unknown. */
  static ModelProvider modelOf(Map<String, Object> document) {
    if (!(document.get("config") instanceof Map<?, ?> c) || !(c.get("model") instanceof String name)) return null;
    return MODELS.all().get(name);
  }
}
