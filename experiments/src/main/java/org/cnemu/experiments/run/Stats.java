package org.cnemu.experiments.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Mean and 95% confidence interval (Student's t) over repeated runs. */
public final class Stats {
  // two-sided 95% t quantiles for 1..30 degrees of freedom; beyond that the normal 1.96 is close enough
  private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
      2.056, 2.052, 2.048, 2.045, 2.042};

  private Stats() {}

  /** {mean, ci95_low, ci95_high, stddev, n}; with one value the interval is that value. */
  public static Map<String, Object> summarize(List<Double> values) {
    int n = values.size();
    double mean = 0;
    for (double v : values) mean += v;
    mean /= n;
    double var = 0;
    for (double v : values) var += (v - mean) * (v - mean);
    double sd = n > 1 ? Math.sqrt(var / (n - 1)) : 0;
    double half = n > 1 ? t95(n - 1) * sd / Math.sqrt(n) : 0;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mean", mean);
    m.put("ci95_low", mean - half);
    m.put("ci95_high", mean + half);
    m.put("stddev", sd);
    m.put("n", n);
    return m;
  }

  static double t95(int degreesOfFreedom) {
    return degreesOfFreedom <= T95.length ? T95[degreesOfFreedom - 1] : 1.96;
  }
}
