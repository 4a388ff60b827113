package org.cnemu.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.html and its files for a topology of many hosts, and numbers without binary noise. */
class ScaleReportTest {
  @TempDir Path tmp;

  /** A results.json of {@code hosts} hosts of 20 cores (one saturated per host) and one flow per host with a series. */
  private static String largeRun(int hosts) {
    StringBuilder cores = new StringBuilder();
    StringBuilder flows = new StringBuilder();
    for (int h = 1; h <= hosts; h++) {
      for (int c = 0; c < 20; c++) {
        boolean hot = c == 19;
        cores.append(cores.length() == 0 ? "" : ",").append("{\"host\":\"h").append(h).append("\",\"core\":").append(c)
            .append(",\"usr\":0,\"sys\":").append(hot ? 92.051 : 0).append(",\"irq\":0,\"soft\":").append(hot ? 7.949 : 0)
            .append(",\"idle\":").append(hot ? 0 : 100).append('}');
      }
      flows.append(flows.length() == 0 ? "" : ",").append("{\"id\":\"f").append(h).append("\",\"throughput_gbps\":")
          .append(4 + h % 7 * 0.1).append(",\"throughput_series\":[[1,4.5],[2,4.6],[3,4.7]]}");
    }
    return "{\"experiment\":\"star\",\"complete\":true,\"flows\":[" + flows + "],\"cores\":[" + cores + "],"
        + "\"hosts\":[],\"drops\":[]}";
  }

  @Test
  void largeTopologyGetsAggregatedCoreChartsOfReasonableSizeAndPlotsBeforeTables() throws IOException {
    Files.writeString(tmp.resolve("results.json"), largeRun(64));
    List<Path> written = Reports.writeRun(tmp);
    for (Path f : written) {
      assertTrue(Reports.OUTPUT_FILE.matcher(f.getFileName().toString()).matches(), f + ": a rerun would leave it stale");
    }
    // 1,280 cores: no bar per core, but a heatmap of the busiest hosts and CPU per host
    assertTrue(written.contains(tmp.resolve("cores-hosts.png")), written.toString());
    assertTrue(Files.size(tmp.resolve("cores.svg")) < 600_000, "cores.svg " + Files.size(tmp.resolve("cores.svg")));
    assertTrue(Files.size(tmp.resolve("cores-hosts.svg")) < 400_000, "cores-hosts.svg");
    assertTrue(Files.size(tmp.resolve("throughput.svg")) < 400_000, "throughput.svg");
    String html = Files.readString(tmp.resolve("report.html"));
    assertTrue(html.contains("the 32 busiest of 64 hosts"), "heatmap of the busiest hosts");
    assertTrue(html.contains("the 5 fastest and 5 slowest of 64 flows"), "throughput of the extreme flows");
    assertTrue(html.indexOf("<h2>Plots</h2>") < html.indexOf("<h2>Flows</h2>"), "plots before the tables");
    assertTrue(html.contains("The 64 busiest of 1280 cores"), "the busiest cores only");
    assertEquals(1281, Files.readAllLines(tmp.resolve("cores.csv")).size(), "cores.csv keeps every core");
  }

  @Test
  void smallTopologyKeepsOneBarPerCore() throws IOException {
    Files.writeString(tmp.resolve("results.json"), largeRun(3));
    List<Path> written = Reports.writeRun(tmp);
    assertFalse(written.contains(tmp.resolve("cores-hosts.png")), "60 cores: one bar each");
    assertTrue(Files.readString(tmp.resolve("report.html")).contains("CPU time per core"));
  }

  @Test
  void csvNumbersCarryNoBinaryNoise() throws IOException {
    Files.writeString(tmp.resolve("results.json"), "{\"experiment\":\"x\",\"complete\":true,\"flows\":[{\"id\":\"f1\","
        + "\"throughput_gbps\":48.830000000000005,\"packets_sent\":3}],\"cores\":[{\"host\":\"h1\",\"core\":0,"
        + "\"usr\":0.30000000000000004,\"sys\":1e-7,\"irq\":12345678.9,\"soft\":0,\"idle\":51.169999999999995}]}");
    Reports.writeRun(tmp);
    String flows = Files.readString(tmp.resolve("flows.csv"));
    assertTrue(flows.contains(",48.83,3"), flows);
    assertEquals("h1,0,0.3,0.0000001,12345678.9,0,51.17", Files.readAllLines(tmp.resolve("cores.csv")).get(1));
  }

  @Test
  void metricNamesReadAsWordsWithUnits() {
    assertEquals("p99 round-trip latency of flow rr (us)", Metrics.label("flow[rr].latency_p99_us"));
    assertEquals("throughput of flow f1 (Gbit/s)", Metrics.label("flow[f1].throughput_gbps"));
    assertEquals("CPU busy on host h2 (%)", Metrics.label("host[h2].cpu_busy_pct"));
    assertEquals("total throughput (Gbit/s)", Metrics.label("total.throughput_gbps"));
    assertEquals("packets dropped (ring full)", Metrics.label("drops[ring_full]"));
    assertEquals("phold committed", Metrics.label("phold.committed"));
    // a ratio's unit stays in its words, with no unit after them (MetricsTest tests each half)
    assertEquals("receivers busy cores per Gbit/s", Metrics.label("receivers.busy_cores_per_gbps"));
    assertEquals("total transactions (per second)", Metrics.label("total.transactions_per_sec"));
  }

  @Test
  void latencyTicksAreLabelledAtOneTwoFiveWithUnits() {
    assertEquals("50 us", Charts.microsLogTick(50.0));
    assertEquals("2 ms", Charts.microsLogTick(2000.0));
    assertEquals("1 s", Charts.microsLogTick(1e6));
    assertEquals("", Charts.microsLogTick(300.0));
    assertEquals("", Charts.microsLogTick(0.0));
  }
}
