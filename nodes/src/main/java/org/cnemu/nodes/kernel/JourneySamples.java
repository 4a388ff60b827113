package org.cnemu.nodes.kernel;

import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * One journey quantity (a flow's end-to-end latency, or a stage's queueing or service) over the sampled
 * packets, in ns, for its p50 and p99. Its percentiles are those of an HdrHistogram of 3 significant digits
 * (the highest value equivalent to the sample at the percentile's rank), but while few values came it keeps
 * them in an array: a default run samples ~24 packets per flow, and a histogram per flow, stage and
 * quantity (~80 kB each once resized to microseconds) made journeys cost 14 % of star-64's run time.
 * Past {@link #KEEP} values it moves them into a histogram, so memory stays bounded when every packet is
 * sampled, and the percentiles are the same either way.
 */
final class JourneySamples {
  /** Values kept in the array before a histogram takes over (8 kB: a tenth of a resized histogram). */
  static final int KEEP = 1024;
  /** Answers only "which values are equivalent", which depends on the precision alone; never recorded into. */
  private static final Histogram SHAPE = new Histogram(3);

  private long[] values = new long[8];
  private int n;
  private Histogram histogram;

  void record(long v) {
    if (histogram != null) {
      histogram.recordValue(v);
      return;
    }
    if (n == KEEP) {
      histogram = new Histogram(3);
      for (int i = 0; i < n; i++) histogram.recordValue(values[i]);
      values = null;
      histogram.recordValue(v);
      return;
    }
    if (n == values.length) values = Arrays.copyOf(values, Math.min(KEEP, 2 * n));
    values[n++] = v;
  }

  /** As {@link Histogram#getValueAtPercentile}: 0 when no value came. */
  long percentile(double p) {
    if (histogram != null) return histogram.getValueAtPercentile(p);
    if (n == 0) return 0;
    long[] s = Arrays.copyOf(values, n);
    Arrays.sort(s);
    // HdrHistogram's rank: the count at the percentile rounded up (a ulp below it first), at least 1
    double q = Math.min(Math.max(Math.nextAfter(p, Double.NEGATIVE_INFINITY), 0.0), 100.0);
    long rank = Math.max(1, (long) Math.ceil(q * n / 100.0));
    long v = s[(int) Math.min(rank, n) - 1];
    return p == 0.0 ? SHAPE.lowestEquivalentValue(v) : SHAPE.highestEquivalentValue(v);
  }
}
