package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/**
 * "Where the latency goes": the {@code journeys} section of results.json as a stacked bar per flow (each
 * stage's mean queueing + service, so a bar is the sampled packets' mean end-to-end latency), a table per
 * flow (queueing and service p50/p99 per stage, where it ran, share) and journeys.csv; for a sweep or A/B,
 * two charts per flow with a bar per point (policy) side by side: each stage's share of its latency (100 % bars),
 * and each stage's mean time (absolute bars, whose heights compare).
 */
final class JourneyReport {
  private JourneyReport() {}

  /** Flows drawn in a run's chart and tabulated in its report (the highest p99 first; journeys.csv has all). */
  static final int MAX_FLOWS = 16;
  static final int MAX_TABLES = 6;
  /** Flows of a sweep drawn side by side per point. */
  static final int MAX_SWEEP_FLOWS = 6;

  /** Stage names of results.json in path order, and what the report calls them. */
  static final Map<String, String> WORDS = new LinkedHashMap<>();

  static {
    String[][] w = {{"socket_send", "socket send"}, {"ip_tx", "IP output, encap, veth"}, {"tx_backlog", "TX backlog, bridge"},
        {"driver_tx", "driver TX"}, {"nic_tx", "NIC TX queue, serialization"}, {"link", "link propagation"},
        {"switch", "switch queue"}, {"irq", "IRQ moderation, hardirq"}, {"napi_poll", "ring wait, NAPI poll"},
        {"steer", "cross-core hand-off"}, {"backlog", "backlog after hand-off"}, {"gro", "GRO"}, {"vxlan", "VXLAN decap"},
        {"ip_rx", "IP receive"}, {"gro_cell", "gro_cell queue (after VXLAN)"}, {"bridge", "bridge, veth"}, {"veth_backlog", "veth backlog"},
        {"socket_rx", "socket receive"}, {"shm_ring", "shared-memory ring"}, {"app_read", "socket queue + app read"}};
    for (String[] p : w) WORDS.put(p[0], p[1]);
  }

  /** tab20-like: neighbouring stages in different hues. */
  private static final Color[] STAGE_COLORS = {new Color(0x1F77B4), new Color(0xAEC7E8), new Color(0xFF7F0E),
      new Color(0xFFBB78), new Color(0x2CA02C), new Color(0x98DF8A), new Color(0xD62728), new Color(0xFF9896),
      new Color(0x9467BD), new Color(0xC5B0D5), new Color(0x8C564B), new Color(0xC49C94), new Color(0xE377C2),
      new Color(0xF7B6D2), new Color(0x7F7F7F), new Color(0xC7C7C7), new Color(0xBCBD22), new Color(0xDBDB8D),
      new Color(0x17BECF), new Color(0x9EDAE5)};

  static String words(String stage) {
    return WORDS.getOrDefault(stage, stage);
  }

  private static Color color(String stage) {
    int i = new ArrayList<>(WORDS.keySet()).indexOf(stage);
    return STAGE_COLORS[Math.floorMod(i < 0 ? stage.hashCode() : i, STAGE_COLORS.length)];
  }

  /** Per flow: stage -> {packets, wait sum, service sum}, and the flow's packets and end-to-end sum (several runs add up). */
  record Flow(String id, TreeMap<Integer, String> stageOrder, Map<String, long[]> stages, long[] total, JsonNode last) {
    double meanUs(String stage) {
      long[] s = stages.get(stage);
      return s == null || total[0] == 0 ? 0 : (s[1] + s[2]) / (double) total[0] / 1000.0;
    }

    double e2eMeanUs() {
      return total[0] == 0 ? 0 : total[1] / (double) total[0] / 1000.0;
    }
  }

  /** The flows of one or more journeys sections (runs of one point), in their order. */
  static LinkedHashMap<String, Flow> flows(List<JsonNode> sections) {
    LinkedHashMap<String, Flow> out = new LinkedHashMap<>();
    for (JsonNode j : sections) {
      if (j == null || !j.isObject()) continue;
      for (JsonNode f : Json.array(j.get("flows"))) {
        String id = Json.text(f.get("flow"));
        Flow fl = out.computeIfAbsent(id, k -> new Flow(k, new TreeMap<>(), new LinkedHashMap<>(), new long[2], f));
        fl.total[0] += f.path("packets").asLong();
        fl.total[1] += f.path("e2e_sum_ns").asLong();
        for (JsonNode s : Json.array(f.get("stages"))) {
          String st = Json.text(s.get("stage"));
          long[] a = fl.stages.computeIfAbsent(st, k -> new long[3]);
          a[0] += s.path("packets").asLong();
          a[1] += s.path("wait_sum_ns").asLong();
          a[2] += s.path("service_sum_ns").asLong();
        }
      }
    }
    return out;
  }

  /** Stages present in any of {@code flows}, in path order. */
  private static List<String> stagesOf(Iterable<Flow> flows) {
    List<String> out = new ArrayList<>();
    for (String st : WORDS.keySet()) {
      for (Flow f : flows) {
        if (f.stages.containsKey(st)) {
          out.add(st);
          break;
        }
      }
    }
    for (Flow f : flows) for (String st : f.stages.keySet()) if (!out.contains(st)) out.add(st);
    return out;
  }

  private static CategoryChart stacked(String title, String xTitle, String yTitle, List<String> bars, List<String> stages,
      Map<String, List<Double>> byStage) {
    int width = Math.max(900, Math.min(1200, 300 + 90 * bars.size()));
    CategoryChart c = new CategoryChartBuilder().width(width).height(640).title(title).xAxisTitle(xTitle)
        .yAxisTitle(yTitle).build();
    Charts.style(c.getStyler());
    c.getStyler().setStacked(true);
    c.getStyler().setOverlapped(false);
    c.getStyler().setYAxisMin(0.0);
    // up to 20 stages: a compact legend beside the plot, as tall as the chart at most
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setLegendFont(c.getStyler().getLegendFont().deriveFont(11f));
    c.getStyler().setLegendPadding(4);
    c.getStyler().setLegendSeriesLineLength(12);
    c.getStyler().setXAxisTickMarkSpacingHint(14);
    if (bars.size() > 6 || !labelsFit(bars, width, c.getStyler().getAxisTickLabelsFont())) {
      c.getStyler().setXAxisLabelRotation(45);
    }
    for (String st : stages) {
      CategorySeries s = c.addSeries(words(st), bars, byStage.get(st));
      s.setFillColor(color(st));
    }
    return c;
  }

  /**
   * The width a stacked chart leaves its plot: the legend of stage names beside it and the y axis take
   * about this much of the chart's width (measured on the rendered charts: a ~230 px legend, ~80 px of axis).
   */
  static final int NON_PLOT_WIDTH_PX = 330;

  /**
   * Whether every bar's label fits under its bar unrotated: a sweep's labels (its values and the mean end
   * to end, "64B, vanilla: 20.56 us") ran into each other at six points, which the bar count alone let through.
   */
  static boolean labelsFit(List<String> bars, int chartWidthPx, java.awt.Font font) {
    if (bars.isEmpty()) return true;
    double slot = (chartWidthPx - NON_PLOT_WIDTH_PX) / (double) bars.size();
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = img.createGraphics();
    try {
      java.awt.FontMetrics m = g.getFontMetrics(font);
      for (String b : bars) {
        if (m.stringWidth(b) > 0.9 * slot) return false; // a tenth of the slot as the gap between labels
      }
      return true;
    } finally {
      g.dispose();
    }
  }

  /** The run report's chart (flows with the highest end-to-end p99 first), or null without journeys. */
  static Charts.Plot runPlot(Path dir, JsonNode journeys) throws IOException {
    List<Flow> shown = shown(journeys);
    if (shown.isEmpty()) return null;
    List<String> stages = stagesOf(shown);
    List<String> bars = new ArrayList<>();
    Map<String, List<Double>> byStage = new LinkedHashMap<>();
    for (String st : stages) byStage.put(st, new ArrayList<>());
    for (Flow f : shown) {
      bars.add(f.id);
      for (String st : stages) byStage.get(st).add(f.meanUs(st));
    }
    String title = "Where the latency goes: mean per stage, queueing + service";
    return Charts.save(dir, "journeys", title,
        stacked(title, "flow", "mean latency of the sampled packets (us)", bars, stages, byStage));
  }

  private static List<Flow> shown(JsonNode journeys) {
    List<Flow> all = new ArrayList<>(flows(List.of(journeys)).values());
    all.sort(Comparator.comparingLong((Flow f) -> -f.last.path("e2e_p99_ns").asLong()));
    return all.subList(0, Math.min(MAX_FLOWS, all.size()));
  }

  /** journeys.csv: one row per flow and stage. */
  static Path csv(Path dir, JsonNode journeys) throws IOException {
    Csv csv = new Csv(List.of("flow", "stage", "where", "packets", "wait_p50_us", "wait_p99_us", "service_p50_us",
        "service_p99_us", "wait_mean_us", "service_mean_us", "share"));
    for (JsonNode f : Json.array(journeys.get("flows"))) {
      for (JsonNode s : Json.array(f.get("stages"))) {
        csv.row(List.of(Json.text(f.get("flow")), Json.text(s.get("stage")), Json.text(s.get("where")),
            Json.text(s.get("packets")), us(s, "wait_p50_ns"), us(s, "wait_p99_ns"), us(s, "service_p50_ns"),
            us(s, "service_p99_ns"), us(s, "wait_mean_ns"), us(s, "service_mean_ns"), Json.text(s.get("share"))));
      }
    }
    Path p = dir.resolve("journeys.csv");
    csv.write(p);
    return p;
  }

  private static String us(JsonNode s, String field) {
    return Json.fmt(s.path(field).asDouble() / 1000.0, 3);
  }

  /** The run report's section: what a journey is, then a table per flow (the highest p99 first). */
  static void runSection(Html h, JsonNode journeys) {
    h.h(2, "Where the latency goes (per-packet journeys)");
    h.p(null, "Of each flow's skbs sent after the warm-up, the first " + Json.text(journeys.get("first")) + " and then one in "
        + Json.text(journeys.get("sample_every")) + " are followed through every stage on both hosts and the fabric."
        + " Queueing is the time since the previous stage ended; service is the stage's own time. Per packet, the"
        + " stages add up to its end-to-end latency (send to the application's read) exactly.");
    if (journeys.path("stage_overlaps").asLong() != 0) {
      h.div("banner bad", journeys.path("stage_overlaps").asLong() + " stages started before the previous one ended.");
    }
    List<Flow> shown = shown(journeys);
    if (shown.isEmpty()) {
      h.p("muted", "No sampled packet reached its application in this run.");
      return;
    }
    int total = Json.array(journeys.get("flows")).size();
    if (total > MAX_TABLES) h.p("muted", "The " + MAX_TABLES + " flows with the highest end-to-end p99 of " + total
        + "; every flow is in journeys.csv.");
    for (Flow f : shown.subList(0, Math.min(MAX_TABLES, shown.size()))) {
      JsonNode j = f.last;
      h.h(3, "Flow " + f.id + ": " + j.path("packets").asLong() + " packets, end to end p50 "
          + Reports.nanos(j.path("e2e_p50_ns").asDouble()) + ", p99 " + Reports.nanos(j.path("e2e_p99_ns").asDouble()));
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : Json.array(j.get("stages"))) {
        rows.add(List.of(words(Json.text(s.get("stage"))), Json.text(s.get("where")), Json.text(s.get("packets")),
            us(s, "wait_p50_ns"), us(s, "wait_p99_ns"), us(s, "service_p50_ns"), us(s, "service_p99_ns"),
            Json.fmt(s.path("share").asDouble() * 100, 1)));
      }
      h.table(List.of("stage", "where it ran", "packets", "queueing p50 (us)", "queueing p99 (us)", "service p50 (us)",
          "service p99 (us)", "share of end to end (%)"), rows, new boolean[] {true, true}, null);
    }
  }

  /**
   * A sweep's charts: per flow (at most {@link #MAX_SWEEP_FLOWS}), one 100 % stacked bar per point (each
   * stage's share of the point's mean end-to-end latency), each bar labelled with that mean, so the arms of
   * an A/B read alike even when one's latency is 100x another's (absolute bars would leave the faster arm a
   * sliver); then the same bars in time ({@link #absoluteChart}), where the heights compare. Runs of a point
   * add up (sums over their sampled packets).
   */
  static List<Charts.Plot> sweepPlots(Path dir, SweepData d) throws IOException {
    List<String> labels = new ArrayList<>();
    List<LinkedHashMap<String, Flow>> perPoint = new ArrayList<>();
    boolean any = false;
    for (SweepData.Point p : d.points()) {
      List<JsonNode> sections = new ArrayList<>();
      for (Path r : resultsOf(dir.resolve(p.dir()))) {
        JsonNode doc = Json.read(r);
        if (doc.has("journeys")) sections.add(doc.get("journeys"));
      }
      LinkedHashMap<String, Flow> f = flows(sections);
      any |= !f.isEmpty();
      perPoint.add(f);
      // the values alone: the axis title names the keys
      labels.add(p.values().isEmpty() ? p.dir() : String.join(", ", d.keys().stream()
          .filter(k -> p.values().containsKey(k)).map(k -> Json.text(p.values().get(k))).toList()));
    }
    List<Charts.Plot> out = new ArrayList<>();
    if (!any || perPoint.size() < 2) return out;
    List<String> flowIds = new ArrayList<>();
    for (LinkedHashMap<String, Flow> f : perPoint) for (String id : f.keySet()) if (!flowIds.contains(id)) flowIds.add(id);
    List<String> used = new ArrayList<>();
    for (String id : flowIds.subList(0, Math.min(MAX_SWEEP_FLOWS, flowIds.size()))) {
      List<Flow> row = new ArrayList<>();
      for (LinkedHashMap<String, Flow> f : perPoint) row.add(f.get(id));
      CategoryChart c = shareChart(id, String.join(", ", d.keys()), labels, row);
      if (c == null) continue;
      String base = Charts.unique(used, "journeys-" + id.replaceAll("[^A-Za-z0-9._-]+", "_"));
      out.add(Charts.save(dir, base, c.getTitle(), c));
      // beside the shares, the same stages in time: FreeFlow's 22x lower latency drew as two equal 100 % bars
      CategoryChart a = absoluteChart(id, String.join(", ", d.keys()), labels, row);
      String abs = Charts.unique(used, base + "-absolute");
      out.add(Charts.save(dir, abs, a.getTitle(), a));
    }
    return out;
  }

  /**
   * Flow {@code id}'s absolute chart, the companion of {@link #shareChart} (same bars, same labels): each stage's
   * mean time per sampled packet, stacked, so a bar is the point's mean end to end and the arms' heights compare.
   * The unit is the one that keeps the tallest bar at or above 1 (ns, us or ms). Null where the share chart is.
   */
  static CategoryChart absoluteChart(String id, String xTitle, List<String> labels, List<Flow> row) {
    List<Flow> shown = new ArrayList<>();
    List<String> bars = new ArrayList<>();
    double tallestNs = 0;
    for (int i = 0; i < row.size(); i++) {
      Flow f = row.get(i);
      if (f == null || f.total[1] <= 0) continue;
      shown.add(f);
      bars.add(labels.get(i) + ": " + Reports.nanos(f.e2eMeanUs() * 1000));
      tallestNs = Math.max(tallestNs, f.e2eMeanUs() * 1000);
    }
    if (shown.size() < 2) return null;
    String unit = tallestNs >= 1e6 ? "ms" : tallestNs >= 1e3 ? "us" : "ns";
    double nsPerUnit = tallestNs >= 1e6 ? 1e6 : tallestNs >= 1e3 ? 1e3 : 1;
    List<String> stages = stagesOf(shown);
    Map<String, List<Double>> byStage = new LinkedHashMap<>();
    for (String st : stages) {
      List<Double> v = new ArrayList<>();
      for (Flow f : shown) v.add(f.meanUs(st) * 1000 / nsPerUnit);
      byStage.put(st, v);
    }
    String title = "Latency per stage, flow " + id + " (label: mean end to end)";
    return stacked(title, xTitle, "mean latency of the sampled packets (" + unit + ")", bars, stages, byStage);
  }

  /**
   * Flow {@code id}'s share chart: a bar per point ({@code labels}) where it has sampled packets
   * ({@code row}: its flow per point, null where it has none), labelled with the mean end to end; null
   * with fewer than two such points.
   */
  static CategoryChart shareChart(String id, String xTitle, List<String> labels, List<Flow> row) {
    List<Flow> shown = new ArrayList<>();
    List<String> bars = new ArrayList<>();
    for (int i = 0; i < row.size(); i++) {
      Flow f = row.get(i);
      if (f == null || f.total[1] <= 0) continue; // no sampled packet of this flow at this point: no bar
      shown.add(f);
      bars.add(labels.get(i) + ": " + Reports.nanos(f.e2eMeanUs() * 1000));
    }
    if (shown.size() < 2) return null;
    List<String> stages = stagesOf(shown);
    String title = "Share of latency per stage, flow " + id + " (label: mean end to end)";
    CategoryChart c = stacked(title, xTitle, "share of the sampled packets' mean end-to-end latency (%)", bars, stages,
        shares(shown, stages));
    c.getStyler().setYAxisMax(100.0);
    return c;
  }

  /** Per stage, its share (%) of each flow's end-to-end sum: each flow's shares add up to 100. */
  static Map<String, List<Double>> shares(List<Flow> row, List<String> stages) {
    Map<String, List<Double>> byStage = new LinkedHashMap<>();
    for (String st : stages) {
      List<Double> v = new ArrayList<>();
      for (Flow f : row) {
        long[] s = f.stages.get(st);
        v.add(s == null || f.total[1] <= 0 ? 0.0 : (s[1] + s[2]) * 100.0 / f.total[1]);
      }
      byStage.put(st, v);
    }
    return byStage;
  }

  /** A point's results.json files: its own, or those of its runs (run-0, run-1, ...). */
  private static List<Path> resultsOf(Path point) throws IOException {
    List<Path> out = new ArrayList<>();
    if (Files.isRegularFile(point.resolve(Reports.RESULTS_FILE))) {
      out.add(point.resolve(Reports.RESULTS_FILE));
      return out;
    }
    if (!Files.isDirectory(point)) return out;
    try (Stream<Path> s = Files.list(point)) {
      s.filter(p -> p.getFileName().toString().matches("run-\\d+") && Files.isRegularFile(p.resolve(Reports.RESULTS_FILE)))
          .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(4))))
          .forEach(p -> out.add(p.resolve(Reports.RESULTS_FILE)));
    }
    return out;
  }
}
