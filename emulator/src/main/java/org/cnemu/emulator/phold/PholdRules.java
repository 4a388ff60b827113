package org.cnemu.emulator.phold;

import java.util.SplittableRandom;
import org.cnemu.emulator.StableIds;

/**
 * The PHOLD rules, shared by the actor model and the sequential reference so both apply the very
 * same arithmetic: on each event an LP folds (time, token) into its state hash and sends one new
 * event after {@code min-delay + exponential(mean)} to itself or, with probability {@code remote},
 * to a uniformly chosen other LP.
 */
public final class PholdRules {
  private PholdRules() {}

  public static long delayNanos(SplittableRandom r, PholdParams p) {
    double u = r.nextDouble();
    return p.actualMinDelayNanos() + (long) (-Math.log1p(-u) * p.meanDelayNanos());
  }

  public static int target(SplittableRandom r, PholdParams p, int self) {
    if (p.lps() == 1 || r.nextDouble() >= p.remote()) return self;
    int t = r.nextInt(p.lps() - 1);
    return t >= self ? t + 1 : t;
  }

  public static long fold(long hash, long timeNanos, long token) {
    return StableIds.combine(hash, StableIds.combine(timeNanos, token));
  }

  public static long nextToken(long token, int lp) {
    return StableIds.mix(token + lp + 1);
  }

  public static long initialToken(int lp, int k) {
    return StableIds.combine(lp, k);
  }

  /** Order-sensitive digest of all LPs' (hash, events), in LP order. */
  public static long digest(long[] hashes, long[] events) {
    long d = 0;
    for (int i = 0; i < hashes.length; i++) d = StableIds.combine(d, StableIds.combine(hashes[i], events[i]));
    return d;
  }
}
