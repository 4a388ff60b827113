package org.cnemu.emulator.phold;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.cnemu.emulator.RandomStreams;
import org.cnemu.emulator.StableIds;

/**
 * The reference: PHOLD on one plain sequential event loop with a java.util.PriorityQueue, the same
 * random streams and the same (time, sender key, sender sequence) tie-break as the engine. It
 * shares no scheduling code with the engine, so agreement is evidence, not tautology.
 */
public final class SequentialPhold {
  private SequentialPhold() {}

  private record Ev(long timeNanos, long senderKey, long senderSeq, int target, long token) {}

  public static Phold.Outcome run(PholdParams p, long seed, int runIndex, long endNanos) {
    RandomStreams streams = new RandomStreams(seed, runIndex);
    int n = p.lps();
    SplittableRandom[] rng = new SplittableRandom[n];
    long[] key = new long[n];
    long[] seq = new long[n];
    long[] hash = new long[n];
    long[] events = new long[n];
    PriorityQueue<Ev> q = new PriorityQueue<>(Math.max(16, n * Math.max(1, p.population())), (a, b) -> {
      if (a.timeNanos != b.timeNanos) return Long.compare(a.timeNanos, b.timeNanos);
      if (a.senderKey != b.senderKey) return Long.compare(a.senderKey, b.senderKey);
      return Long.compare(a.senderSeq, b.senderSeq);
    });
    for (int i = 0; i < n; i++) {
      rng[i] = streams.stream(PholdParams.lpName(i), "phold");
      key[i] = StableIds.key(PholdParams.lpName(i));
    }
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < p.population(); k++) {
        q.add(new Ev(PholdRules.delayNanos(rng[i], p), key[i], seq[i]++, i, PholdRules.initialToken(i, k)));
      }
    }
    while (!q.isEmpty() && q.peek().timeNanos < endNanos) {
      Ev ev = q.poll();
      int lp = ev.target;
      events[lp]++;
      hash[lp] = PholdRules.fold(hash[lp], ev.timeNanos, ev.token);
      int t = PholdRules.target(rng[lp], p, lp);
      long at = ev.timeNanos + PholdRules.delayNanos(rng[lp], p);
      q.add(new Ev(at, key[lp], seq[lp]++, t, PholdRules.nextToken(ev.token, lp)));
    }
    long total = 0;
    for (long e : events) total += e;
    return new Phold.Outcome(total, PholdRules.digest(hash, events));
  }
}
