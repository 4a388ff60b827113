package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Student's t for every degree of freedom, and the intervals built on it. */
class StatsTest {
  @Test
  void t95MatchesReferenceValuesForDf1To200() throws IOException {
    // scipy.stats.t.ppf(0.975, df) to 12 decimals (src/test/resources/student-t95.csv)
    String csv;
    try (InputStream in = StatsTest.class.getResourceAsStream("/student-t95.csv")) {
      csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    int n = 0;
    for (String line : csv.lines().filter(l -> !l.startsWith("#")).toList()) {
      String[] f = line.split(",");
      int df = Integer.parseInt(f[0]);
      assertEquals(Double.parseDouble(f[1]), Stats.t95(df), 1e-9, "df " + df);
      n++;
    }
    assertEquals(200, n);
    // beyond the reference: still Student's t, approaching the normal 1.959964 from above
    assertEquals(1.9623390808264083, Stats.t95(1000), 1e-9);
  }

  @Test
  void intervalUsesTheExactQuantile() {
    // two values 1 and 3: mean 2, sd sqrt(2), half width t(1) * sqrt(2) / sqrt(2) = 12.7062...
    Map<String, Object> s = Stats.summarize(List.of(1.0, 3.0));
    assertEquals(2.0, (double) s.get("mean"), 0);
    assertEquals(2.0 - 12.706204736175, (double) s.get("ci95_low"), 1e-9);
    // 40 values: a table that stops at df 30 would use 1.96 instead of t(39) = 2.0227
    List<Double> xs = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) xs.add((double) (i % 2));
    Map<String, Object> t = Stats.summarize(xs);
    double sd = (double) t.get("stddev");
    assertEquals(0.5 - 2.022690920036761 * sd / Math.sqrt(40), (double) t.get("ci95_low"), 1e-9);
  }

  @Test
  void pairedRatioIsTheMeanOfPerSeedRatios() {
    Map<String, Object> r = Stats.pairedRatio(List.of(10.0, 20.0), List.of(15.0, 20.0));
    assertEquals(1.25, (double) r.get("ratio"), 1e-12);
    assertEquals(1.25 - 12.706204736175 * Math.sqrt(0.125) / Math.sqrt(2), (double) r.get("ci95_low"), 1e-9);
    assertEquals(2, r.get("n"));
    assertNull(Stats.pairedRatio(List.of(0.0), List.of(1.0)), "undefined against a zero baseline");
    assertEquals(1.0, (double) Stats.pairedRatio(List.of(0.0), List.of(0.0)).get("ratio"));
  }
}
