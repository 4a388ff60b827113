package org.cnemu.policies;

import com.typesafe.config.Config;
import java.util.List;

/** Small helpers shared by the policies: core lists from settings and a 32-bit hash. */
final class Cpus {
  private Cpus() {}

  /** The cores listed at {@code path} (those below {@code cpus}); an empty or missing list = all cores. */
  static int[] of(Config settings, String path, int cpus) {
    List<Integer> l = settings.hasPath(path) ? settings.getIntList(path) : List.of();
    if (l.isEmpty()) {
      int[] all = new int[cpus];
      for (int i = 0; i < cpus; i++) all[i] = i;
      return all;
    }
    int[] m = l.stream().mapToInt(Integer::intValue).filter(c -> c >= 0 && c < cpus).toArray();
    if (m.length == 0) throw new IllegalArgumentException(path + " has no core below " + cpus);
    return m;
  }

  /** Linux hash_32-like mixing of a 32-bit value (golden-ratio multiply plus a murmur3 finalizer). */
  static int hash32(int v) {
    int h = v * 0x9E3779B1;
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    h ^= h >>> 16;
    return h;
  }

  /** {@code hash} scaled onto [0, n) (reciprocal_scale). */
  static int pick(int hash, int n) {
    return (int) (((hash & 0xffffffffL) * n) >>> 32);
  }
}
