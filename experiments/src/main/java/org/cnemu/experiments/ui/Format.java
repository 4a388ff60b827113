package org.cnemu.experiments.ui;

import java.util.Locale;

/** Human-readable numbers for the terminal (results.json keeps exact values). */
public final class Format {
  private Format() {}

  public static String nanos(long ns) {
    if (ns >= 1_000_000_000L) return String.format(Locale.ROOT, "%.3gs", ns / 1e9);
    if (ns >= 1_000_000L) return String.format(Locale.ROOT, "%.3gms", ns / 1e6);
    if (ns >= 1_000L) return String.format(Locale.ROOT, "%.3gus", ns / 1e3);
    return ns + "ns";
  }

  /** A duration exactly, in the largest unit that divides it (2ms, 1500us, 7ns): as a file would write it. */
  public static String duration(long ns) {
    if (ns != 0 && ns % 1_000_000_000L == 0) return ns / 1_000_000_000L + "s";
    if (ns != 0 && ns % 1_000_000L == 0) return ns / 1_000_000L + "ms";
    if (ns != 0 && ns % 1_000L == 0) return ns / 1_000L + "us";
    return ns + "ns";
  }

  public static String seconds(double s) {
    if (s < 60) return String.format(Locale.ROOT, "%.1fs", s);
    long m = (long) (s / 60);
    return String.format(Locale.ROOT, "%dm%02ds", m, (long) s % 60);
  }

  public static String count(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  public static String cell(Object v) {
    if (v == null) return "-";
    if (v instanceof Double d) return String.format(Locale.ROOT, "%.3f", d);
    if (v instanceof Float f) return String.format(Locale.ROOT, "%.3f", f);
    if (v instanceof Long || v instanceof Integer) return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
    return String.valueOf(v);
  }
}
