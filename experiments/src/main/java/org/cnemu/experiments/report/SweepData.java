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
record SweepData(List<String> keys, List<SweepData.Point> points) {
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

    /** "9.41 [9.3, 9.52]" with four significant decimals at most; one run has no interval, so none is shown. */
    String cell() {
      Double m = meanValue();
      if (m == null) return "-";
      String s = Json.fmt(m, 4);
      if (Json.num(low) != null && Json.num(high) != null && !singleRun()) {
        s += " [" + Json.fmt(lowValue(), 4) + ", " + Json.fmt(highValue(), 4) + "]";
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

  record Point(String dir, Map<String, JsonNode> values, boolean complete, String runs, Map<String, Stat> metrics) {}

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
        points.add(new Point(dir, values, complete, Json.text(p.get("runs")), metrics));
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
      points.add(new Point(".", Map.of(), complete, Json.text(s.get("runs")), metrics));
    }
    return new SweepData(List.copyOf(keys), points);
  }

  List<String> metricNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Point p : points) names.addAll(p.metrics().keySet());
    return List.copyOf(names);
  }

  /** "key=value, key2=value2", or the folder name when nothing was swept. */
  String label(Point p) {
    if (p.values().isEmpty()) return p.dir();
    List<String> parts = new ArrayList<>();
    for (String k : keys) if (p.values().containsKey(k)) parts.add(k + "=" + Json.text(p.values().get(k)));
    return String.join(", ", parts);
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
