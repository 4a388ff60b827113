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
  public static LinkedHashMap<String, Double> of(JsonNode results) {
    return values(described(results));
  }

  /** The metrics of a results document still in memory (the runner's {@code Map} before it is written). */
  public static LinkedHashMap<String, Double> ofDocument(Map<String, ?> document) {
    return values(described(document));
  }

  private static LinkedHashMap<String, Double> values(List<ModelMetric> metrics) {
    LinkedHashMap<String, Double> m = new LinkedHashMap<>();
    for (ModelMetric x : metrics) m.put(x.name(), x.value());
    return m;
  }

  /** A metric name in words, without its unit, as the model that names it spells it; the engine's here. */
  public static String words(String metric) {
    for (ModelProvider<?> model : MODELS.all().values()) {
      String w = model.metricWords(metric);
      if (w != null) return w;
    }
    return switch (metric) {
      case "engine.events" -> "events handled";
      case "engine.windows" -> "synchronization windows";
      case "engine.messages" -> "messages between partitions";
      default -> unitless(metric).replace('_', ' ').replace('.', ' ');
    };
  }

  /** The unit of a metric from its name's suffix ("Gbit/s", "us", "%", ...), or "" for counts. */
  public static String unit(String metric) {
    String n = metric.toLowerCase(java.util.Locale.ROOT);
    for (String[] su : UNITS) {
      // "busy_cores_per_gbps" is cores per Gbit/s, not Gbit/s: its words carry the unit (unitless)
      if (n.endsWith(su[0])) return n.endsWith("_per" + su[0]) ? "" : su[1];
    }
    return "";
  }

  /** Words and unit, for an axis: "p99 round-trip latency of flow rr (us)". */
  public static String label(String metric) {
    String u = unit(metric);
    return words(metric) + (u.isEmpty() ? "" : " (" + u + ")");
  }

  private static final String[][] UNITS = {{"_gbps", "Gbit/s"}, {"_mbps", "Mbit/s"}, {"_kpps", "kpackets/s"},
      {"_us", "us"}, {"_ns", "ns"}, {"_ms", "ms"}, {"_pct", "%"}, {"_bytes", "bytes"}, {"_per_sec", "per second"}};

  /** The name without its unit suffix; a ratio's ("_per_gbps") keeps it in words: "busy_cores per Gbit/s". */
  private static String unitless(String name) {
    for (String[] su : UNITS) {
      if (!name.toLowerCase(java.util.Locale.ROOT).endsWith(su[0])) continue;
      String rest = name.substring(0, name.length() - su[0].length());
      return rest.endsWith("_per") ? rest.substring(0, rest.length() - 4) + " per " + su[1] : rest;
    }
    return name;
  }

  /** The note under every table that shows an unresolvable percentile as "-" (run, plan and compare tables). */
  public static final String UNRESOLVED_NOTE = "note: -: a percentile from fewer samples than it needs (p99: 100,"
      + " p999: 1,000; 1/(1-q)) is the largest sample, whatever q; results.json keeps the figure";

  /**
   * Flows whose latency a comparison table and a sweep's plots show beside the headline metrics: the first few only,
   * so that a churn of hundreds of flows keeps a table that fits a screen (summary.csv has every flow).
   */
  public static final int MAX_LATENCY_FLOWS = 4;

  /** {@code flow[NAME].latency_pNN_us} (round trip) or {@code flow[NAME].one_way_pNN_us}, p50 or p99. */
  private static final java.util.regex.Pattern FLOW_LATENCY =
      java.util.regex.Pattern.compile("flow\\[(.+)\\]\\.(latency|one_way)_p(50|99)_us");

  /**
   * The flows' latency among {@code names}, in their order: per flow (the first {@link #MAX_LATENCY_FLOWS}), p50 and
   * p99 of its round trip when it reports one (a request-response flow: the figure its paper quotes), else of its
   * one-way latency. A latency study's compared figure (freeflow-latency's {@code flow[lat].one_way_p50_us},
   * PRISM's {@code flow[hi].one_way_p99_us}) is not a headline metric of the model, yet it is what the file is about.
   */
  public static List<String> flowLatencies(java.util.Collection<String> names) {
    Map<String, Boolean> roundTrip = new LinkedHashMap<>(); // flow -> reports a round trip
    for (String n : names) {
      java.util.regex.Matcher m = FLOW_LATENCY.matcher(n);
      if (!m.matches()) continue;
      if (!roundTrip.containsKey(m.group(1)) && roundTrip.size() == MAX_LATENCY_FLOWS) continue;
      roundTrip.merge(m.group(1), m.group(2).equals("latency"), Boolean::logicalOr);
    }
    List<String> out = new ArrayList<>();
    roundTrip.forEach((flow, rtt) -> {
      for (String p : List.of("50", "99")) {
        String n = "flow[" + flow + "]." + (rtt ? "latency" : "one_way") + "_p" + p + "_us";
        if (names.contains(n)) out.add(n);
      }
    });
    return out;
  }

  /** The metrics of a results.json read as a Jackson tree, with their units and directions; empty for a failed run. */
  @SuppressWarnings("unchecked")
  public static List<ModelMetric> described(JsonNode results) {
    return described(results == null || !results.isObject() ? null : (Map<String, ?>) Json.MAPPER.convertValue(results, Map.class));
  }

  /** The metrics with their units and directions; empty for a failed run. */
  @SuppressWarnings("unchecked")
  public static List<ModelMetric> described(Map<String, ?> document) {
    List<ModelMetric> out = new ArrayList<>();
    if (document == null || Boolean.FALSE.equals(document.get("complete"))) return out;
    ModelProvider<?> model = modelOf((Map<String, Object>) document);
    if (model != null) {
      for (ModelMetric x : model.metrics((Map<String, Object>) document)) {
        if (Double.isFinite(x.value())) out.add(x);
      }
    }
    if (document.get("engine") instanceof Map<?, ?> e) {
      for (String k : ENGINE) {
        if (e.get(k) instanceof Number n) {
          out.add(ModelMetric.of("engine." + k, n.doubleValue(), k, ModelMetric.Better.NEITHER)
              .within(0, Double.POSITIVE_INFINITY)); // counts
        }
      }
    }
    return out;
  }

  /** The model that wrote a results document ({@code config.model}), or null when unknown. */
  static ModelProvider<?> modelOf(Map<String, Object> document) {
    if (!(document.get("config") instanceof Map<?, ?> c) || !(c.get("model") instanceof String name)) return null;
    return MODELS.all().get(name);
  }
}
