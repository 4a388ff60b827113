package org.cnemu.experiments.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean and 95% confidence interval (Student's t, exact for every degree of freedom) over repeated runs,
 * and the paired ratio of two arms run with the same seeds.
 */
public final class Stats {
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

  /**
   * Clips the interval of {@code stats} ({@code ci95_low}, {@code ci95_high}) to [lowest, highest], the values
   * the metric can take. Student's t gives a symmetric interval, which near a bound reaches past it (a core
   * 99 % busy in most runs: [96, 105] %); the true mean lies inside the bound, so cutting off the part outside
   * loses no coverage: the clipped interval holds the mean whenever the unclipped one does.
   */
  public static void clip(Map<String, Object> stats, double lowest, double highest) {
    if (stats.get("ci95_low") instanceof Double low && low < lowest) stats.put("ci95_low", lowest);
    if (stats.get("ci95_high") instanceof Double high && high > highest) stats.put("ci95_high", highest);
  }

  /**
   * The ratio of arm B to baseline A over runs paired by seed (common random numbers): the mean of the
   * per-run ratios b_i / a_i with its 95% interval; a pair of zeros counts as 1 (no change); null when an a_i is
   * 0 and its b_i is not (undefined) or no pair exists.
   * {ratio, ci95_low, ci95_high, n}.
   */
  public static Map<String, Object> pairedRatio(List<Double> baseline, List<Double> arm) {
    int n = Math.min(baseline.size(), arm.size());
    if (n == 0) return null;
    List<Double> ratios = new java.util.ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double a = baseline.get(i);
      double b = arm.get(i);
      if (a == 0) {
        if (b != 0) return null;
        ratios.add(1.0);
      } else {
        ratios.add(b / a);
      }
    }
    Map<String, Object> s = summarize(ratios);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ratio", s.get("mean"));
    m.put("ci95_low", s.get("ci95_low"));
    m.put("ci95_high", s.get("ci95_high"));
    m.put("n", n);
    return m;
  }

  /**
   * What a reader of a 95% interval over {@code n} runs should know, or null: with 2 runs Student's t has one
   * degree of freedom, t = 12.71, and the interval is correct but ~13 standard errors wide on each side.
   */
  public static String fewRunsNote(int n) {
    if (n != 2) return null;
    return String.format(java.util.Locale.ROOT, "note: 2 runs: the 95%% intervals are wide (Student's t for 1 degree of"
        + " freedom is %.1f, for 2 it is %.2f); use runs >= 3", t95(1), t95(2));
  }

  /** The two-sided 95% quantile of Student's t: t such that P(|T| <= t) = 0.95 with {@code df} degrees of freedom. */
  public static double t95(int df) {
    return tQuantile(0.975, df);
  }

  /** The {@code p} quantile (0.5 < p < 1) of Student's t with {@code df} degrees of freedom, to ~1e-12. */
  static double tQuantile(double p, int df) {
    if (df < 1) throw new IllegalArgumentException("degrees of freedom must be >= 1, got " + df);
    double lo = 0;
    double hi = 1;
    while (tCdf(hi, df) < p) hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
      double mid = (lo + hi) / 2;
      if (tCdf(mid, df) < p) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  }

  /** P(T <= t) for t >= 0: 1 - I_x(df/2, 1/2) / 2 with x = df / (df + t^2). */
  static double tCdf(double t, int df) {
    double x = df / (df + t * t);
    return 1 - 0.5 * regularizedBeta(x, df / 2.0, 0.5);
  }

  /** The regularized incomplete beta function I_x(a, b) (continued fraction, modified Lentz). */
  static double regularizedBeta(double x, double a, double b) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
    if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
    return Math.exp(lnFront) * betaFraction(x, a, b) / a;
  }

  private static double betaFraction(double x, double a, double b) {
    final double tiny = 1e-300;
    double c = 1;
    double d = 1 - (a + b) * x / (a + 1);
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10_000; m++) {
      int m2 = 2 * m;
      double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 + num * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 + num * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      double delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    return h;
  }

  /** ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 significant digits). */
  static double logGamma(double x) {
    if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
    double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};
    x -= 1;
    double a = c[0];
    double t = x + 7.5;
    for (int i = 1; i < 9; i++) a += c[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }
}
