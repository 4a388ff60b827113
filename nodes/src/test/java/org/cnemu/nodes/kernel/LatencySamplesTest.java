package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * Latency samples' count and percentiles are an HdrHistogram's (3 significant digits), whether the values
 * are still raw, were spilled into the histogram once, or many times with raw values left over.
 */
class LatencySamplesTest {
  private static void check(int keep) {
    int before = LatencySamples.keep;
    LatencySamples.keep = keep;
    try {
      SplittableRandom r = new SplittableRandom(7);
      int[] sizes = {0, 1, 2, 3, 7, 16, 17, 24, 99, 100, 101, 1000, 1024, 1025, 2048, 3000};
      double[] ps = {0, 1, 50, 90, 99, 99.9, 100};
      for (int n : sizes) {
        for (long scale : new long[] {10, 5_000, 3_000_000, 40_000_000_000L}) {
          LatencySamples s = new LatencySamples();
          Histogram h = new Histogram(3);
          for (int i = 0; i < n; i++) {
            // ties and spread: a few repeated values among a wide range
            long v = r.nextInt(4) == 0 ? scale / 2 : r.nextLong(scale);
            s.record(v);
            h.recordValue(v);
          }
          String at = "keep=" + keep + " n=" + n + " scale=" + scale;
          assertEquals(h.getTotalCount(), s.count(), at);
          for (double p : ps) assertEquals(h.getValueAtPercentile(p), s.percentile(p), at + " p" + p);
          // reading percentiles does not lose or reorder anything that matters: more values, same answers
          s.record(scale / 3);
          h.recordValue(scale / 3);
          assertEquals(h.getTotalCount(), s.count(), at + " +1");
          for (double p : ps) assertEquals(h.getValueAtPercentile(p), s.percentile(p), at + " +1 p" + p);
        }
      }
    } finally {
      LatencySamples.keep = before;
    }
  }

  @Test
  void percentilesAreTheHistogramsWhenTheValuesStayRawUpToTheDefault() {
    check(1024);
  }

  @Test
  void percentilesAreTheHistogramsWhenTheValuesSpillEvery16() {
    check(16);
  }

  @Test
  void aSpillGrowsTheHistogramOnceForItsLargestValue() {
    // rising latencies (a queue filling), 1 us to 40 ms: recorded in arrival order, the histogram would
    // copy its counts at every new power of two (~1.3 MB here); the largest first, it sizes them once
    // (~140 kB of counts)
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long[] bytes = new long[3];
    for (int round = 0; round < bytes.length; round++) {
      LatencySamples s = new LatencySamples();
      for (int i = 0; i < LatencySamples.keep; i++) s.record(1_000 + (long) i * i * 38);
      long before = threads.getThreadAllocatedBytes(id);
      s.record(40_000_000); // the 1,025th value: the first spill
      bytes[round] = threads.getThreadAllocatedBytes(id) - before;
    }
    long least = Math.min(bytes[0], Math.min(bytes[1], bytes[2]));
    assertTrue(least < 300_000, "bytes allocated by a spill: " + least);
  }
}
