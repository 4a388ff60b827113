package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cnemu.emulator.model.ModelMetric;

/**
 * Writes the human-facing outputs of a results folder: CSV tables, PNG+SVG plots and one self-contained
 * {@code report.html}. See the package documentation for the files and the summary.json shape.
 */
public final class Reports {
  public static final String RESULTS_FILE = "results.json";
  public static final String SUMMARY_FILE = "summary.json";
  public static final String REPORT_FILE = "report.html";
  /**
   * Every file name this layer writes into a results folder (report.html, the CSV tables, the plots'
   * PNG and SVG): a rerun removes them with the results, so that a report of an earlier run never sits,
   * looking complete, beside this run's results (a rerun with --no-report, a report that failed).
   */
  public static final java.util.regex.Pattern OUTPUT_FILE = java.util.regex.Pattern.compile(
      "report\\.html|(flows|cores|hosts|drops|devices|timeseries|journeys|summary)\\.csv"
      + "|(throughput|latency|cores|cores-hosts|journeys|journeys-.+|sweep-.+)\\.(png|svg)");
  /** A core whose idle share is at or below this (in %) is highlighted as saturated. */
  public static final double SATURATED_IDLE_PCT = 5.0;
  /** Sweep plots beyond this many metrics are left out (the CSV and the HTML table still have them all). */
  public static final int MAX_SWEEP_PLOTS = 60;
  /** Rows of a flows/hosts/devices/cores table shown in report.html; the CSV files have every row. */
  public static final int MAX_HTML_ROWS = 2000;
  /** Up to this many cores, the CPU plot has one stacked bar per core; beyond, per-host bars and a heatmap. */
  public static final int MAX_CORE_BARS = 64;
  /** Hosts in the per-host CPU plot of a large topology (the busiest). */
  public static final int MAX_HOST_BARS = 24;
  /** Hosts (rows) in the per-core heatmap of a large topology (the busiest). */
  public static final int MAX_HEATMAP_HOSTS = 32;
  /** Up to this many flows, one throughput line each; beyond, the fastest and slowest {@link #EXTREME_FLOWS}. */
  public static final int MAX_FLOW_LINES = 12;
  static final int EXTREME_FLOWS = 5;
  /** Up to this many flows, one throughput bar each; beyond, the sorted throughputs as one line. */
  public static final int MAX_FLOW_BARS = 40;
  /** Beyond this many cores, report.html lists the busiest cores only (cores.csv has them all). */
  public static final int MAX_HTML_CORES = 64;
  /** Tables longer than this are folded (click to expand) in report.html. */
  static final int FOLD_ROWS = 40;
  /** Up to this many hosts, a group of per-host counters has one column per host (ten fit a 1280 px window). */
  public static final int MAX_HOST_COLUMNS = 10;

  private static final Set<String> RUN_SECTIONS = Set.of("experiment", "seed", "run", "virtual_end_ns", "complete",
      "error", "config", "engine", "flows", "cores", "hosts", "drops", "conservation", "wall", "devices", "journeys");

  private Reports() {}

  // ------------------------------------------------------------------------------------------ run

  /**
   * Reads {@code runDir/results.json} and writes next to it the CSV tables, the plots and report.html.
   *
   * @return the files written, in the order written
   * @throws java.nio.file.NoSuchFileException when there is no results.json
   * @throws IOException when it is not a JSON object or a file cannot be written
   */
  public static List<Path> writeRun(Path runDir) throws IOException {
    JsonNode r = Json.read(runDir.resolve(RESULTS_FILE));
    List<Path> written = new ArrayList<>();

    List<JsonNode> flows = Json.rows(r.get("flows"));
    List<JsonNode> cores = Json.rows(r.get("cores"));
    List<JsonNode> hosts = Json.rows(r.get("hosts"));
    List<JsonNode> drops = Json.rows(r.get("drops"));
    Tables flowT = Tables.of(flows, Tables.FLOW_COLUMNS);
    Tables coreT = Tables.of(cores, Tables.CORE_COLUMNS);
    Tables hostT = Tables.of(hosts, Tables.HOST_COLUMNS);
    Tables dropT = Tables.of(drops, Tables.DROP_COLUMNS);
    written.add(csv(runDir, "flows.csv", flowT.csv()));
    written.add(csv(runDir, "cores.csv", coreT.csv()));
    written.add(csv(runDir, "hosts.csv", hostT.csv()));
    written.add(csv(runDir, "drops.csv", dropT.csv()));
    Tables devT = null;
    if (r.has("devices")) {
      devT = Tables.of(Json.rows(r.get("devices")), Tables.DEVICE_COLUMNS);
      written.add(csv(runDir, "devices.csv", devT.csv()));
    }
    Map<String, double[][]> series = new LinkedHashMap<>();
    Csv ts = timeSeries(flows, series);
    if (ts.size() > 0) written.add(csv(runDir, "timeseries.csv", ts));

    List<Charts.Plot> plots = new ArrayList<>();
    if (!cores.isEmpty()) plots.addAll(corePlots(runDir, cores));
    if (!series.isEmpty()) {
      plots.add(throughputOverTime(runDir, series));
    } else {
      List<String> ids = new ArrayList<>();
      List<Double> gbps = new ArrayList<>();
      for (JsonNode f : flows) {
        Double g = Json.num(f.get("throughput_gbps"));
        if (g == null) continue;
        ids.add(Json.text(f.get("id")));
        gbps.add(g);
      }
      if (ids.size() > MAX_FLOW_BARS) {
        plots.add(Charts.save(runDir, "throughput", "Throughput (goodput) of each flow, sorted", Charts.throughputSorted(gbps)));
      } else if (!ids.isEmpty()) {
        plots.add(Charts.save(runDir, "throughput", "Throughput (goodput) per flow", Charts.throughputBars(uniqueLabels(ids), gbps)));
      }
    }
    Charts.Plot latency = latencyPlot(runDir, flows);
    if (latency != null) plots.add(latency);
    JsonNode journeys = r.get("journeys");
    if (journeys != null && journeys.isObject()) {
      Charts.Plot jp = JourneyReport.runPlot(runDir, journeys);
      if (jp != null) plots.add(jp);
      written.add(JourneyReport.csv(runDir, journeys));
    }
    for (Charts.Plot p : plots) {
      written.add(runDir.resolve(p.base() + ".png"));
      written.add(runDir.resolve(p.base() + ".svg"));
    }

    String html = runHtml(r, flowT, coreT, hostT, dropT, devT, plots, written);
    Path report = runDir.resolve(REPORT_FILE);
    Files.writeString(report, html, StandardCharsets.UTF_8);
    written.add(report);
    return written;
  }

  /**
   * Per-core CPU plots. Up to {@link #MAX_CORE_BARS} cores: one stacked bar per core. Beyond (a topology of
   * tens to thousands of hosts): CPU used per host in cores, stacked by category, for the
   * {@link #MAX_HOST_BARS} busiest hosts, and a heatmap of the busy share of every core of the
   * {@link #MAX_HEATMAP_HOSTS} busiest hosts (busiest = the highest busy core, then the most CPU used).
   */
  private static List<Charts.Plot> corePlots(Path dir, List<JsonNode> cores) throws IOException {
    Map<String, List<JsonNode>> byHost = new LinkedHashMap<>();
    for (JsonNode c : cores) byHost.computeIfAbsent(Json.text(c.get("host")), k -> new ArrayList<>()).add(c);
    if (cores.size() <= MAX_CORE_BARS) {
      List<String> labels = new ArrayList<>();
      Map<String, List<Double>> byCat = new LinkedHashMap<>();
      for (String cat : Charts.CATEGORIES) byCat.put(cat, new ArrayList<>());
      for (JsonNode c : cores) {
        labels.add(Json.text(c.get("host")) + "/" + Json.text(c.get("core")));
        for (String cat : Charts.CATEGORIES) byCat.get(cat).add(share(c, cat));
      }
      return List.of(Charts.save(dir, "cores", "CPU time per core, stacked by mpstat category",
          Charts.coreUtilization(uniqueLabels(labels), byCat)));
    }
    record HostLoad(String host, List<JsonNode> cores, double maxBusy, double used) {}
    List<HostLoad> loads = new ArrayList<>();
    for (Map.Entry<String, List<JsonNode>> e : byHost.entrySet()) {
      double max = 0;
      double used = 0;
      for (JsonNode c : e.getValue()) {
        double busy = 100 - share(c, "idle");
        max = Math.max(max, busy);
        used += busy / 100;
      }
      loads.add(new HostLoad(e.getKey(), e.getValue(), max, used));
    }
    List<HostLoad> ranked = new ArrayList<>(loads);
    ranked.sort(java.util.Comparator.comparingDouble(HostLoad::maxBusy).thenComparingDouble(HostLoad::used).reversed());
    int n = byHost.size();

    List<HostLoad> bars = ranked.subList(0, Math.min(MAX_HOST_BARS, n));
    List<String> hostLabels = new ArrayList<>();
    Map<String, List<Double>> coresByCat = new LinkedHashMap<>();
    for (String cat : Charts.CATEGORIES) coresByCat.put(cat, new ArrayList<>());
    for (HostLoad l : bars) {
      hostLabels.add(l.host());
      for (String cat : Charts.CATEGORIES) {
        double sum = 0;
        for (JsonNode c : l.cores()) sum += share(c, cat) / 100;
        coresByCat.get(cat).add(sum);
      }
    }
    String which = bars.size() < n ? "the " + bars.size() + " busiest of " + n + " hosts" : "all " + n + " hosts";
    Charts.Plot hostPlot = Charts.save(dir, "cores-hosts", "CPU used per host in cores, by mpstat category: " + which,
        Charts.hostCpu("CPU used per host by mpstat category (" + which + ")", uniqueLabels(hostLabels), coresByCat));

    List<HostLoad> rows = ranked.subList(0, Math.min(MAX_HEATMAP_HOSTS, n));
    int width = 0;
    for (HostLoad l : rows) width = Math.max(width, l.cores().size());
    double[][] busy = new double[rows.size()][width];
    List<String> rowLabels = new ArrayList<>();
    for (int h = 0; h < rows.size(); h++) {
      java.util.Arrays.fill(busy[h], Double.NaN);
      rowLabels.add(rows.get(h).host());
      List<JsonNode> cs = rows.get(h).cores();
      for (int k = 0; k < cs.size(); k++) busy[h][k] = 100 - share(cs.get(k), "idle");
    }
    String whichRows = rows.size() < n ? "the " + rows.size() + " busiest of " + n + " hosts" : "all " + n + " hosts";
    Charts.Plot heat = Charts.save(dir, "cores", "Busy share of each core (100 - idle, %): " + whichRows,
        Charts.coreHeatmap("Busy share of each core, % (" + whichRows + ")", uniqueLabels(rowLabels), width, busy));
    return List.of(heat, hostPlot);
  }

  private static double share(JsonNode core, String category) {
    Double v = Json.num(core.get(category));
    return v == null ? 0.0 : v;
  }

  /** Throughput over time: every flow, or for many flows the 5 with the highest and the 5 with the lowest mean. */
  private static Charts.Plot throughputOverTime(Path dir, Map<String, double[][]> series) throws IOException {
    if (series.size() <= MAX_FLOW_LINES) {
      return Charts.save(dir, "throughput", "Throughput per flow over virtual time",
          Charts.throughputOverTime("Throughput per flow over virtual time", series));
    }
    List<Map.Entry<String, double[][]>> byMean = new ArrayList<>(series.entrySet());
    byMean.sort(java.util.Comparator.comparingDouble((Map.Entry<String, double[][]> e) -> mean(e.getValue()[1])).reversed());
    Map<String, double[][]> shown = new LinkedHashMap<>();
    for (int i = 0; i < EXTREME_FLOWS; i++) shown.put(byMean.get(i).getKey(), byMean.get(i).getValue());
    for (int i = byMean.size() - EXTREME_FLOWS; i < byMean.size(); i++) shown.put(byMean.get(i).getKey(), byMean.get(i).getValue());
    String title = "Throughput over virtual time: the " + EXTREME_FLOWS + " fastest and " + EXTREME_FLOWS + " slowest of "
        + series.size() + " flows";
    return Charts.save(dir, "throughput", title, Charts.throughputOverTime(title, shown));
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double d : v) s += d;
    return v.length == 0 ? 0 : s / v.length;
  }

  private static Path csv(Path dir, String name, Csv csv) throws IOException {
    Path p = dir.resolve(name);
    csv.write(p);
    return p;
  }

  /** flow,t_ms,gbps from each flow's {@code throughput_series} ([{t_ms, gbps}] or [[t_ms, gbps]]). */
  private static Csv timeSeries(List<JsonNode> flows, Map<String, double[][]> series) {
    Csv csv = new Csv(List.of("flow", "t_ms", "gbps"));
    List<String> used = new ArrayList<>();
    for (JsonNode f : flows) {
      JsonNode s = f.get("throughput_series");
      if (s == null || !s.isArray() || s.isEmpty()) continue;
      String id = Json.text(f.get("id"));
      List<double[]> pts = new ArrayList<>();
      for (JsonNode p : s) {
        JsonNode t = p.isArray() ? p.get(0) : p.get("t_ms");
        JsonNode g = p.isArray() ? p.get(1) : p.get("gbps");
        Double tv = Json.num(t);
        Double gv = Json.num(g);
        if (tv == null || gv == null) continue;
        csv.row(List.of(id, Json.text(t), Json.text(g)));
        pts.add(new double[] {tv, gv});
      }
      if (pts.isEmpty()) continue;
      double[][] xy = new double[2][pts.size()];
      for (int i = 0; i < pts.size(); i++) {
        xy[0][i] = pts.get(i)[0];
        xy[1][i] = pts.get(i)[1];
      }
      series.put(Charts.unique(used, id.isEmpty() ? "flow" : id), xy);
    }
    return csv;
  }

  private static Charts.Plot latencyPlot(Path dir, List<JsonNode> flows) throws IOException {
    // A true CDF when the results carry one (flows[].latency_cdf_us = [[us, fraction], ...]).
    Map<String, double[][]> cdfs = new LinkedHashMap<>();
    List<String> usedCdf = new ArrayList<>();
    for (JsonNode f : flows) {
      JsonNode cdf = f.path("latency_cdf_us");
      if (!cdf.isArray() || cdf.isEmpty()) continue;
      double[] x = new double[cdf.size()];
      double[] y = new double[cdf.size()];
      for (int i = 0; i < cdf.size(); i++) {
        x[i] = Math.max(1e-3, cdf.get(i).path(0).asDouble()); // log axis: no zero
        y[i] = cdf.get(i).path(1).asDouble();
      }
      cdfs.put(Charts.unique(usedCdf, Json.text(f.get("id"))), new double[][] {x, y});
    }
    if (!cdfs.isEmpty()) {
      return Charts.save(dir, "latency", "Latency CDF per flow (virtual time)", Charts.latencyCdf(cdfs));
    }
    List<JsonNode> withLat = new ArrayList<>();
    for (JsonNode f : flows) {
      if (f.path("latency_us").isObject() && !f.path("latency_us").isEmpty()) withLat.add(f);
    }
    if (withLat.isEmpty()) return null;
    // the percentiles every such flow has, in schema order then as written
    Set<String> pcts = new LinkedHashSet<>();
    for (String p : List.of("p50", "p90", "p99", "p999")) if (withLat.get(0).path("latency_us").has(p)) pcts.add(p);
    withLat.get(0).path("latency_us").fieldNames().forEachRemaining(pcts::add);
    for (JsonNode f : withLat) pcts.removeIf(p -> Json.num(f.path("latency_us").get(p)) == null);
    if (pcts.isEmpty()) return null;
    List<String> labels = new ArrayList<>(pcts);
    Map<String, List<Double>> byFlow = new LinkedHashMap<>();
    List<String> used = new ArrayList<>();
    for (JsonNode f : withLat) {
      List<Double> v = new ArrayList<>();
      for (String p : labels) v.add(Json.num(f.path("latency_us").get(p)));
      byFlow.put(Charts.unique(used, Json.text(f.get("id"))), v);
    }
    return Charts.save(dir, "latency", "Latency percentiles per flow (virtual time)", Charts.latencyPercentiles(labels, byFlow));
  }

  private static List<String> uniqueLabels(List<String> labels) {
    List<String> used = new ArrayList<>();
    List<String> out = new ArrayList<>();
    for (String l : labels) out.add(Charts.unique(used, l));
    return out;
  }

  /** The model's headline figures of the run (the ones a sweep's table shows), before any detail. */
  @SuppressWarnings("unchecked")
  private static void headlines(Html h, JsonNode r) {
    List<List<String>> rows = new ArrayList<>();
    Map<String, Object> document = Json.MAPPER.convertValue(r, Map.class);
    for (ModelMetric m : Metrics.described(document)) {
      if (!m.headline()) continue;
      // a percentile its samples cannot resolve is their largest sample: say so rather than give it as measured
      String value = m.resolved() ? Json.fmt(m.value(), 4)
          : "- (" + m.samples() + " samples; needs " + ModelMetric.samplesToResolve(m.quantile()) + ")";
      rows.add(List.of(Metrics.words(m.name()), value, m.unit(), m.name()));
    }
    if (rows.isEmpty()) return;
    h.h(2, "Headline figures");
    h.table(List.of("figure", "value", "unit", "name in summaries"), rows, new boolean[] {true, false, true, true}, null);
  }

  private static String runHtml(JsonNode r, Tables flowT, Tables coreT, Tables hostT, Tables dropT, Tables devT,
      List<Charts.Plot> plots, List<Path> written) {
    String experiment = Json.text(r.get("experiment"));
    Html h = new Html().open("cnemu report: " + (experiment.isEmpty() ? "(unnamed)" : experiment));
    h.h(1, "cnemu run report: " + (experiment.isEmpty() ? "(unnamed experiment)" : experiment));
    boolean complete = !r.has("complete") || r.get("complete").asBoolean(false);
    if (!complete) {
      String err = Json.text(r.get("error"));
      h.div("banner bad", "INCOMPLETE RUN: complete = false, this run stopped early; its figures are partial or missing."
          + (err.isEmpty() ? "" : " Error: " + err));
    } else if (!r.has("complete")) {
      h.div("banner bad", "results.json has no 'complete' field: treat these figures with care.");
    }

    h.h(2, "Summary");
    List<List<String>> sum = new ArrayList<>();
    sum.add(List.of("experiment", experiment));
    sum.add(List.of("seed", Json.text(r.get("seed"))));
    sum.add(List.of("run", Json.text(r.get("run"))));
    sum.add(List.of("complete", r.has("complete") ? Json.text(r.get("complete")) : "(missing)"));
    Double end = Json.num(r.get("virtual_end_ns"));
    sum.add(List.of("virtual end", end == null ? "" : nanos(end) + " (" + Json.text(r.get("virtual_end_ns")) + " ns)"));
    if (r.has("error")) sum.add(List.of("error", Json.text(r.get("error"))));
    h.keyValues(sum);

    headlines(h, r);

    conservation(h, r.get("conservation"));

    // the plots first: the tables below can be thousands of rows
    h.h(2, "Plots");
    if (plots.isEmpty()) h.p("muted", "Nothing to plot: this run has no flows and no per-core figures.");
    for (Charts.Plot p : plots) h.image(p.title(), p.png(), p.title() + " (" + p.base() + ".png, " + p.base() + ".svg)");

    if (r.has("journeys") && r.get("journeys").isObject()) JourneyReport.runSection(h, r.get("journeys"));

    h.h(2, "Flows");
    if (flowT.rows().isEmpty()) h.p("muted", "No flows in this run.");
    else table(h, flowT, "flows", "flows.csv");

    h.h(2, "Cores");
    if (coreT.rows().isEmpty()) {
      h.p("muted", "No per-core figures in this run.");
    } else {
      coresTable(h, coreT);
    }

    h.h(2, "Hosts");
    if (hostT.rows().isEmpty()) h.p("muted", "No per-host figures in this run.");
    else hostsTables(h, hostT);

    h.h(2, "Drops");
    dropsTable(h, r.get("drops"), dropT);

    if (devT != null) {
      h.h(2, "Devices");
      if (devT.rows().isEmpty()) h.p("muted", "The devices section is empty.");
      else table(h, devT, "devices", "devices.csv");
    }

    h.h(2, "Engine statistics");
    scalars(h, r.get("engine"), "No engine section.");
    h.h(2, "Wall-clock statistics");
    h.p("muted", "The only figures allowed to differ between two runs of the same file and seed.");
    scalars(h, r.get("wall"), "No wall section.");

    // the model's own sections (e.g. phold), and unknown top-level fields
    List<List<String>> other = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = r.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (RUN_SECTIONS.contains(e.getKey())) continue;
      JsonNode v = e.getValue();
      if (v.isObject()) {
        h.h(2, "Section: " + e.getKey());
        scalars(h, v, "Empty section.");
        Iterator<Map.Entry<String, JsonNode>> sub = v.fields();
        while (sub.hasNext()) {
          Map.Entry<String, JsonNode> s = sub.next();
          if (s.getValue().isArray()) arraySection(h, e.getKey() + "." + s.getKey(), s.getValue());
        }
      } else if (v.isArray()) {
        h.h(2, "Section: " + e.getKey());
        arraySection(h, null, v);
      } else {
        other.add(List.of(e.getKey(), Json.text(v)));
      }
    }
    if (!other.isEmpty()) {
      h.h(2, "Other fields");
      h.keyValues(other);
    }

    h.h(2, "Files");
    StringBuilder files = new StringBuilder("<p>");
    boolean first = true;
    for (Path p : written) {
      String n = p.getFileName().toString();
      files.append(first ? "" : " &middot; ").append("<a href=\"").append(Html.esc(n)).append("\">").append(Html.esc(n)).append("</a>");
      first = false;
    }
    h.raw(files.append(" &middot; <a href=\"results.json\">results.json</a></p>\n").toString());

    h.h(2, "Resolved configuration");
    if (r.has("config")) h.details("config (JSON, click to expand)", Json.pretty(r.get("config")));
    else h.p("muted", "No config section in results.json.");
    return h.close();
  }

  /**
   * A section table, cut at {@link #MAX_HTML_ROWS} rows (the CSV has them all) and folded when longer
   * than {@link #FOLD_ROWS}.
   */
  private static void table(Html h, Tables t, String what, String csv) {
    List<List<String>> rows = t.rows();
    if (rows.size() > MAX_HTML_ROWS) {
      h.p("muted", "First " + MAX_HTML_ROWS + " of " + rows.size() + " rows; all of them are in " + csv + ".");
      rows = rows.subList(0, MAX_HTML_ROWS);
    }
    boolean fold = rows.size() > FOLD_ROWS;
    if (fold) h.foldOpen(rows.size() + " " + what + " (click to expand; also in " + csv + ")");
    h.table(t.header(), rows, t.textColumns(), null);
    if (fold) h.foldClose();
  }

  /**
   * The hosts section: one row per host with its own figures (CPU, IRQs, softirqs, IPIs, ...), then each group
   * of counters a host carries as a nested object (devices, steering: a policy's counters, several per flow) in
   * a table of its own. A group's table has one row per counter and one column per host while there are at
   * most {@link #MAX_HOST_COLUMNS} hosts: dozens of counters side by side in one row per host made a table
   * three window widths wide. hosts.csv keeps every column in one table.
   */
  private static void hostsTables(Html h, Tables hostT) {
    List<String> own = new ArrayList<>();
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (String c : hostT.header()) {
      String g = hostGroup(c);
      if (g == null) own.add(c);
      else groups.computeIfAbsent(g, k -> new ArrayList<>()).add(c);
    }
    table(h, hostT.select(own), "hosts", "hosts.csv");
    boolean hasId = hostT.header().contains("id");
    for (Map.Entry<String, List<String>> e : groups.entrySet()) {
      h.h(3, "Hosts: " + e.getKey() + " counters");
      List<String> cols = new ArrayList<>();
      if (hasId) cols.add("id");
      cols.addAll(e.getValue());
      Tables g = hostT.select(cols);
      if (g.rows().size() > MAX_HOST_COLUMNS) table(h, g, "hosts", "hosts.csv");
      else counterRows(h, g, e.getKey(), hasId);
    }
  }

  /** The group of a hosts column ({@code steering} of {@code steering.owd_count.w1}), null for a host's own figure. */
  private static String hostGroup(String column) {
    int dot = column.indexOf('.');
    if (dot < 0) return null;
    String prefix = column.substring(0, dot + 1);
    // softirqs.NET_RX, softirqs.NET_TX: schema columns, a host's own figures
    for (String c : Tables.HOST_COLUMNS) if (c.startsWith(prefix)) return null;
    return column.substring(0, dot);
  }

  /**
   * A group of per-host counters turned around: one row per counter (its name less the group's), one column per
   * host that has any of them; counters zero on every host are named below the table instead of shown.
   */
  private static void counterRows(Html h, Tables g, String group, boolean hasId) {
    int first = hasId ? 1 : 0;
    List<String> header = new ArrayList<>(List.of("counter"));
    List<Integer> hosts = new ArrayList<>();
    List<String> without = new ArrayList<>();
    for (int r = 0; r < g.rows().size(); r++) {
      List<String> row = g.rows().get(r);
      String name = hasId ? row.get(0) : "host " + (r + 1);
      if (row.subList(first, row.size()).stream().allMatch(String::isEmpty)) {
        without.add(name);
      } else {
        hosts.add(r);
        header.add(name);
      }
    }
    List<List<String>> rows = new ArrayList<>();
    List<String> zero = new ArrayList<>();
    for (int c = first; c < g.header().size(); c++) {
      String counter = g.header().get(c).substring(group.length() + 1);
      List<String> cells = new ArrayList<>(List.of(counter));
      boolean allZero = true;
      for (int r : hosts) {
        String v = g.rows().get(r).get(c);
        cells.add(v);
        allZero &= v.isEmpty() || v.matches("-?0+(\\.0+)?");
      }
      if (allZero) zero.add(counter);
      else rows.add(cells);
    }
    if (!rows.isEmpty()) table(h, new Tables(header, rows), group + " counters", "hosts.csv");
    if (!zero.isEmpty()) h.p("muted", "Zero on every host: " + String.join(", ", zero) + ".");
    if (!without.isEmpty()) h.p("muted", "No " + group + " counters on " + String.join(", ", without) + ".");
  }

  private static void conservation(Html h, JsonNode c) {
    h.h(2, "Packet conservation");
    if (c == null || !c.isObject()) {
      h.p("muted", "No conservation section in results.json.");
      return;
    }
    Double sent = Json.num(c.get("sent"));
    Double delivered = Json.num(c.get("delivered"));
    Double dropped = Json.num(c.get("dropped"));
    Double inFlight = Json.num(c.get("in_flight"));
    boolean computable = sent != null && delivered != null && dropped != null && inFlight != null;
    double accounted = computable ? delivered + dropped + inFlight : Double.NaN;
    boolean arithmetic = computable && Math.abs(accounted - sent) < 0.5;
    JsonNode flag = c.get("balanced");
    boolean balanced = flag != null && flag.isBoolean() ? flag.asBoolean() : arithmetic;
    String text = balanced ? "yes" : "no";
    h.raw("<p>balanced: <span class=\"flag " + text + "\">" + text + "</span>"
        + (computable ? " &nbsp; sent " + Html.esc(Json.text(c.get("sent"))) + " = delivered "
        + Html.esc(Json.text(c.get("delivered"))) + " + dropped " + Html.esc(Json.text(c.get("dropped")))
        + " + in flight " + Html.esc(Json.text(c.get("in_flight"))) : "") + "</p>\n");
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : Json.flatten(c).entrySet()) rows.add(List.of(e.getKey(), Json.text(e.getValue())));
    if (computable) rows.add(List.of("delivered + dropped + in_flight", Json.fmt(accounted, 6)));
    h.keyValues(rows);
    if (computable && flag != null && flag.isBoolean() && flag.asBoolean() != arithmetic) {
      h.div("banner bad", "The balanced flag (" + flag.asText() + ") disagrees with the counts: sent " + Json.fmt(sent, 6)
          + " vs delivered + dropped + in flight " + Json.fmt(accounted, 6) + ".");
    } else if (!balanced) {
      h.div("banner bad", "Packets are not conserved: sent != delivered + dropped + in flight.");
    }
  }

  /** Cores with a busy column; saturated ones highlighted; for many cores, the busiest only. */
  private static void coresTable(Html h, Tables coreT) {
    int idleCol = coreT.header().indexOf("idle");
    List<String> header = new ArrayList<>(coreT.header());
    List<List<String>> source = coreT.rows();
    int saturated = 0;
    if (idleCol >= 0) {
      header.add("busy");
      for (List<String> row : source) {
        BigDecimal idle = decimal(row.get(idleCol));
        if (idle != null && idle.doubleValue() <= SATURATED_IDLE_PCT) saturated++;
      }
    }
    boolean busiestOnly = idleCol >= 0 && source.size() > MAX_HTML_CORES;
    if (busiestOnly) {
      List<List<String>> sorted = new ArrayList<>(source);
      sorted.sort(java.util.Comparator.comparing((List<String> row) -> {
        BigDecimal idle = decimal(row.get(idleCol));
        return idle == null ? BigDecimal.valueOf(1000) : idle;
      }));
      source = sorted.subList(0, MAX_HTML_CORES);
    }
    List<List<String>> rows = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (List<String> row : source) {
      if (rows.size() == MAX_HTML_ROWS) break;
      List<String> r = new ArrayList<>(row);
      String cls = null;
      if (idleCol >= 0) {
        BigDecimal idleExact = decimal(row.get(idleCol));
        r.add(idleExact == null ? "" : Json.plain(BigDecimal.valueOf(100).subtract(idleExact)));
        if (idleExact != null && idleExact.doubleValue() <= SATURATED_IDLE_PCT) cls = "hot";
      }
      rows.add(r);
      classes.add(cls);
    }
    if (idleCol >= 0) {
      h.p(null, saturated == 0 ? "No core is saturated (idle <= " + Json.fmt(SATURATED_IDLE_PCT, 1) + "%)."
          : saturated + " of " + coreT.rows().size() + " cores saturated (idle <= " + Json.fmt(SATURATED_IDLE_PCT, 1)
          + "%), highlighted.");
    }
    boolean[] left = coreT.textColumns();
    boolean[] l2 = java.util.Arrays.copyOf(left, header.size());
    if (busiestOnly) {
      h.p("muted", "The " + rows.size() + " busiest of " + coreT.rows().size() + " cores, busiest first; all of them are in cores.csv.");
    } else if (coreT.rows().size() > rows.size()) {
      h.p("muted", "First " + rows.size() + " of " + coreT.rows().size() + " cores; all of them are in cores.csv.");
    }
    boolean fold = rows.size() > FOLD_ROWS;
    if (fold) h.foldOpen(rows.size() + " cores (click to expand)");
    h.table(header, rows, l2, classes);
    if (fold) h.foldClose();
  }

  private static void dropsTable(Html h, JsonNode section, Tables dropT) {
    if (section == null || !section.isArray()) {
      h.p("muted", "No drops section in results.json.");
      return;
    }
    if (dropT.rows().isEmpty()) {
      h.p(null, "No packets dropped.");
      return;
    }
    List<List<String>> rows = new ArrayList<>(dropT.rows());
    List<String> classes = new ArrayList<>();
    rows.forEach(x -> classes.add(null));
    int pk = dropT.header().indexOf("packets");
    if (pk >= 0) {
      BigDecimal total = BigDecimal.ZERO;
      for (List<String> row : dropT.rows()) {
        BigDecimal v = decimal(row.get(pk));
        if (v != null) total = total.add(v);
      }
      List<String> t = new ArrayList<>();
      for (int i = 0; i < dropT.header().size(); i++) t.add(i == 0 ? "total" : i == pk ? Json.plain(total) : "");
      rows.add(t);
      classes.add("total");
    }
    h.table(dropT.header(), rows, dropT.textColumns(), classes);
  }

  private static void scalars(Html h, JsonNode obj, String ifMissing) {
    if (obj == null || !obj.isObject()) {
      h.p("muted", ifMissing);
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : Json.flatten(obj).entrySet()) rows.add(List.of(e.getKey(), Json.text(e.getValue())));
    if (rows.isEmpty()) h.p("muted", ifMissing);
    else h.keyValues(rows);
  }

  private static void arraySection(Html h, String title, JsonNode arr) {
    List<JsonNode> rows = Json.rows(arr);
    if (title != null) h.h(3, title);
    if (rows.isEmpty()) {
      h.p(null, arr.isEmpty() ? "(empty)" : Json.text(arr));
      return;
    }
    Tables t = Tables.of(rows, List.of());
    h.table(t.header(), t.rows(), t.textColumns(), null);
  }

  private static BigDecimal decimal(String s) {
    if (s == null || s.isEmpty()) return null;
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Virtual nanoseconds in the largest unit that keeps the value at or above 1, to 4 significant digits without
   * trailing zeros ("3.5 ms", "310.5 us", "455 ns"): a journey bar's label read "310.466 us" and "10.284 us", six
   * and five digits of a mean over a few dozen sampled packets.
   */
  static String nanos(double ns) {
    String[] units = {"s", "ms", "us", "ns"};
    double[] scale = {1e9, 1e6, 1e3, 1};
    for (int i = 0; i < units.length; i++) {
      if (Math.abs(ns) >= scale[i] || i == units.length - 1) return significant4(ns / scale[i]) + " " + units[i];
    }
    return significant4(ns) + " ns";
  }

  private static String significant4(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) return Json.fmt(v, 0);
    return Json.plain(java.math.BigDecimal.valueOf(v).round(new java.math.MathContext(4, java.math.RoundingMode.HALF_EVEN)));
  }

  // ---------------------------------------------------------------------------------------- sweep

  /** A double as summary.csv's other figures are written (Json.text: 12 significant digits, no exponent). */
  private static String csvNumber(double v) {
    return Json.text(com.fasterxml.jackson.databind.node.DoubleNode.valueOf(v));
  }

  /**
   * Reads {@code sweepDir/summary.json} (shape in the package docs) and writes {@code summary.csv}, one
   * {@code sweep-METRIC.png/.svg} per headline metric and flow latency (every metric when none is flagged a
   * headline; mean vs the first swept key, 95% interval as error bars and a
   * dashed band, one line per combination of the other keys) and {@code report.html}. A summary.json
   * without {@code points} (the runner's repetitions of one configuration) is read as a single point.
   *
   * @return the files written, in the order written
   */
  public static List<Path> writeSweep(Path sweepDir) throws IOException {
    JsonNode s = Json.read(sweepDir.resolve(SUMMARY_FILE));
    SweepData d = SweepData.of(s);
    List<Path> written = new ArrayList<>();

    List<String> header = new ArrayList<>();
    header.add("point");
    header.addAll(d.keys());
    header.addAll(List.of("metric", "mean", "ci95_low", "ci95_high", "stddev", "n", "unit"));
    // a comparison's ratios too, so that a paper's ratio table or plot needs summary.csv only (they were in
    // summary.json alone); after the earlier columns, which keep their places
    boolean compared = d.points().stream().anyMatch(p -> p.baseline() != null);
    if (compared) header.addAll(List.of("baseline", "ratio", "ratio_ci95_low", "ratio_ci95_high"));
    Csv csv = new Csv(header);
    for (SweepData.Point p : d.points()) {
      for (Map.Entry<String, SweepData.Stat> m : p.metrics().entrySet()) {
        List<String> row = new ArrayList<>();
        row.add(p.dir());
        for (String k : d.keys()) row.add(Json.text(p.values().get(k)));
        SweepData.Stat st = m.getValue();
        row.add(m.getKey());
        row.add(st.meanText());
        row.add(st.lowText());
        row.add(st.highText());
        row.add(st.stddevText());
        row.add(st.nText());
        SweepData.Info info = d.info().get(m.getKey());
        row.add(info == null ? "" : info.unit());
        if (compared) {
          SweepData.Ratio r = p.ratios().get(m.getKey());
          row.add(p.baseline() == null ? "" : p.baseline());
          row.add(r == null ? "" : csvNumber(r.ratio()));
          row.add(r == null ? "" : csvNumber(r.low()));
          row.add(r == null ? "" : csvNumber(r.high()));
        }
        csv.row(row);
      }
    }
    written.add(csv(sweepDir, "summary.csv", csv));

    List<Charts.Plot> plots = new ArrayList<>();
    // Charts of what a researcher compares only (headline metrics and the flows' latency; the journeys below): a
    // chart per metric, ~75 for a 2-arm comparison (engine.events, conservation.balanced, ...), was most of a farmed
    // plan's driver CPU. The rest is in summary.csv. A summary without headline flags (an older one) draws them all.
    List<String> all = d.metricNamesHeadlinesFirst();
    boolean anyHeadline = all.stream().anyMatch(d::headline);
    List<String> metrics = anyHeadline ? d.comparedMetrics() : all;
    int notCompared = all.size() - metrics.size();
    int skipped = 0;
    List<String> zero = new ArrayList<>();
    if (!d.keys().isEmpty() && d.points().size() > 1) {
      List<String> usedFiles = new ArrayList<>();
      for (String metric : metrics) {
        if (d.zeroEverywhere(metric)) {
          zero.add(metric);
          continue;
        }
        if (plots.size() >= MAX_SWEEP_PLOTS) {
          skipped++;
          continue;
        }
        SweepData.Lines lines = d.lines(metric);
        if (lines.lines().isEmpty()) continue;
        String base = Charts.unique(usedFiles, "sweep-" + metric.replaceAll("[^A-Za-z0-9._-]+", "_"));
        plots.add(Charts.save(sweepDir, base, Charts.capitalize(Metrics.words(metric)) + " vs " + d.keys().get(0),
            lines.categories() == null ? Charts.sweep(metric, lines.axisTitle(), lines.lines())
                : Charts.sweepCategorical(metric, lines.axisTitle(), lines.lines(), lines.categories())));
      }
    }
    // where the latency goes, side by side per point: first, as it answers "why" for the metrics after it
    if (d.points().size() > 1) plots.addAll(0, JourneyReport.sweepPlots(sweepDir, d));
    for (Charts.Plot p : plots) {
      written.add(sweepDir.resolve(p.base() + ".png"));
      written.add(sweepDir.resolve(p.base() + ".svg"));
    }

    Path report = sweepDir.resolve(REPORT_FILE);
    Files.writeString(report, sweepHtml(sweepDir, s, d, plots, skipped, notCompared, zero, written), StandardCharsets.UTF_8);
    written.add(report);
    return written;
  }

  /**
   * A comparison's answer first: per arm, headline metric and flow latency ({@link SweepData#comparedMetrics}), the
   * baseline's and the arm's mean with their
   * intervals and the paired ratio with its interval (summary.json's numbers), and whether the ratio's interval
   * excludes 1 in the metric's better or worse direction.
   */
  private static void againstBaseline(Html h, JsonNode s, SweepData d) {
    String compared = Json.text(s.get("compared"));
    h.h(2, "Against the baseline" + (compared.isEmpty() ? "" : " (" + compared + ")"));
    // Narrow enough for a 1280 px window with an arm of three swept keys: the arm once per arm, one key=value per
    // line; headers and numbers wrap (a mean above its interval, never inside it); a scroll container beyond that.
    StringBuilder t = new StringBuilder("<div class=\"wide\">\n<table class=\"arms\">\n<thead><tr>");
    List<String> header = List.of("arm", "metric", "unit", "baseline: mean [95% CI]", "arm: mean [95% CI]",
        "arm / baseline [95% CI]", "difference");
    for (String c : header) t.append(c.startsWith("arm") || c.equals("metric") || c.equals("unit") || c.equals("difference")
        ? "<th class=\"l\">" : "<th>").append(Html.esc(c)).append("</th>");
    t.append("</tr></thead>\n<tbody>\n");
    for (SweepData.Point arm : d.points()) {
      SweepData.Point base = arm.baseline() == null ? null : d.point(arm.baseline());
      if (base == null || base == arm) continue;
      List<List<String>> rows = new ArrayList<>();
      List<String> classes = new ArrayList<>();
      for (String m : d.comparedMetrics()) {
        if (!arm.ratios().containsKey(m)) continue;
        SweepData.Ratio r = arm.ratios().get(m);
        SweepData.Info info = d.info().get(m);
        String better = info == null ? "" : info.better();
        String dir = r.direction();
        String verdict = dir.isEmpty()
            ? (r.n() < 2 ? "one run: no interval" : r.low() == 1 && r.high() == 1 ? "equal in every run" : "no difference shown")
            : better.isEmpty() ? dir : dir + (dir.equals(better) ? " (better)" : " (worse)");
        SweepData.Stat b = base.metrics().get(m);
        SweepData.Stat a = arm.metrics().get(m);
        rows.add(List.of(Metrics.label(m), info == null ? "" : info.unit(),
            b == null ? "-" : b.cell(), a == null ? "-" : a.cell(), r.cell(), verdict));
        classes.add(dir.isEmpty() || better.isEmpty() ? null : dir.equals(better) ? "good" : "hot");
      }
      for (int i = 0; i < rows.size(); i++) {
        t.append(classes.get(i) == null ? "<tr>" : "<tr class=\"" + classes.get(i) + "\">");
        if (i == 0) {
          List<String> lines = new ArrayList<>();
          for (String part : d.labelParts(arm)) lines.add(Html.esc(part));
          t.append("<td class=\"l arm\" rowspan=\"").append(rows.size()).append("\">").append(String.join("<br>", lines))
              .append("</td>");
        }
        List<String> row = rows.get(i);
        for (int c = 0; c < row.size(); c++) {
          boolean number = c >= 2 && c <= 4;
          // a break may fall between a mean and its interval, not inside the interval
          String text = number ? Html.esc(row.get(c)).replace(", ", ",&nbsp;") : Html.esc(row.get(c));
          t.append(number ? "<td class=\"n\">" : "<td class=\"l\">").append(text).append("</td>");
        }
        t.append("</tr>\n");
      }
    }
    h.raw(t.append("</tbody>\n</table>\n</div>\n").toString());
    h.p("muted", "Ratios are the mean of the per-run ratios, runs paired by seed (common random numbers); a pair of "
        + "zeros counts as 1. Every metric's ratio is in summary.json.");
  }

  private static String sweepHtml(Path dir, JsonNode s, SweepData d, List<Charts.Plot> plots, int skipped, int notCompared,
      List<String> zero, List<Path> written) {
    String experiment = Json.text(s.get("experiment"));
    // a compare { } alone is a comparison, as the terminal's first line calls it, not a sweep
    String compared = Json.text(s.get("compared"));
    String kind = !compared.isEmpty() && d.keys().equals(List.of(compared)) ? "comparison" : "sweep";
    Html h = new Html().open("cnemu " + kind + ": " + (experiment.isEmpty() ? "(unnamed)" : experiment));
    h.h(1, "cnemu " + kind + " report: " + (experiment.isEmpty() ? "(unnamed experiment)" : experiment));
    long incomplete = d.points().stream().filter(p -> !p.complete()).count();
    boolean complete = (!s.has("complete") || s.get("complete").asBoolean(false)) && incomplete == 0;
    if (!complete) {
      h.div("banner bad", "INCOMPLETE SWEEP: " + (incomplete > 0 ? incomplete + " of " + d.points().size()
          + " points did not complete all their runs." : "complete = false in summary.json."));
    }
    h.h(2, "Summary");
    List<List<String>> sum = new ArrayList<>();
    sum.add(List.of("experiment", experiment));
    sum.add(List.of("swept keys", String.join(", ", d.keys())));
    sum.add(List.of("points", Integer.toString(d.points().size())));
    if (s.has("runs")) sum.add(List.of("runs per point", Json.text(s.get("runs"))));
    sum.add(List.of("complete", Boolean.toString(complete)));
    h.keyValues(sum);

    if (d.points().stream().anyMatch(p -> p.baseline() != null)) againstBaseline(h, s, d);

    h.h(2, "Plots");
    if (plots.isEmpty()) h.p("muted", d.points().size() < 2 ? "One point only: nothing to draw against the swept key."
        : "Nothing to plot.");
    for (Charts.Plot p : plots) h.image(p.title(), p.png(), p.title() + " (" + p.base() + ".png, " + p.base() + ".svg)");
    if (!zero.isEmpty()) {
      h.p("muted", "Zero at every point (not plotted): " + String.join(", ", zero.stream().map(Metrics::label).toList()) + ".");
    }
    if (skipped > 0) h.p("muted", skipped + " more metrics are not plotted; they are in summary.csv.");
    if (notCompared > 0) {
      h.p("muted", "Plotted: the model's headline metrics and the flows' latency (p50, p99). The other " + notCompared
          + " metrics are in the table below and in summary.csv.");
    }


    h.h(2, "Points");
    List<String> ph = new ArrayList<>(List.of("point"));
    ph.addAll(d.keys());
    ph.addAll(List.of("runs", "complete"));
    StringBuilder t = new StringBuilder("<div class=\"wide\">\n<table>\n<thead><tr>");
    for (int i = 0; i < ph.size(); i++) t.append(i == 0 ? "<th class=\"l\">" : "<th>").append(Html.esc(ph.get(i))).append("</th>");
    t.append("</tr></thead>\n<tbody>\n");
    for (SweepData.Point p : d.points()) {
      t.append(p.complete() ? "<tr>" : "<tr class=\"hot\">");
      boolean hasReport = !p.dir().isEmpty() && !".".equals(p.dir()) && Files.isRegularFile(dir.resolve(p.dir()).resolve(REPORT_FILE));
      t.append("<td class=\"l\">");
      if (hasReport) t.append("<a href=\"").append(Html.esc(p.dir() + "/" + REPORT_FILE)).append("\">").append(Html.esc(p.dir())).append("</a>");
      else t.append(Html.esc(p.dir()));
      t.append("</td>");
      for (String k : d.keys()) t.append("<td>").append(Html.esc(Json.text(p.values().get(k)))).append("</td>");
      t.append("<td>").append(Html.esc(p.runs())).append("</td><td>").append(p.complete()).append("</td></tr>\n");
    }
    h.raw(t.append("</tbody>\n</table>\n</div>\n").toString());

    h.h(2, "Metrics: mean [95% CI] per point");
    if (d.metricNames().isEmpty()) {
      h.p("muted", "No metrics in summary.json.");
    } else {
      List<String> mh = new ArrayList<>(List.of("metric", "name in summary.csv"));
      for (SweepData.Point p : d.points()) mh.add(d.label(p));
      List<List<String>> rows = new ArrayList<>();
      for (String m : d.metricNames()) {
        List<String> row = new ArrayList<>(List.of(Metrics.label(m), m));
        for (SweepData.Point p : d.points()) {
          SweepData.Stat st = p.metrics().get(m);
          row.add(st == null ? "-" : st.cell());
        }
        rows.add(row);
      }
      h.table(mh, rows, new boolean[] {true, true}, null);
    }

    h.h(2, "Files");
    StringBuilder files = new StringBuilder("<p><a href=\"summary.json\">summary.json</a>");
    for (Path p : written) {
      String n = p.getFileName().toString();
      files.append(" &middot; <a href=\"").append(Html.esc(n)).append("\">").append(Html.esc(n)).append("</a>");
    }
    h.raw(files.append("</p>\n").toString());

    h.h(2, "Resolved configuration");
    if (s.has("config")) h.details("config (JSON, click to expand)", Json.pretty(s.get("config")));
    else h.p("muted", "No config section in summary.json.");
    return h.close();
  }
}
