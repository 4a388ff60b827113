package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Traffic patterns: one workload line that expands into many flows over the hosts, instead of one
 * line per flow. The hosts taking part are the first {@code pattern-hosts} in natural order (h2
 * before h10; 0 = all); random assignments draw from the workload's own stream of the run (seed + run
 * index), so repetitions get different assignments and the arms of one point the same one.
 * <ul>
 *   <li>{@code ring}: host i sends to host i+1, the last to the first (n flows);
 *   <li>{@code permutation}: a random derangement: every host sends to one other and receives from one (n);
 *   <li>{@code all-to-all}: every ordered pair (n x (n - 1): quadratic, bounded by experiment.limits.flows);
 *   <li>{@code incast}: {@code pattern-count} distinct random hosts (0 = all others) into the workload's dst;
 *   <li>{@code random-pairs}: {@code pattern-count} flows, each between two distinct random hosts.
 * </ul>
 */
final class Patterns {
  private Patterns() {}

  static final List<String> NAMES = List.of("", "ring", "permutation", "all-to-all", "incast", "random-pairs");

  /** One flow's endpoints. */
  record Pair(String src, String dst) {}

  /**
   * Flows (before streams) that pattern {@code pattern} gives over {@code n} hosts; -1: unknown
   * pattern. Computed without expanding (validation of a 10,000-host all-to-all must not build it).
   */
  static long flows(String pattern, long n, long count) {
    return switch (pattern) {
      case "" -> 1;
      case "ring", "permutation" -> n;
      case "all-to-all" -> n > 0 && n - 1 > Long.MAX_VALUE / n ? Long.MAX_VALUE : n * (n - 1);
      case "incast" -> count == 0 ? Math.max(0, n - 1) : count;
      case "random-pairs" -> count;
      default -> -1;
    };
  }

  /** Natural order of host ids: a common prefix, then numbers by value (h2 < h10). */
  static final Comparator<String> NATURAL = (a, b) -> {
    int i = digitsFrom(a), j = digitsFrom(b);
    int c = a.substring(0, i).compareTo(b.substring(0, j));
    if (c != 0 || i == a.length() || j == b.length()) return c != 0 ? c : a.compareTo(b);
    String na = a.substring(i), nb = b.substring(j);
    if (na.length() != nb.length()) return Integer.compare(na.length(), nb.length());
    return na.compareTo(nb);
  };

  private static int digitsFrom(String s) {
    int i = s.length();
    while (i > 0 && Character.isDigit(s.charAt(i - 1))) i--;
    return i;
  }

  /** The endpoint pairs of workload {@code c} on the hosts {@code ids}. */
  static List<Pair> pairs(KernelSpec.Workload c, List<String> ids, SplittableRandom r) {
    String pattern = c.pattern();
    if (pattern.isEmpty()) return List.of(new Pair(c.src(), c.dst()));
    List<String> hosts = new ArrayList<>(ids);
    hosts.sort(NATURAL);
    int n = c.patternHosts();
    if (n > 0 && n < hosts.size()) hosts = new ArrayList<>(hosts.subList(0, n));
    n = hosts.size();
    String ct = c.patternContainer();
    String[] ep = new String[n];
    for (int i = 0; i < n; i++) ep[i] = ct.isEmpty() ? hosts.get(i) : hosts.get(i) + "/" + ct;
    int count = c.patternCount();
    List<Pair> out = new ArrayList<>();
    switch (pattern) {
      case "ring" -> {
        for (int i = 0; i < n; i++) out.add(new Pair(ep[i], ep[(i + 1) % n]));
      }
      case "permutation" -> {
        int[] to = derangement(n, r);
        for (int i = 0; i < n; i++) out.add(new Pair(ep[i], ep[to[i]]));
      }
      case "all-to-all" -> {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) if (i != j) out.add(new Pair(ep[i], ep[j]));
        }
      }
      case "incast" -> {
        String dst = c.dst();
        String dstHost = Spec.hostPart(dst);
        int[] others = new int[n];
        int m = 0;
        for (int i = 0; i < n; i++) if (!hosts.get(i).equals(dstHost)) others[m++] = i;
        int k = count == 0 ? m : Math.min(count, m);
        for (int i = 0; i < k; i++) { // partial Fisher-Yates: k distinct senders
          int j = i + r.nextInt(m - i);
          int t = others[i];
          others[i] = others[j];
          others[j] = t;
          out.add(new Pair(ep[others[i]], dst));
        }
      }
      case "random-pairs" -> {
        for (int i = 0; i < count; i++) {
          int s = r.nextInt(n);
          int d = r.nextInt(n - 1);
          if (d >= s) d++;
          out.add(new Pair(ep[s], ep[d]));
        }
      }
      default -> throw new IllegalArgumentException("unknown pattern '" + pattern + "'");
    }
    return out;
  }

  /** A uniformly random permutation of 0..n-1 without fixed points (rejection: about e shuffles). */
  static int[] derangement(int n, SplittableRandom r) {
    int[] p = new int[n];
    while (true) {
      for (int i = 0; i < n; i++) p[i] = i;
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      boolean fixed = false;
      for (int i = 0; i < n && !fixed; i++) fixed = p[i] == i;
      if (!fixed) return p;
    }
  }
}
