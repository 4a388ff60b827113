package org.cnemu.emulator;

import java.nio.charset.StandardCharsets;

/** Stable 64-bit keys and seeds derived from names, never from creation order or identity hashes. */
public final class StableIds {
  private StableIds() {}

  /** FNV-1a over the UTF-8 bytes, then a SplitMix64 finalizer to spread short names. */
  public static long key(String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** SplitMix64 finalizer: a bijection on longs with good avalanche. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Combines keys in order; combine(a, b) != combine(b, a). */
  public static long combine(long a, long b) {
    return mix(a * 0x9e3779b97f4a7c15L + b);
  }
}
