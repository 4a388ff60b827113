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
}
