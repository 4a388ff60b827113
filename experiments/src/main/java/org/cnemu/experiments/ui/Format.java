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

  /**
   * Natural order of ids such as host names: runs of digits compare by value, the rest as text, so h2 sorts
   * before h10 and h10 before h100 (plain text order would give h1, h10, h100, h2); ids equal in that order
   * (h01, h1) fall back to text order, so the order is total.
   */
  public static final java.util.Comparator<String> NATURAL = (a, b) -> {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char x = a.charAt(i);
      char y = b.charAt(j);
      if (Character.isDigit(x) && Character.isDigit(y)) {
        int ei = i;
        while (ei < a.length() && Character.isDigit(a.charAt(ei))) ei++;
        int ej = j;
        while (ej < b.length() && Character.isDigit(b.charAt(ej))) ej++;
        // by value without parsing (any length): leading zeros off, then the longer number is the larger
        String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
        int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
        if (c != 0) return c;
        i = ei;
        j = ej;
      } else {
        if (x != y) return Character.compare(x, y);
        i++;
        j++;
      }
    }
    int c = Integer.compare(a.length() - i, b.length() - j);
    return c != 0 ? c : a.compareTo(b);
  };
}
