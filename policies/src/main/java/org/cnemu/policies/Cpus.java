package org.cnemu.policies;

/** Small functions shared by the policies: a 32-bit hash and its scaling onto a core set. */
final class Cpus {
  private Cpus() {}

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
