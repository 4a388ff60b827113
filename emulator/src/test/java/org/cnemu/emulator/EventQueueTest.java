package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The calendar queue against a plain reference ordering (java.util.PriorityQueue on (time, key, seq)):
 * same pop order on randomized inputs, equal times, many same-time events, far-future events,
 * empty/refill, width changes and pool growth.
 */
class EventQueueTest {
  private record Ref(long time, long key, long seq, int id) {}

  private static final Comparator<Ref> ORDER =
      Comparator.comparingLong(Ref::time).thenComparingLong(Ref::key).thenComparingLong(Ref::seq);

  /** Mirrors every operation on the queue and on the reference and checks each pop. */
  private static final class Pair {
    final EventQueue q;
    final PriorityQueue<Ref> ref = new PriorityQueue<>(ORDER);
    int nextId;
    long seqs;
    long lastPopped;
    long popped;

    Pair(EventQueue q) {
      this.q = q;
    }

    void add(long time, long key) {
      if (time < 0) time = Long.MAX_VALUE; // a sum past the largest time saturates
      Ref r = new Ref(time, key, seqs++, nextId++);
      ref.add(r);
      q.add(r.time, r.key, r.seq, r.id, 0, null, r);
    }

    void pop() {
      Ref want = ref.poll();
      assertEquals(want.time, q.peekTime(), "peek time");
      long ticket = q.poll();
      int s = EventQueue.slot(ticket);
      Ref got = (Ref) q.message(s);
      assertEquals(want, got, "pop " + popped);
      assertEquals(want.id, EventQueue.target(ticket));
      q.release(s);
      lastPopped = want.time;
      popped++;
      assertEquals(ref.size(), q.size());
    }

    void drain() {
      while (!ref.isEmpty()) pop();
      assertEquals(Long.MAX_VALUE, q.peekTime());
      assertTrue(q.isEmpty());
    }
  }

  /** A delay drawn from a mix: zero, tiny, exponential, wide, and far future. */
  private static long delay(SplittableRandom r) {
    return switch (r.nextInt(10)) {
      case 0, 1 -> 0;
      case 2 -> r.nextInt(4);
      case 3, 4, 5 -> (long) (-Math.log1p(-r.nextDouble()) * 1_000);
      case 6, 7 -> r.nextLong(1_000_000);
      case 8 -> r.nextLong(1L << 40);
      default -> r.nextLong(Long.MAX_VALUE / 4);
    };
  }

  @Test
  void randomizedInterleavedAddsAndPollsMatchTheReference() {
    for (int seed = 1; seed <= 20; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      Pair p = new Pair(new EventQueue(r.nextInt(12)));
      for (int i = 0; i < 2_000; i++) p.add(delay(r), r.nextInt(8));
      for (int step = 0; step < 60_000; step++) {
        if (!p.ref.isEmpty() && r.nextInt(100) < 52) {
          p.pop();
        } else {
          // like the engine: new events at or after the last popped time, few distinct sender keys
          p.add(p.lastPopped + delay(r), r.nextInt(8));
        }
      }
      p.drain();
    }
  }

  @Test
  void epochAndHorizonEdgesMatchTheReference() {
    // times on and next to the edges of the two levels: the first and last ns of an epoch, the current
    // and next fine buckets, the last epoch inside the horizon and the first past it (the far heap)
    for (int seed = 1; seed <= 12; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      Pair p = new Pair(new EventQueue(r.nextInt(8)));
      for (int step = 0; step < 40_000; step++) {
        if (!p.ref.isEmpty() && r.nextInt(100) < 50) {
          p.pop();
          continue;
        }
        long base = p.lastPopped;
        long fineNs = 1L << p.q.shift();
        long epochNs = fineNs * 64;
        long e = base / epochNs;
        long t = switch (r.nextInt(6)) {
          case 0 -> (e + r.nextInt(3)) * epochNs;
          case 1 -> (e + 1 + r.nextInt(3)) * epochNs - 1;
          case 2 -> (e + EventQueue.EPOCHS - 1 + r.nextInt(3)) * epochNs + r.nextInt(3) - 1;
          case 3 -> base + r.nextInt(3) * fineNs + r.nextInt(2) * (fineNs - 1);
          case 4 -> base;
          default -> base + r.nextLong(2 * EventQueue.EPOCHS * epochNs);
        };
        p.add(Math.max(t, base), r.nextInt(4));
      }
      p.drain();
    }
  }

  @Test
  void eventsBeyondTheCurrentEpochShareOneListPerEpoch() {
    // 30,000 events over 4,000 buckets of 2 ns (like 4,000 hosts): a one-level calendar appends them into
    // 4,000 lists, one per bucket; here they are in one list per 64 buckets (+ the current epoch's)
    EventQueue q = new EventQueue(1);
    SplittableRandom r = new SplittableRandom(6);
    for (int i = 0; i < 30_000; i++) q.add(1_000 + r.nextInt(8_000), i, i, 0, 0, null, "m");
    assertEquals(30_000, q.size());
    assertTrue(q.listsInUse() <= 8_000 / 128 + 2, q.listsInUse() + " lists");
    long last = 0;
    for (int i = 0; i < 30_000; i++) {
      long t = q.peekTime();
      assertTrue(t >= last);
      last = t;
      q.release(EventQueue.slot(q.poll()));
    }
  }

  @Test
  void epochListArraysAreReusedAcrossTheHorizon() {
    // events always ~10 epochs ahead, run across the horizon many times: the arrays of spread epoch
    // lists serve the next ones, so the queue holds about as many as there are epochs pending at once
    EventQueue q = new EventQueue(0);
    SplittableRandom r = new SplittableRandom(12);
    for (int i = 0; i < 2_000; i++) q.add(r.nextInt(640), i, i, 0, 0, null, "m");
    for (int i = 0; i < 2_000_000; i++) {
      long now = q.peekTime();
      q.release(EventQueue.slot(q.poll()));
      q.add(now + 64 + r.nextInt(576), i, i, 0, 0, null, "m");
    }
    assertEquals(0, q.shift()); // so the run crossed the horizon (65.5 us) ~5 times
    assertTrue(q.peekTime() > 300_000, "time " + q.peekTime());
    assertTrue(q.epochArrays() <= 40, q.epochArrays() + " epoch arrays");
  }

  @Test
  void anEpochListThatNeedsANewArrayStartsAtTheLengthTheLastSpreadListNeeded() {
    // 1 ns buckets, epochs of 64 ns: 2,000 events in epoch 1 grow its list 64 -> 8,192 longs (8 arrays)
    EventQueue q = new EventQueue(0);
    for (int i = 0; i < 2_000; i++) q.add(64 + i % 64, i, i, 0, 0, null, "m");
    assertEquals(8, q.epochArraysAllocated);
    for (int i = 0; i < 2_000; i++) q.release(EventQueue.slot(q.poll()));
    // two fresh lists of 2,000: the first takes the spread list's array, the second a new one of its length;
    // doubling up from 64 again would allocate 8
    for (int i = 0; i < 4_000; i++) q.add(192 + i % 128, i, i, 0, 0, null, "m");
    assertEquals(9, q.epochArraysAllocated);
    for (int i = 0; i < 4_000; i++) q.release(EventQueue.slot(q.poll()));
    assertTrue(q.isEmpty());
  }

  @Test
  void aNarrowerWidthSizesEachEpochListForTheEventsItPutsThere() {
    // 2,000 events in one 4,096-ns epoch: spread, its list was 8,192 longs long; then the width goes from 64 ns
    // to 1 ns and ~4,000 pending events fall into ~320 epoch lists of 8-31 events. Each list gets an array of
    // its own length (~25 k longs in all); with the old width's length each it was ~2.6 M longs (21 MB)
    Pair p = new Pair(new EventQueue(6));
    for (int i = 0; i < 2_000; i++) p.add(4_096 + i * 2, i % 5);
    p.pop();
    for (int i = 0; i < 2_000; i++) p.add(10_000 + i * 8, i % 5);
    long before = p.q.epochLongsAllocated;
    p.q.rebuild(0);
    long longs = p.q.epochLongsAllocated - before;
    assertTrue(longs < 4 * 4 * 4_000, longs + " longs allocated for the epoch lists of 4,000 events");
    p.drain();
  }

  /** An entity that only holds a clock (the queue's loads read it). */
  private static final class Clocked extends Entity<Object> {
    Clocked(long clockNanos) {
      this.clockNanos = clockNanos;
    }

    @Override
    protected void onMessage(Object m) {}
  }

  @Test
  void aSendIntoTheLoadedBucketTouchesItsTargetEntity() {
    EventQueue q = new EventQueue(0);
    q.targets = new Entity<?>[] {new Clocked(7), new Clocked(1_000)};
    q.add(10, 0, 0, 0, 0, null, "m");
    assertEquals(10, q.peekTime()); // loads bucket 10 (and touches entity 0)
    long before = q.touched;
    q.add(10, 1, 1, 1, 0, null, "m"); // into the loaded bucket: its target's miss starts now
    assertEquals(before + 1_000, q.touched);
    q.add(500, 2, 2, 0, 0, null, "m"); // a later bucket: touched when it is loaded
    assertEquals(before + 1_000, q.touched);
  }

  /** An entity whose state beyond itself is one value: its prefetch reads it and counts the calls. */
  private static final class Prefetching extends Entity<Object> {
    final long beyond;
    int prefetches;

    Prefetching(long beyond) {
      this.beyond = beyond;
    }

    @Override
    protected long prefetch() {
      prefetches++;
      return beyond;
    }

    @Override
    protected void onMessage(Object m) {}
  }

  @Test
  void aBucketLoadPrefetchesWhatEachTargetsHandlerReadsBeyondIt() {
    EventQueue q = new EventQueue(0);
    Prefetching a = new Prefetching(1_000);
    Prefetching b = new Prefetching(20_000);
    q.targets = new Entity<?>[] {a, b};
    q.add(10, 0, 0, 0, 0, null, "m");
    q.add(10, 1, 1, 1, 0, null, "m");
    q.add(10, 2, 2, 1, 0, null, "m");
    q.add(500, 3, 3, 0, 0, null, "m"); // a later bucket: prefetched when it is loaded
    long before = q.touched;
    assertEquals(10, q.peekTime()); // loads bucket 10: one prefetch per event, its target's
    assertEquals(1, a.prefetches);
    assertEquals(2, b.prefetches);
    assertEquals(before + 1_000 + 2 * 20_000, q.touched); // (the entities' clocks are 0)
    for (int i = 0; i < 3; i++) q.poll();
    assertEquals(500, q.peekTime());
    assertEquals(2, a.prefetches);
  }

  @Test
  void eventsEarlierThanTheCurrentBucketStillComeOutInOrder() {
    // an event from another partition may be stamped before the bucket the queue has advanced to
    SplittableRandom r = new SplittableRandom(5);
    Pair p = new Pair(new EventQueue(3));
    for (int round = 0; round < 200; round++) {
      for (int i = 0; i < 50; i++) p.add(p.lastPopped + 1_000 + r.nextInt(100_000), r.nextInt(4));
      assertTrue(p.q.peekTime() >= p.lastPopped); // advances the calendar
      for (int i = 0; i < 20; i++) p.add(p.lastPopped + r.nextInt(1_000), r.nextInt(4));
      for (int i = 0; i < 60; i++) p.pop();
    }
    p.drain();
  }

  @Test
  void manySameTimeEventsComeOutByKeyThenSequence() {
    Pair p = new Pair(new EventQueue());
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 20_000; i++) p.add(1_000_000, r.nextLong());
    for (int i = 0; i < 20_000; i++) p.add(1_000_000 + r.nextInt(3), r.nextInt(5) - 2);
    for (int i = 0; i < 5_000; i++) p.pop();
    for (int i = 0; i < 5_000; i++) p.add(p.lastPopped, r.nextInt(5) - 2);
    p.drain();
  }

  @Test
  void farFutureEventsAndTheLargestTimes() {
    Pair p = new Pair(new EventQueue(0));
    SplittableRandom r = new SplittableRandom(11);
    p.add(Long.MAX_VALUE, 1);
    p.add(Long.MAX_VALUE, 0);
    p.add(Long.MAX_VALUE - 1, 5);
    p.add(Long.MAX_VALUE / 2, 5);
    for (int i = 0; i < 5_000; i++) p.add(r.nextLong(Long.MAX_VALUE), r.nextInt(3));
    for (int i = 0; i < 5_000; i++) p.add(r.nextInt(10_000), r.nextInt(3));
    p.drain();
  }

  @Test
  void emptiesAndRefillsLaterAndEarlier() {
    Pair p = new Pair(new EventQueue(4));
    SplittableRandom r = new SplittableRandom(9);
    long base = 0;
    for (int round = 0; round < 300; round++) {
      int n = r.nextInt(40);
      // later rounds jump ahead, some go back below where the calendar was (a fresh queue state)
      base = r.nextInt(4) == 0 ? r.nextLong(1L << 30) : base + r.nextLong(1L << 20);
      for (int i = 0; i < n; i++) p.add(base + r.nextInt(5_000), r.nextInt(4));
      p.drain();
    }
  }

  @Test
  void rebuildsUnderAnyWidthKeepTheOrder() {
    SplittableRandom r = new SplittableRandom(17);
    Pair p = new Pair(new EventQueue(8));
    for (int i = 0; i < 3_000; i++) p.add(delay(r), r.nextInt(6));
    for (int step = 0; step < 30_000; step++) {
      if (step % 997 == 0) p.q.rebuild(r.nextInt(30));
      if (!p.ref.isEmpty() && r.nextBoolean()) {
        p.pop();
      } else {
        p.add(p.lastPopped + delay(r), r.nextInt(6));
      }
    }
    p.drain();
  }

  @Test
  void adaptsTheBucketWidthToTheEventDensity() {
    // dense: ~50 events per ns against 2^20-ns buckets -> narrower
    EventQueue dense = new EventQueue(20);
    Pair p = new Pair(dense);
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < 10_000; i++) p.add(r.nextInt(200), r.nextInt(100));
    for (int i = 0; i < 200_000; i++) {
      p.pop();
      p.add(p.lastPopped + r.nextInt(400), r.nextInt(100));
    }
    assertTrue(dense.shift() < 20, "shift " + dense.shift());
    p.drain();
    // sparse: ~1 event per 100 us against 1-ns buckets -> wider (most would fall beyond the ring)
    EventQueue sparse = new EventQueue(0);
    Pair s = new Pair(sparse);
    for (int i = 0; i < 1_000; i++) s.add(r.nextLong(100_000_000), 1);
    for (int i = 0; i < 100_000; i++) {
      s.pop();
      s.add(s.lastPopped + r.nextLong(200_000_000), 1);
    }
    assertNotEquals(0, sparse.shift());
    s.drain();
  }

  @Test
  void poolGrowsPastItsFirstCapacityAndVisitsEveryPendingMessage() {
    Pair p = new Pair(new EventQueue());
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < 50_000; i++) p.add(delay(r), r.nextInt(3));
    List<Object> seen = new ArrayList<>();
    p.q.forEachMessage(seen::add);
    assertEquals(50_000, seen.size());
    assertEquals(50_000, seen.stream().map(o -> ((Ref) o).id()).distinct().count());
    p.drain();
  }

  @Test
  void steadyStateAddAndPollAllocateNothing() {
    // spread out (the width adapts, buckets are sorted into runs)
    assertSteadyStateAllocatesNothing(new EventQueue(), 10_000, 400_000, 1_000_000);
    // ~60 events per ns at the narrowest width: some buckets go to the heap, some are sorted; the
    // warm-up spends ~780 epochs of 64 ns, so the fine buckets and the pooled epoch arrays have grown; a
    // few still grow to a new high-water mark now and then (an event object per add: 22 MB)
    assertSteadyStateAllocatesNothing(new EventQueue(0), 330, 3_000_000, 4_000_000);
  }

  private static void assertSteadyStateAllocatesNothing(EventQueue q, int spreadNanos, int warmUp, long maxBytes) {
    var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    SplittableRandom r = new SplittableRandom(8);
    Object msg = "m";
    for (int i = 0; i < 20_000; i++) q.add(r.nextInt(spreadNanos), i, i, 0, 0, null, msg);
    long now = 0;
    for (int i = 0; i < warmUp; i++) { // warm-up: pool, ring buckets and heaps at their peak size
      now = q.peekTime();
      q.release(EventQueue.slot(q.poll()));
      q.add(now + r.nextInt(spreadNanos), i, i, 0, 0, null, msg);
    }
    long t = Thread.currentThread().getId();
    long before = bean.getThreadAllocatedBytes(t);
    for (int i = 0; i < 400_000; i++) {
      now = q.peekTime();
      q.release(EventQueue.slot(q.poll()));
      q.add(now + r.nextInt(spreadNanos), i, i, 0, 0, null, msg);
    }
    long allocated = bean.getThreadAllocatedBytes(t) - before;
    // an event object per add would be ~19 MB here; width rebuilds may allocate a slot list now and then
    assertTrue(allocated < maxBytes, allocated + " bytes allocated for 400,000 add+poll");
  }
}
