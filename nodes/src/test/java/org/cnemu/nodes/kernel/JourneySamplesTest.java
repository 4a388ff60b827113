package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** A journey quantity's percentiles are an HdrHistogram's (3 significant digits), kept in an array or not. */
class JourneySamplesTest {
  @Test
  void percentilesAreTheHistogramsWhetherTheValuesAreKeptOrNot() {
    SplittableRandom r = new SplittableRandom(7);
    int[] sizes = {0, 1, 2, 3, 7, 24, 99, 100, 101, 1000, JourneySamples.KEEP, JourneySamples.KEEP + 1, 3000};
    double[] ps = {0, 1, 50, 90, 99, 99.9, 100};
    for (int n : sizes) {
      for (long scale : new long[] {10, 5_000, 3_000_000, 40_000_000_000L}) {
        JourneySamples s = new JourneySamples();
        Histogram h = new Histogram(3);
        for (int i = 0; i < n; i++) {
          // ties and spread: a few repeated values among a wide range
          long v = r.nextInt(4) == 0 ? scale / 2 : r.nextLong(scale);
          s.record(v);
          h.recordValue(v);
        }
        for (double p : ps) assertEquals(h.getValueAtPercentile(p), s.percentile(p), "n=" + n + " scale=" + scale + " p" + p);
      }
    }
  }
}
