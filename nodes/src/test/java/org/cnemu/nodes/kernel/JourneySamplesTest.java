package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * A journey quantity's samples stay raw until {@link JourneyRecorder.Samples#RAW_MAX}, then spill into
 * a histogram of their own: its p50 and p99 must be those of one histogram holding every sample,
 * whether none, one or many spills happened (fails if a spill loses or repeats samples).
 */
class JourneySamplesTest {
  private static long[] reference(long[] values, int n) {
    Histogram h = new Histogram(3);
    for (int i = 0; i < n; i++) h.recordValue(Math.max(0, values[i]));
    return new long[] {h.getValueAtPercentile(50), h.getValueAtPercentile(99)};
  }

  @Test
  void percentilesEqualOneHistogramOfEverySampleAcrossSpills() {
    SplittableRandom r = new SplittableRandom(7);
    long[] values = new long[10 * JourneyRecorder.Samples.RAW_MAX + 37];
    // skewed: a few large values decide p99, so a lost or repeated spill shows
    for (int i = 0; i < values.length; i++) values[i] = i % 97 == 0 ? 1_000_000 + r.nextInt(1_000_000) : r.nextInt(20_000) - 5;
    for (int n : new int[] {1, 3, JourneyRecorder.Samples.RAW_MAX, JourneyRecorder.Samples.RAW_MAX + 1, values.length}) {
      JourneyRecorder.Samples s = new JourneyRecorder.Samples();
      for (int i = 0; i < n; i++) s.record(values[i]);
      assertArrayEquals(reference(values, n), s.p50p99(), n + " samples");
      assertArrayEquals(reference(values, n), s.p50p99(), n + " samples, read twice");
    }
  }
}
