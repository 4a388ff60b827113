package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A summary.json read into points with their swept values and metric statistics. */
record SweepData(List<String> keys, List<SweepData.Point> points, Map<String, SweepData.Info> info) {
  /** A metric's unit, better direction ("higher" / "lower", may be empty) and whether the model calls it a headline. */
  record Info(String unit, String better, boolean headline) {}

  /** An arm's ratio to its baseline point (mean of the per-run ratios, paired by seed) with its 95% interval. */
  record Ratio(double ratio, double low, double high, int n) {
    /**
     * "0.262 [0.257, 0.267]", three decimals as the terminal's table and {@code cnemu compare} print a ratio (the
     * same figure in the report and the terminal, ready to quote); one pair has no interval.
     */
    String cell() {
      String r = ratio3(ratio);
      return n < 2 ? r : r + " [" + ratio3(low) + ", " + ratio3(high) + "]";
    }

    private static String ratio3(double v) {
      return String.format(java.util.Locale.ROOT, "%.3f", v);
    }

    /** "higher" / "lower" when the interval excludes 1 (two pairs at least), else "". */
    String direction() {
      if (n < 2) return "";
      if (low > 1) return "higher";
      if (high < 1) return "lower";
      return "";
    }
  }

  /** mean, 95% interval, stddev and n of one metric at one point; any of them may be absent. */
  record Stat(JsonNode mean, JsonNode low, JsonNode high, JsonNode stddev, JsonNode n) {
    Double meanValue() {
      return Json.num(mean);
    }

    Double lowValue() {
      Double v = Json.num(low);
      return v != null ? v : meanValue();
    }

    Double highValue() {
      Double v = Json.num(high);
      return v != null ? v : meanValue();
    }

    String meanText() {
      return Json.text(mean);
    }

    String lowText() {
      return Json.text(low);
    }

    String highText() {
      return Json.text(high);
    }

    String stddevText() {
      return Json.text(stddev);
    }

    String nText() {
      return Json.text(n);
    }

    /**
     * "9.410 [9.300, 9.520]", every figure as the terminal's tables print it ({@link TextTable#num}: 4 significant
     * digits below 100, one decimal from 100, whole numbers plainly), not 4 decimals, which gave a busy share
     * of "68.2687 [26.2375, 100]" beside the terminal's "68.27 [26.24, 100]"; one run has no interval, so none
     * is shown.
     */
    String cell() {
      Double m = meanValue();
      if (m == null) return "-";
      String s = TextTable.num(m);
      if (Json.num(low) != null && Json.num(high) != null && !singleRun()) {
        s += " [" + TextTable.num(lowValue()) + ", " + TextTable.num(highValue()) + "]";
      }
      return s;
    }

    /** One run: summary.json's interval is the value itself, which says nothing about the spread. */
    boolean singleRun() {
      Double c = Json.num(n);
      return c != null && c < 2;
    }

    static Stat of(JsonNode n) {
      if (n == null) return null;
      if (n.isNumber()) return new Stat(n, null, null, null, null);
      if (!n.isObject()) return null;
      return new Stat(n.get("mean"), n.get("ci95_low"), n.get("ci95_high"), n.get("stddev"), n.get("n"));
    }
  }

  /** {@code baseline} is the baseline point's folder for an arm of a comparison (null otherwise), with its ratios. */
  record Point(String dir, Map<String, JsonNode> values, boolean complete, String runs, Map<String, Stat> metrics,
      String baseline, Map<String, Ratio> ratios) {}

  /** Lines of one metric's plot; {@code categories} non-null when the x key is not numeric. */
  record Lines(String axisTitle, List<Charts.SweepLine> lines, List<String> categories) {}

  private static final Pattern NUMBER_WITH_UNIT = Pattern.compile("\\s*(-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\\s*([A-Za-z%/]*)\\s*");

  static SweepData of(JsonNode s) {
    List<Point> points = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    for (JsonNode k : Json.array(s.get("keys"))) keys.add(k.asText());
    JsonNode pts = s.get("points");
    if (pts != null && pts.isArray()) {
      int i = 0;
      for (JsonNode p : pts) {
        if (!p.isObject()) continue;
        Map<String, JsonNode> values = new LinkedHashMap<>();
        JsonNode v = p.get("values");
        if (v != null && v.isObject()) v.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue()));
        keys.addAll(values.keySet());
        Map<String, Stat> metrics = new LinkedHashMap<>();
        JsonNode m = p.get("metrics");
        if (m != null && m.isObject()) {
          m.fields().forEachRemaining(e -> {
            Stat st = Stat.of(e.getValue());
            if (st != null) metrics.put(e.getKey(), st);
          });
        }
        String dir = p.has("dir") ? Json.text(p.get("dir")) : "point-" + i;
        boolean complete = !p.has("complete") || p.get("complete").asBoolean(false);
        Map<String, Ratio> ratios = new LinkedHashMap<>();
        JsonNode r = p.get("ratios");
        if (r != null && r.isObject()) {
          r.fields().forEachRemaining(e -> {
            Double ratio = Json.num(e.getValue().get("ratio"));
            Double low = Json.num(e.getValue().get("ci95_low"));
            Double high = Json.num(e.getValue().get("ci95_high"));
            Double n = Json.num(e.getValue().get("n"));
            if (ratio != null && low != null && high != null && n != null) {
              ratios.put(e.getKey(), new Ratio(ratio, low, high, n.intValue()));
            }
          });
        }
        String baseline = p.has("baseline") ? Json.text(p.get("baseline")) : null;
        points.add(new Point(dir, values, complete, Json.text(p.get("runs")), metrics, baseline, ratios));
        i++;
      }
    } else {
      // the runner's summary over the repetitions of one configuration: engine and flows statistics
      Map<String, Stat> metrics = new LinkedHashMap<>();
      JsonNode flows = s.get("flows");
      if (flows != null && flows.isObject()) {
        flows.fields().forEachRemaining(f -> f.getValue().fields().forEachRemaining(e -> {
          Stat st = Stat.of(e.getValue());
          if (st != null) metrics.put("flow[" + f.getKey() + "]." + e.getKey(), st);
        }));
      }
      JsonNode engine = s.get("engine");
      if (engine != null && engine.isObject()) {
        engine.fields().forEachRemaining(e -> {
          Stat st = Stat.of(e.getValue());
          if (st != null) metrics.put("engine." + e.getKey(), st);
        });
      }
      JsonNode m = s.get("metrics");
      if (m != null && m.isObject()) {
        m.fields().forEachRemaining(e -> {
          Stat st = Stat.of(e.getValue());
          if (st != null) metrics.put(e.getKey(), st);
        });
      }
      boolean complete = !s.has("complete") || s.get("complete").asBoolean(false);
      points.add(new Point(".", Map.of(), complete, Json.text(s.get("runs")), metrics, null, Map.of()));
    }
    Map<String, Info> info = new LinkedHashMap<>();
    JsonNode mi = s.get("metric_info");
    if (mi != null && mi.isObject()) {
      mi.fields().forEachRemaining(e -> info.put(e.getKey(), new Info(Json.text(e.getValue().get("unit")),
          Json.text(e.getValue().get("better")), e.getValue().path("headline").asBoolean(false))));
    }
    return new SweepData(List.copyOf(keys), points, info);
  }

  List<String> metricNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Point p : points) names.addAll(p.metrics().keySet());
    return List.copyOf(names);
  }

  /** The model's headline metrics first (in its order), then the others: the order of the plots. */
  List<String> metricNamesHeadlinesFirst() {
    List<String> all = metricNames();
    List<String> out = new ArrayList<>();
    for (String m : all) if (headline(m)) out.add(m);
    for (String m : all) if (!headline(m)) out.add(m);
    return out;
  }

  /**
   * What a comparison is about: the model's headline metrics, then the flows' latency ({@link Metrics#flowLatencies}),
   * which a latency study compares although the model does not call it a headline.
   */
  List<String> comparedMetrics() {
    List<String> out = new ArrayList<>();
    for (String m : metricNamesHeadlinesFirst()) if (headline(m)) out.add(m);
    for (String m : Metrics.flowLatencies(metricNames())) if (!out.contains(m)) out.add(m);
    return out;
  }

  boolean headline(String metric) {
    Info i = info.get(metric);
    return i != null && i.headline();
  }

  /** True when the metric's mean is 0 at every point that has it (a plot of it would be an empty frame). */
  boolean zeroEverywhere(String metric) {
    boolean seen = false;
    for (Point p : points) {
      Stat st = p.metrics().get(metric);
      if (st == null || st.meanValue() == null) continue;
      if (st.meanValue() != 0 || Json.num(st.low()) != null && st.lowValue() != 0 || Json.num(st.high()) != null && st.highValue() != 0) {
        return false;
      }
      seen = true;
    }
    return seen;
  }

  /** The point whose folder is {@code dir}, or null. */
  Point point(String dir) {
    for (Point p : points) if (p.dir().equals(dir)) return p;
    return null;
  }

  /** "key=value, key2=value2", or the folder name when nothing was swept. */
  String label(Point p) {
    return String.join(", ", labelParts(p));
  }

  /** The label's parts: key=value per swept or compared key, or the point's folder when it has no values. */
  List<String> labelParts(Point p) {
    if (p.values().isEmpty()) return List.of(p.dir());
    List<String> parts = new ArrayList<>();
    for (String k : keys) if (p.values().containsKey(k)) parts.add(k + "=" + Json.text(p.values().get(k)));
    return parts;
  }

  /** The plot of one metric against the first key, one line per combination of the other keys. */
  Lines lines(String metric) {
    String x = keys.get(0);
    // numeric when every value is a number, or a number with the same unit suffix ("10Gbps", "40Gbps")
    boolean numeric = true;
    String unit = null;
    List<String> categories = new ArrayList<>();
    Map<Point, Double> xs = new LinkedHashMap<>();
    for (Point p : points) {
      JsonNode v = p.values().get(x);
      String text = Json.text(v);
      if (!categories.contains(text)) categories.add(text);
      if (v != null && v.isNumber()) {
        xs.put(p, v.doubleValue());
        if (unit != null && !unit.isEmpty()) numeric = false;
        unit = unit == null ? "" : unit;
        continue;
      }
      Matcher m = NUMBER_WITH_UNIT.matcher(text);
      if (v != null && v.isTextual() && m.matches() && (unit == null || unit.equals(m.group(2)))) {
        unit = m.group(2);
        xs.put(p, Double.parseDouble(m.group(1)));
      } else {
        numeric = false;
      }
    }
    String title = numeric && unit != null && !unit.isEmpty() ? x + " (" + unit + ")" : x;
    Map<String, List<double[]>> groups = new LinkedHashMap<>();
    for (Point p : points) {
      Stat st = p.metrics().get(metric);
      if (st == null || st.meanValue() == null) continue;
      double xv = numeric ? xs.get(p) : categories.indexOf(Json.text(p.values().get(x)));
      List<String> rest = new ArrayList<>();
      for (String k : keys.subList(1, keys.size())) rest.add(k + "=" + Json.text(p.values().get(k)));
      groups.computeIfAbsent(String.join(", ", rest), k -> new ArrayList<>())
          .add(new double[] {xv, st.meanValue(), st.lowValue(), st.highValue()});
    }
    List<Charts.SweepLine> lines = new ArrayList<>();
    for (Map.Entry<String, List<double[]>> g : groups.entrySet()) {
      List<double[]> pts = new ArrayList<>(g.getValue());
      pts.sort(Comparator.comparingDouble(a -> a[0]));
      int n = pts.size();
      double[][] cols = new double[4][n];
      for (int i = 0; i < n; i++) for (int c = 0; c < 4; c++) cols[c][i] = pts.get(i)[c];
      lines.add(new Charts.SweepLine(g.getKey(), cols[0], cols[1], cols[2], cols[3]));
    }
    return new Lines(title, lines, numeric ? null : categories);
  }

}
