package org.cnemu.experiments.report;

import static org.cnemu.experiments.report.RunReportTest.assertReadablePng;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;

/** A/B journeys: per flow, each arm's bar is its stages' shares of its own latency, labelled with that latency. */
class JourneyReportTest {
  @TempDir Path tmp;

  /** One flow whose sampled packets spent {@code napiNs} in NAPI and {@code readNs} in the app read, per packet. */
  private static String journeys(long napiNs, long readNs) {
    long n = 10;
    long e2e = napiNs + readNs;
    return """
        {"config": {"model": "kernel"}, "journeys": {"sample_every": 10, "first": 0, "stage_overlaps": 0, "flows": [
          {"flow": "f1", "packets": %d, "e2e_p50_ns": %d, "e2e_p99_ns": %d, "e2e_mean_ns": %d, "e2e_sum_ns": %d, "stages": [
            {"stage": "napi_poll", "packets": %d, "wait_sum_ns": %d, "service_sum_ns": 0, "share": 0},
            {"stage": "app_read", "packets": %d, "wait_sum_ns": 0, "service_sum_ns": %d, "share": 0}]}]}}
        """.formatted(n, e2e, e2e, e2e, n * e2e, n, n * napiNs, n, n * readNs);
  }

  @Test
  void anArmWithAHundredthOfTheLatencyStillGetsAFullBar() throws IOException {
    Path dir = tmp.resolve("ab");
    Files.createDirectories(dir.resolve("point-000"));
    Files.createDirectories(dir.resolve("point-001"));
    Files.writeString(dir.resolve("point-000/results.json"), journeys(3_400_000, 100_000)); // vanilla: 3.5 ms
    Files.writeString(dir.resolve("point-001/results.json"), journeys(5_000, 30_000)); // 35 us
    Files.writeString(dir.resolve("summary.json"), """
        {"experiment": "ab", "keys": ["steering"], "runs": 1, "complete": true, "points": [
          {"dir": "point-000", "values": {"steering": "vanilla"}, "complete": true, "metrics": {}},
          {"dir": "point-001", "values": {"steering": "prism-batch"}, "complete": true, "metrics": {}}]}
        """);
    List<Path> written = Reports.writeSweep(dir);
    assertReadablePng(dir.resolve("journeys-f1.png"));
    assertTrue(written.contains(dir.resolve("journeys-f1.png")), written.toString());
    for (Path f : written) {
      assertTrue(Reports.OUTPUT_FILE.matcher(f.getFileName().toString()).matches(), f + ": a rerun would leave it stale");
    }

    assertTrue(Files.readString(dir.resolve("report.html")).contains("Share of latency per stage, flow f1"));

    List<JourneyReport.Flow> row = new ArrayList<>();
    for (String p : List.of("point-000", "point-001")) {
      JsonNode doc = Json.read(dir.resolve(p).resolve("results.json"));
      row.add(JourneyReport.flows(List.of(doc.get("journeys"))).get("f1"));
    }
    CategoryChart c = JourneyReport.shareChart("f1", "steering", List.of("vanilla", "prism-batch"), row);
    double[] height = new double[2];
    List<?> bars = null;
    for (CategorySeries s : c.getSeriesCollection()) {
      bars = new ArrayList<>(s.getXData());
      int i = 0;
      for (Number y : s.getYData()) height[i++] += y.doubleValue();
    }
    assertEquals(List.of("vanilla: 3.5 ms", "prism-batch: 35 us"), bars, "each bar says its own latency");
    assertEquals(100.0, height[0], 1e-9, "the slow arm: 100 %");
    assertEquals(100.0, height[1], 1e-9, "the fast arm: 100 % too, not a sliver");
    double napiFast = c.getSeries(JourneyReport.words("napi_poll")).getYData()[1];
    assertEquals(5_000 * 100.0 / 35_000, napiFast, 1e-9, "a stage's share of its own arm's latency");
  }

  /**
   * Beside the shares, the same stages in time: FreeFlow's 22x lower latency drew as two equal 100 % bars only. The
   * absolute bars are each arm's mean end to end, in the unit of the tallest (3.5 ms: ms), so their heights compare.
   */
  @Test
  void absoluteBarsShowTheArmsLatencyBesideTheShares() throws IOException {
    Path dir = tmp.resolve("abs");
    Files.createDirectories(dir.resolve("point-000"));
    Files.createDirectories(dir.resolve("point-001"));
    Files.writeString(dir.resolve("point-000/results.json"), journeys(3_400_000, 100_000)); // 3.5 ms
    Files.writeString(dir.resolve("point-001/results.json"), journeys(5_000, 30_000)); // 35 us
    Files.writeString(dir.resolve("summary.json"), """
        {"experiment": "ab", "keys": ["steering"], "runs": 1, "complete": true, "points": [
          {"dir": "point-000", "values": {"steering": "vanilla"}, "complete": true, "metrics": {}},
          {"dir": "point-001", "values": {"steering": "freeflow"}, "complete": true, "metrics": {}}]}
        """);
    List<Path> written = Reports.writeSweep(dir);
    assertReadablePng(dir.resolve("journeys-f1-absolute.png"));
    assertTrue(written.contains(dir.resolve("journeys-f1-absolute.svg")), written.toString());
    assertTrue(Reports.OUTPUT_FILE.matcher("journeys-f1-absolute.svg").matches(), "a rerun replaces it");
    assertTrue(Files.readString(dir.resolve("report.html")).contains("Latency per stage, flow f1"));

    List<JourneyReport.Flow> row = new ArrayList<>();
    for (String p : List.of("point-000", "point-001")) {
      row.add(JourneyReport.flows(List.of(Json.read(dir.resolve(p).resolve("results.json")).get("journeys"))).get("f1"));
    }
    CategoryChart c = JourneyReport.absoluteChart("f1", "steering", List.of("vanilla", "freeflow"), row);
    double[] height = new double[2];
    for (CategorySeries s : c.getSeriesCollection()) {
      int i = 0;
      for (Number y : s.getYData()) height[i++] += y.doubleValue();
    }
    assertEquals(3.5, height[0], 1e-9, "vanilla's bar: its mean end to end, in ms");
    assertEquals(0.035, height[1], 1e-9, "freeflow's: 100x lower, not an equal bar");
    assertEquals(0.005, c.getSeries(JourneyReport.words("napi_poll")).getYData()[1], 1e-12);
    assertTrue(c.getYAxisTitle().endsWith("(ms)"), c.getYAxisTitle());
  }

  /**
   * Six points of a sweep x compare ("64B, vanilla: 20.56 us") overlapped unrotated under 900 px, while two
   * short labels keep the horizontal layout.
   */
  @Test
  void labelsThatDoNotFitUnderTheirBarsAreRotated() throws IOException {
    Path dir = tmp.resolve("sweep");
    List<String> labels = List.of("64B, vanilla", "64B, rps", "1KB, vanilla", "1KB, rps", "8KB, vanilla", "8KB, rps");
    List<JourneyReport.Flow> row = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      Path p = dir.resolve("point-00" + i);
      Files.createDirectories(p);
      Files.writeString(p.resolve("results.json"), journeys(5_000 + 1_000L * i, 15_555));
      row.add(JourneyReport.flows(List.of(Json.read(p.resolve("results.json")).get("journeys"))).get("f1"));
    }
    CategoryChart six = JourneyReport.shareChart("f1", "message-size, steering", labels, row);
    assertEquals(45, six.getStyler().getXAxisLabelRotation(), "six labels of ~22 characters: rotated");
    CategoryChart two = JourneyReport.shareChart("f1", "steering", labels.subList(0, 2), row.subList(0, 2));
    assertEquals(0, two.getStyler().getXAxisLabelRotation(), "two labels fit");
  }

  /** Every stage has words in the chart's legend, not its results.json name beside the others' words. */
  @Test
  void everyStageHasALegendLabel() {
    for (String stage : JourneyReport.WORDS.keySet()) {
      org.junit.jupiter.api.Assertions.assertNotEquals(stage, JourneyReport.words(stage), "the legend says " + stage);
    }
  }

  /** A bar's latency label has 4 significant digits: "310.466 us" was six digits of a mean over a few dozen packets. */
  @Test
  void latencyLabelsHaveFourSignificantDigits() {
    assertEquals("310.5 us", Reports.nanos(310_466));
    assertEquals("10.28 us", Reports.nanos(10_284));
    assertEquals("455 ns", Reports.nanos(455));
    assertEquals("3.5 ms", Reports.nanos(3_500_000));
    assertEquals("5 ms", Reports.nanos(5_000_000));
  }
}
