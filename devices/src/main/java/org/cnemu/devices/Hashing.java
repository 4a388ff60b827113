package org.cnemu.devices;

/** Deterministic stand-ins for the NIC's Toeplitz RSS hash and the kernel's jhash (never identity hashes). */
public final class Hashing {
  private Hashing() {}

  public static int mix32(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return (int) x;
  }

  /**
   * The NIC's RSS hash of an outer 5-tuple-like key under the NIC's Toeplitz {@code key} (random per
   * driver load in Linux, so per host and run here).
   */
  public static int rss(long key, int srcHost, int dstHost, long ports) {
    return mix32(key ^ (((long) srcHost << 40) ^ ((long) dstHost << 20) ^ (ports * 0x9E3779B97F4A7C15L)));
  }

  /** Hash of an outer 5-tuple-like key: (src host, dst host, ports or -1 when the NIC does not hash ports). */
  public static int rss(int srcHost, int dstHost, long ports) {
    return mix32(((long) srcHost << 40) ^ ((long) dstHost << 20) ^ (ports * 0x9E3779B97F4A7C15L));
  }
}
