package org.cnemu.experiments.report;

import static org.cnemu.experiments.report.RunReportTest.assertReadablePng;
import static org.cnemu.experiments.report.RunReportTest.assertSelfContained;
import static org.cnemu.experiments.report.RunReportTest.assertSvg;
import static org.cnemu.experiments.report.RunReportTest.count;
import static org.cnemu.experiments.report.RunReportTest.lines;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepReportTest {
  @TempDir Path tmp;

  @Test
  void writesSummaryCsvLinePlotsAndHtml() throws IOException {
    Path dir = Fixtures.copy("sweep-a", tmp);
    // one point already has its run report: the sweep report links it
    Files.createDirectories(dir.resolve("point-000"));
    Files.writeString(dir.resolve("point-000/report.html"), "<!DOCTYPE html>");
    List<Path> written = Reports.writeSweep(dir);
    for (Path f : written) {
      assertTrue(Reports.OUTPUT_FILE.matcher(f.getFileName().toString()).matches(), f + ": a rerun would leave it stale");
    }

    List<String> csv = lines(dir, "summary.csv");
    assertEquals("point,nic.rate,policy.name,metric,mean,ci95_low,ci95_high,stddev,n,unit", csv.get(0));
    assertEquals(1 + 6 * 5, csv.size(), "one row per point and metric");
    assertEquals("point-000,10Gbps,rss,total.throughput_gbps,9.4,9.3,9.5,0.04,3,", csv.get(1), "no metric_info: no unit");
    assertTrue(csv.contains("point-005,40Gbps,rps,flow[f1].throughput_gbps,20,19.9,20.1,0.04,3,"), String.join("\n", csv));

    for (String base : List.of("sweep-total.throughput_gbps", "sweep-flow_f1_.throughput_gbps",
        "sweep-receivers.cpu_busy_pct", "sweep-drops.total", "sweep-engine.events")) {
      assertReadablePng(dir.resolve(base + ".png"));
      assertSvg(dir.resolve(base + ".svg"));
      assertTrue(written.contains(dir.resolve(base + ".png")));
    }
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("cnemu sweep report: rate-sweep"));
    assertTrue(html.contains("<a href=\"point-000/report.html\">point-000</a>"), "links an existing point report");
    assertFalse(html.contains("point-001/report.html"), "no dead links");
    assertTrue(html.contains("nic.<wbr>rate=40Gbps, policy.<wbr>name=rps"), "point label (a column name: breakable)");
    assertTrue(html.contains("9.400 [9.300, 9.500]"), "mean and interval, as the terminal prints them (4 significant digits)");
    assertEquals(5, count(html, "src=\"data:image/png;base64,"));
    assertFalse(html.contains("INCOMPLETE"));
    assertSelfContained(html);

    Path again = Fixtures.copy("sweep-a", tmp.resolve("again"));
    Files.createDirectories(again.resolve("point-000"));
    Files.writeString(again.resolve("point-000/report.html"), "<!DOCTYPE html>");
    Reports.writeSweep(again);
    for (String f : List.of("summary.csv", "report.html")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
    }
  }

  @Test
  void aComparisonReportsEachArmAgainstItsBaselineAndDrawsNoEmptyPlot() throws IOException {
    Path dir = tmp.resolve("cmp");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("summary.json"), """
        {"experiment": "stacks", "kind": "sweep", "keys": ["topology.stack"], "compared": "topology.stack", "runs": 3,
         "complete": true,
         "points": [
          {"dir": "point-000", "values": {"topology.stack": "native"}, "runs": 3, "complete": true,
           "metrics": {"total.throughput_gbps": {"mean": 20, "ci95_low": 19, "ci95_high": 21, "stddev": 0.4, "n": 3},
                       "total.retransmits": {"mean": 0, "ci95_low": 0, "ci95_high": 0, "stddev": 0, "n": 3},
                       "engine.events": {"mean": 100, "ci95_low": 90, "ci95_high": 110, "stddev": 4, "n": 3}}},
          {"dir": "point-001", "values": {"topology.stack": "docker-overlay"}, "runs": 3, "complete": true,
           "metrics": {"total.throughput_gbps": {"mean": 10, "ci95_low": 9, "ci95_high": 11, "stddev": 0.4, "n": 3},
                       "total.retransmits": {"mean": 0, "ci95_low": 0, "ci95_high": 0, "stddev": 0, "n": 3},
                       "engine.events": {"mean": 120, "ci95_low": 110, "ci95_high": 130, "stddev": 4, "n": 3}},
           "baseline": "point-000",
           "ratios": {"total.throughput_gbps": {"ratio": 0.5, "ci95_low": 0.4, "ci95_high": 0.6, "n": 3},
                      "total.retransmits": {"ratio": 1, "ci95_low": 1, "ci95_high": 1, "n": 3},
                      "engine.events": {"ratio": 1.2, "ci95_low": 1.1, "ci95_high": 1.3, "n": 3}}}],
         "metric_info": {"total.throughput_gbps": {"unit": "Gbps", "better": "higher", "headline": true},
                         "total.retransmits": {"unit": "segments", "better": "lower", "headline": true},
                         "engine.events": {"unit": "events", "better": "", "headline": false}}}
        """);
    Reports.writeSweep(dir);
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("Against the baseline (topology.stack)"), html);
    assertTrue(html.contains("<h1>cnemu comparison report: stacks</h1>"), "a compare { } alone is no sweep");
    // the ratios and units are in summary.csv too, not only in summary.json: a paper's table or plot needs only it
    assertEquals(List.of("point,topology.stack,metric,mean,ci95_low,ci95_high,stddev,n,unit,baseline,ratio,ratio_ci95_low,"
            + "ratio_ci95_high",
        "point-000,native,total.throughput_gbps,20,19,21,0.4,3,Gbps,,,,",
        "point-000,native,total.retransmits,0,0,0,0,3,segments,,,,",
        "point-000,native,engine.events,100,90,110,4,3,events,,,,",
        "point-001,docker-overlay,total.throughput_gbps,10,9,11,0.4,3,Gbps,point-000,0.5,0.4,0.6",
        "point-001,docker-overlay,total.retransmits,0,0,0,0,3,segments,point-000,1,1,1",
        "point-001,docker-overlay,engine.events,120,110,130,4,3,events,point-000,1.2,1.1,1.3"), lines(dir, "summary.csv"));
    assertTrue(html.contains("0.500 [0.400,&nbsp;0.600]"), "the arm's ratio with its interval as the terminal prints it, never broken inside it");
    assertTrue(html.contains("20 [19,&nbsp;21]") && html.contains("10 [9,&nbsp;11]"), "both arms' means");
    // narrow enough for a 1280 px window (measured with headless chromium: the arm's label on every row, one line,
    // made the table of a three-key arm 1,500 px wide): the arm once, over its rows, a key per line
    String arms = html.substring(html.indexOf("Against the baseline"), html.indexOf("<h2>Plots"));
    assertEquals(1, count(arms, "topology.stack=docker-overlay"), arms);
    assertTrue(arms.contains("<td class=\"l arm\" rowspan=\"2\">topology.stack=docker-overlay</td>"), arms);
    assertTrue(arms.contains("<div class=\"wide\">\n<table class=\"arms\">"), arms);
    assertTrue(html.contains("lower (worse)"), "the interval excludes 1 on the worse side of a higher-is-better metric");
    assertTrue(html.contains("equal in every run"), "zero retransmits on both sides");
    assertFalse(html.substring(html.indexOf("Against the baseline"), html.indexOf("<h2>Plots")).contains("events"),
        "only the model's headline metrics in the comparison table");
    // the all-zero metric is named, not drawn as an empty frame; the others are drawn
    assertFalse(Files.exists(dir.resolve("sweep-total.retransmits.png")));
    assertTrue(html.contains("Zero at every point (not plotted): " + Metrics.label("total.retransmits")), html);
    assertReadablePng(dir.resolve("sweep-total.throughput_gbps.png"));
    assertFalse(Files.exists(dir.resolve("sweep-engine.events.png")), "not a metric a researcher compares: summary.csv");
    assertSelfContained(html);
  }

  /**
   * freeflow-latency compares flow[lat]'s one-way p50, which the model does not call a headline: the table showed
   * the equal throughputs only. The flows' latency p50/p99 are rows now, and the only charts beside the headline's
   * (a chart per metric, engine.events and conservation.balanced included, was most of a farmed plan's driver CPU).
   */
  @Test
  void aComparisonShowsAndPlotsTheFlowsLatencyNotEveryMetric() throws IOException {
    Path dir = tmp.resolve("lat");
    Files.createDirectories(dir);
    String lat = """
        "flow[lat].one_way_p50_us": {"mean": %s, "ci95_low": %s, "ci95_high": %s, "stddev": 0.1, "n": 3},
        "flow[lat].one_way_p99_us": {"mean": %s, "ci95_low": %s, "ci95_high": %s, "stddev": 0.1, "n": 3},
        "flow[lat].one_way_p999_us": {"mean": 30, "ci95_low": 29, "ci95_high": 31, "stddev": 0.1, "n": 3},
        "conservation.balanced": {"mean": 1, "ci95_low": 1, "ci95_high": 1, "stddev": 0, "n": 3},
        "engine.events": {"mean": 100, "ci95_low": 90, "ci95_high": 110, "stddev": 4, "n": 3}""";
    Files.writeString(dir.resolve("summary.json"), """
        {"experiment": "freeflow-latency", "kind": "sweep", "keys": ["steering"], "compared": "steering", "runs": 3,
         "complete": true,
         "points": [
          {"dir": "point-000", "values": {"steering": "vanilla"}, "runs": 3, "complete": true,
           "metrics": {"total.throughput_gbps": {"mean": 0.5, "ci95_low": 0.5, "ci95_high": 0.5, "stddev": 0, "n": 3},
                       %s}},
          {"dir": "point-001", "values": {"steering": "freeflow"}, "runs": 3, "complete": true,
           "metrics": {"total.throughput_gbps": {"mean": 0.5, "ci95_low": 0.5, "ci95_high": 0.5, "stddev": 0, "n": 3},
                       %s},
           "baseline": "point-000",
           "ratios": {"total.throughput_gbps": {"ratio": 1, "ci95_low": 1, "ci95_high": 1, "n": 3},
                      "flow[lat].one_way_p50_us": {"ratio": 0.045, "ci95_low": 0.044, "ci95_high": 0.046, "n": 3},
                      "flow[lat].one_way_p99_us": {"ratio": 0.05, "ci95_low": 0.049, "ci95_high": 0.051, "n": 3},
                      "flow[lat].one_way_p999_us": {"ratio": 0.06, "ci95_low": 0.059, "ci95_high": 0.061, "n": 3},
                      "engine.events": {"ratio": 1.2, "ci95_low": 1.1, "ci95_high": 1.3, "n": 3}}}],
         "metric_info": {"total.throughput_gbps": {"unit": "Gbps", "better": "higher", "headline": true},
                         "flow[lat].one_way_p50_us": {"unit": "us", "better": "lower", "headline": false},
                         "flow[lat].one_way_p99_us": {"unit": "us", "better": "lower", "headline": false},
                         "flow[lat].one_way_p999_us": {"unit": "us", "better": "lower", "headline": false},
                         "conservation.balanced": {"unit": "", "better": "higher", "headline": false},
                         "engine.events": {"unit": "events", "better": "neither", "headline": false}}}
        """.formatted(lat.formatted(10.2, 10, 10.4, 20.4, 20, 20.8), lat.formatted(0.46, 0.45, 0.47, 1.02, 1, 1.04)));
    List<Path> written = Reports.writeSweep(dir);
    String html = Files.readString(dir.resolve("report.html"));
    String arms = html.substring(html.indexOf("Against the baseline"), html.indexOf("<h2>Plots"));
    assertTrue(arms.contains(Html.esc(Metrics.label("flow[lat].one_way_p50_us"))), arms);
    assertTrue(arms.contains("0.045 [0.044,&nbsp;0.046]") && arms.contains("0.050 [0.049,&nbsp;0.051]"), arms);
    assertTrue(arms.contains("lower (better)"), arms);
    assertFalse(arms.contains("0.060") || arms.contains("events"), "p50 and p99 only, no engine count: " + arms);
    for (String base : List.of("sweep-flow_lat_.one_way_p50_us", "sweep-flow_lat_.one_way_p99_us")) {
      assertReadablePng(dir.resolve(base + ".png"));
      assertSvg(dir.resolve(base + ".svg"));
    }
    for (String base : List.of("sweep-engine.events", "sweep-flow_lat_.one_way_p999_us", "sweep-conservation.balanced")) {
      assertFalse(Files.exists(dir.resolve(base + ".png")) || Files.exists(dir.resolve(base + ".svg")), base);
    }
    // throughput (equal bars) and the two latencies: three charts, six files
    assertEquals(6, written.stream().filter(f -> f.getFileName().toString().startsWith("sweep-")).count(), written.toString());
    assertTrue(html.contains("The other 3 metrics are in the table below and in summary.csv."), html);
    assertTrue(lines(dir, "summary.csv").stream().anyMatch(l -> l.startsWith("point-001,freeflow,engine.events,")),
        "every metric stays in summary.csv");
  }

  @Test
  void categoricalKeyAndIncompletePoint() throws IOException {
    Path dir = tmp.resolve("cat");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("summary.json"), """
        {"experiment": "policies", "keys": ["policy.name"], "runs": 2, "complete": false,
         "points": [
           {"dir": "p0", "values": {"policy.name": "rss"}, "complete": true,
            "metrics": {"total.throughput_gbps": {"mean": 9.4, "ci95_low": 9.0, "ci95_high": 9.8, "stddev": 0.1, "n": 2}}},
           {"dir": "p1", "values": {"policy.name": "rps"}, "complete": false,
            "metrics": {"total.throughput_gbps": 14.1}},
           {"dir": "p2", "values": {"policy.name": "falcon"}, "complete": true,
            "metrics": {"total.throughput_gbps": {"mean": 18.0, "ci95_low": 17.0, "ci95_high": 19.0}}}
         ]}
        """);
    Reports.writeSweep(dir);
    assertReadablePng(dir.resolve("sweep-total.throughput_gbps.png"));
    assertEquals("p1,rps,total.throughput_gbps,14.1,,,,,", lines(dir, "summary.csv").get(2));
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("INCOMPLETE SWEEP: 1 of 3 points"));
  }

  @Test
  void runnerSummaryOfRepetitionsIsOnePoint() throws IOException {
    Path dir = tmp.resolve("reps");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("summary.json"), """
        {"experiment": "x", "runs": 3, "complete": true, "run_list": [],
         "engine": {"events": {"mean": 100.0, "ci95_low": 90.0, "ci95_high": 110.0, "stddev": 4.0, "n": 3}},
         "flows": {"f1": {"throughput_gbps": {"mean": 9.4, "ci95_low": 9.3, "ci95_high": 9.5, "stddev": 0.04, "n": 3}}}}
        """);
    Reports.writeSweep(dir);
    assertEquals(List.of("point,metric,mean,ci95_low,ci95_high,stddev,n,unit",
        ".,flow[f1].throughput_gbps,9.4,9.3,9.5,0.04,3,",
        ".,engine.events,100,90,110,4,3,"), lines(dir, "summary.csv"));
    assertTrue(Files.readString(dir.resolve("report.html")).contains("One point only"));
  }

  /**
   * Two arms at exactly 100,000 transactions/s: the axis was XChart's own, two ticks, 0 and "1E5". It now runs
   * from 0 to a round figure above the bars, in plain digits.
   */
  @Test
  void barsOfOneHeightGetARoundAxisInPlainDigits() {
    Charts.SweepLine l = new Charts.SweepLine("", new double[] {0, 1}, new double[] {100_000, 100_000},
        new double[] {100_000, 100_000}, new double[] {100_000, 100_000});
    org.knowm.xchart.CategoryChart c = Charts.sweepCategorical("total.transactions_per_sec", "topology.stack",
        List.of(l), List.of("native", "docker-overlay"));
    assertEquals(0.0, c.getStyler().getYAxisMin());
    assertEquals(110_000.0, c.getStyler().getYAxisMax(), 1e-6);
    assertEquals("#,##0", c.getStyler().getYAxisDecimalPattern());
    Charts.SweepLine small = new Charts.SweepLine("", new double[] {0, 1}, new double[] {0.0512, 0.0512},
        new double[] {0.05, 0.05}, new double[] {0.0524, 0.0524});
    org.knowm.xchart.CategoryChart g = Charts.sweepCategorical("total.throughput_gbps", "topology.stack",
        List.of(small), List.of("native", "docker-overlay"));
    assertEquals(0.056, g.getStyler().getYAxisMax(), 1e-9, "above the whisker, 0.0524");
    assertEquals(null, g.getStyler().getYAxisDecimalPattern());
  }

  /**
   * The report's figures are the terminal's (TextTable.num, ratios to 3 decimals), not 4 decimals: a busy share
   * read "68.2687 [26.2375, 100]" in report.html beside "68.27 [26.24, 100]" in the terminal, and a ratio
   * "0.9633 [0.8056, 1.1211]" beside "0.963 [0.806, 1.121]".
   */
  @Test
  void tableFiguresAreTheTerminals() throws IOException {
    Path dir = tmp.resolve("digits");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("summary.json"), """
        {"experiment": "digits", "kind": "sweep", "keys": ["steering"], "compared": "steering", "runs": 3,
         "complete": true,
         "points": [
          {"dir": "point-000", "values": {"steering": "vanilla"}, "runs": 3, "complete": true,
           "metrics": {"busiest_core.busy_pct": {"mean": 68.26866, "ci95_low": 26.23751, "ci95_high": 100, "stddev": 17, "n": 3},
                       "total.throughput_gbps": {"mean": 1.759012, "ci95_low": 1.395424, "ci95_high": 2.122576, "stddev": 0.15, "n": 3}}},
          {"dir": "point-001", "values": {"steering": "rps"}, "runs": 3, "complete": true,
           "metrics": {"busiest_core.busy_pct": {"mean": 123.456, "ci95_low": 120.04, "ci95_high": 126.96, "stddev": 1, "n": 3},
                       "total.throughput_gbps": {"mean": 1.688312, "ci95_low": 1.628844, "ci95_high": 1.74778, "stddev": 0.02, "n": 3}},
           "baseline": "point-000",
           "ratios": {"busiest_core.busy_pct": {"ratio": 1, "ci95_low": 1, "ci95_high": 1, "n": 3},
                      "total.throughput_gbps": {"ratio": 0.963312, "ci95_low": 0.805555, "ci95_high": 1.121069, "n": 3}}}],
         "metric_info": {"busiest_core.busy_pct": {"unit": "%", "better": "lower", "headline": true},
                         "total.throughput_gbps": {"unit": "Gbps", "better": "higher", "headline": true}}}
        """);
    Reports.writeSweep(dir);
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("68.27 [26.24,&nbsp;100]"), "a busy share as the terminal prints it");
    assertTrue(html.contains("1.759 [1.395,&nbsp;2.123]") && html.contains("1.688 [1.629,&nbsp;1.748]"), "4 significant digits");
    assertTrue(html.contains("123.5 [120.0,&nbsp;127.0]"), "one decimal from 100");
    assertTrue(html.contains("0.963 [0.806,&nbsp;1.121]") && html.contains("1.000 [1.000,&nbsp;1.000]"), "ratios to 3 decimals");
    assertFalse(html.contains("68.2687") || html.contains("0.9633"), "no 4-decimal figures");
  }
}
