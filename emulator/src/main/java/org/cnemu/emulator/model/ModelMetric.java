package org.cnemu.emulator.model;

/**
 * One comparable figure of a finished run, named and computed by the model that produced the run
 * (the runner, summaries, comparisons and the suite know no model's words).
 *
 * @param name stable name, e.g. {@code total.throughput_gbps}; summaries and comparisons match on it
 * @param unit unit as shown to people ({@code Gbps}, {@code us}, {@code %}, {@code packets}, or empty)
 * @param better which way is an improvement, for ratio tables and policy checks
 * @param headline shown in the terminal summary of a sweep or comparison (the rest only in files)
 * @param lowest the least value the metric can take (0 for a count, a rate, a time; -infinity when unbounded):
 *     summaries clip a confidence interval to [lowest, highest], as Student's t ignores a bound near the mean
 * @param highest the largest value it can take (100 for a busy %; +infinity when unbounded)
 * @param quantile for a percentile, its level (0.99 for p99); NaN for any other metric
 * @param samples for a percentile, the samples it was taken from; -1 when unknown or not a percentile
 */
public record ModelMetric(String name, double value, String unit, Better better, boolean headline, double lowest,
    double highest, double quantile, long samples) {
  /** Which direction of change is an improvement. */
  public enum Better {
    HIGHER, LOWER, NEITHER
  }

  public static ModelMetric of(String name, double value, String unit, Better better) {
    return new ModelMetric(name, value, unit, better, false, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
        Double.NaN, -1);
  }

  public static ModelMetric headline(String name, double value, String unit, Better better) {
    return new ModelMetric(name, value, unit, better, true, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
        Double.NaN, -1);
  }

  /** This metric with its range: the values it can take, e.g. [0, 100] for a busy share in %. */
  public ModelMetric within(double lowest, double highest) {
    return new ModelMetric(name, value, unit, better, headline, lowest, highest, quantile, samples);
  }

  /** This metric as the {@code quantile} percentile (0.99 for p99) of {@code samples} samples (-1: unknown). */
  public ModelMetric percentile(double quantile, long samples) {
    return new ModelMetric(name, value, unit, better, headline, lowest, highest, quantile, samples);
  }

  public boolean isPercentile() {
    return !Double.isNaN(quantile);
  }

  /**
   * The fewest samples that resolve a percentile at {@code quantile}: 1/(1-q) (p50: 2, p99: 100, p99.9: 1,000).
   * The q percentile of n samples is the one of rank ceil(q n) (HdrHistogram's and the nearest-rank definition),
   * and ceil(q n) = n exactly when n (1 - q) < 1: with fewer samples it is the largest sample whatever q is, so
   * p99.9 of 274 transactions is their maximum, the same figure as p99.7 or p100.
   */
  public static long samplesToResolve(double quantile) {
    // 1/(1 - 0.99) is 100.00000000000009 in floating point: the bound is a whole number
    return (long) Math.ceil(1 / (1 - quantile) - 1e-9);
  }

  /** Whether the value is the percentile it names: not a percentile, an unknown count, or enough samples. */
  public boolean resolved() {
    return !isPercentile() || samples < 0 || samples >= samplesToResolve(quantile);
  }
}
