package org.cnemu.experiments.ui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.cnemu.emulator.model.ModelMetric;
import org.junit.jupiter.api.Test;

/** The single run's metric table prints values as the table of several runs does. */
class SummaryTableTest {
  @Test
  void countsAreWholeAndFractionsKeepFourSignificantDigits() {
    StringWriter sw = new StringWriter();
    PrintWriter out = new PrintWriter(sw);
    SummaryTable.metrics(out, List.of(
        ModelMetric.of("total.retransmits", 54, "segments", ModelMetric.Better.LOWER),
        ModelMetric.of("total.transactions_per_sec", 61625, "1/s", ModelMetric.Better.HIGHER),
        ModelMetric.of("receivers.busy_cores_per_gbps", 0.064831, "cores/Gbps", ModelMetric.Better.LOWER)));
    out.flush();
    String t = sw.toString();
    // it printed "54.000 segments", "61625.000 1/s" and "0.065 cores/Gbps"
    assertFalse(t.contains(".000"), t);
    assertTrue(t.contains(" 54  segments") || t.matches("(?s).*\\b54 +segments.*"), t);
    assertTrue(t.matches("(?s).*\\b61625 +1/s.*"), t);
    assertTrue(t.matches("(?s).*\\b0\\.06483 +cores/Gbps.*"), t);
  }

  /** p999 of 274 samples is their largest: "-" with the note, not a figure equal to p99's; each with its samples. */
  @Test
  void aPercentileItsSamplesCannotResolveIsADashWithItsSamples() {
    StringWriter sw = new StringWriter();
    PrintWriter out = new PrintWriter(sw);
    SummaryTable.metrics(out, List.of(
        ModelMetric.of("total.transactions_per_sec", 61625, "1/s", ModelMetric.Better.HIGHER),
        ModelMetric.headline("worst_flow.latency_p99_us", 31.5, "us", ModelMetric.Better.LOWER).percentile(0.99, 274),
        ModelMetric.headline("worst_flow.latency_p999_us", 31.5, "us", ModelMetric.Better.LOWER).percentile(0.999, 274)));
    out.flush();
    String t = sw.toString();
    assertTrue(t.matches("(?s).*worst_flow\\.latency_p99_us +31\\.50 +us +274\\n.*"), t);
    assertTrue(t.matches("(?s).*worst_flow\\.latency_p999_us +- +us +274\\n.*"), t);
    assertTrue(t.contains(SummaryTable.UNRESOLVED_NOTE), t);
  }

  /**
   * A flow's one-way p99.9 of 300 reads (the receiver's owd_count) is "-" with its samples, through the kernel
   * model's metrics as a run's table reads them; its p99 resolves.
   */
  @Test
  void aOneWayP999OfAFewHundredSamplesIsADash() {
    java.util.Map<String, Object> steering = java.util.Map.of("owd_p50_ns.ping", 20000, "owd_p99_ns.ping", 31000,
        "owd_p999_ns.ping", 31500, "owd_count.ping", 300);
    java.util.Map<String, Object> results = java.util.Map.of(
        "flows", List.of(java.util.Map.of("id", "ping", "src", "h1", "dst", "h2")),
        "hosts", List.of(java.util.Map.of("id", "h2", "steering", steering)));
    List<ModelMetric> metrics = new org.cnemu.nodes.kernel.KernelModelProvider().metrics(results);
    StringWriter sw = new StringWriter();
    PrintWriter out = new PrintWriter(sw);
    SummaryTable.metrics(out, metrics);
    out.flush();
    String t = sw.toString();
    assertTrue(t.matches("(?s).*flow\\[ping\\]\\.one_way_p99_us +31 +us +300\\n.*"), t);
    assertTrue(t.matches("(?s).*flow\\[ping\\]\\.one_way_p999_us +- +us +300\\n.*"), t);
    assertTrue(t.contains(SummaryTable.UNRESOLVED_NOTE), t);
  }
}
