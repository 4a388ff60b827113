package org.cnemu.nodes.kernel;

import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * Samples of one latency quantity in ns (a flow's one-way delivery latency, a journey's end-to-end
 * latency, a stage's queueing or service time) for their count and percentiles. The percentiles are
 * exactly those of an HdrHistogram of 3 significant digits (the highest value equivalent to the sample
 * at the percentile's rank), but the samples stay raw in an array until {@link #keep} have gathered,
 * and then go into the histogram in one batch. Why: a short flow or a sampled journey has a few dozen
 * values, and a histogram per quantity (~70-80 kB of counts once resized to microseconds) made journeys
 * 14 % of star-64's run time and 10,000 short flows hold ~1.4 GB; and a record per delivered packet into
 * a histogram touches its object and counts, which are cold with many hosts, where an append touches
 * one array line. Histograms count, so neither the order nor the batching of records changes a result.
 */
final class LatencySamples {
  /**
   * Raw values kept before they move into the histogram (8 kB: a tenth of a resized histogram). Not final
   * only so that tests can force the spill early; results do not depend on it.
   */
  static int keep = 1024;
  /** Answers only "which values are equivalent", which depends on the precision alone; never recorded into. */
  private static final Histogram SHAPE = new Histogram(3);

  private long[] values = new long[8];
  private int n;
  /** The values spilled so far; null until the first spill. */
  private Histogram histogram;

  /** Records {@code v} ns ({@code v >= 0}). */
  void record(long v) {
    if (n == values.length) grow();
    values[n++] = v;
  }

  private void grow() {
    if (n < keep) {
      values = Arrays.copyOf(values, Math.max(1, Math.min(keep, 2 * n)));
    } else {
      spill();
    }
  }

  /**
   * Moves the raw values into the histogram (created on the first spill), the largest first: the
   * histogram grows its counts to fit a value beyond its range, exactly, copying them each time, so
   * latencies that rise over a run (a queue filling) made one copy per new power of two (~1.3 MB of
   * copies for one that ends at 40 ms); with the largest first, a batch makes at most one.
   */
  private void spill() {
    if (histogram == null) histogram = new Histogram(3);
    int max = 0;
    for (int i = 1; i < n; i++) if (values[i] > values[max]) max = i;
    if (n > 0) histogram.recordValue(values[max]);
    for (int i = 0; i < n; i++) if (i != max) histogram.recordValue(values[i]);
    n = 0;
  }

  /** Values recorded. */
  long count() {
    return n + (histogram == null ? 0 : histogram.getTotalCount());
  }

  /** As {@link Histogram#getValueAtPercentile} of every value recorded: 0 when none came. */
  long percentile(double p) {
    if (histogram != null) {
      spill();
      return histogram.getValueAtPercentile(p);
    }
    if (n == 0) return 0;
    Arrays.sort(values, 0, n); // in place: the order of the raw values means nothing
    // HdrHistogram's rank: the count at the percentile rounded up (a ulp below it first), at least 1
    double q = Math.min(Math.max(Math.nextAfter(p, Double.NEGATIVE_INFINITY), 0.0), 100.0);
    long rank = Math.max(1, (long) Math.ceil(q * n / 100.0));
    long v = values[(int) Math.min(rank, n) - 1];
    return p == 0.0 ? SHAPE.lowestEquivalentValue(v) : SHAPE.highestEquivalentValue(v);
  }
}
