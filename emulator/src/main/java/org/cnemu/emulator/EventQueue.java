package org.cnemu.emulator;

import java.util.Arrays;

/**
 * The pending events of one partition, taken out in exact (time, sender key, sender sequence) order.
 *
 * <p>An event's payload (sender, channel, message) lives in a pooled slot of arrays (a struct of
 * arrays, indexed by slot; the slot freed last is reused first, so it is still in cache). Its sort key
 * (time, key, seq) and a ticket (target index and slot in one long) travel inside the order
 * structures, so comparisons, bucket loads and dispatch read contiguous arrays instead of chasing one
 * object per event. Adding and taking events allocates nothing once the pool and buckets have grown
 * to the run's peak.
 *
 * <p>Order: a two-level calendar. Fine bucket number {@code b = time >>> shift}, epoch {@code b >>> 6}
 * (64 fine buckets). The events of fine buckets {@code <= cur} are in the {@code now} heap and the
 * sorted run (exactly ordered); the later fine buckets of the current epoch are 64 unsorted slot lists;
 * the next {@link #EPOCHS} - 1 epochs are one unsorted list each; later events are in the {@code far}
 * heap. When the current set runs empty, the next non-empty fine bucket (a bit of one word) is sorted
 * into the run; when the epoch's fine buckets are all spent, the next non-empty epoch list (found
 * through a bitmap) is spread into the 64 fine buckets, and far events that have come within the
 * horizon move in. Why two levels: with thousands of hosts the pending events cover thousands of
 * buckets, and an append into a one-level ring stored into a bucket tail the model had evicted since
 * its last append; appends into an epoch list go to the few tails of the epochs pending (a handful of
 * lines that stay in cache), and spreading an epoch is a sequential read into 64 small buckets.
 * Every event in the current set is earlier (by bucket) than every other, so the order is exact
 * whatever the width; the width only affects speed and adapts to the run (narrower when buckets hold
 * many events, wider when many events fall beyond the horizon), each rebuild paid for by at least as
 * many pops as there are events.
 */
final class EventQueue {
  /** Fine buckets per epoch: one word of bits. */
  private static final int FINE_BITS = 6;
  private static final int FINE = 1 << FINE_BITS;
  /** Epoch lists: a power of two; the horizon is {@code EPOCHS * 64} fine buckets. */
  static final int EPOCHS = 1024;
  private static final int EPOCH_MASK = EPOCHS - 1;
  private static final int MAX_SHIFT = 40;
  private static final int MIN_PERIOD = 8192;
  private static final long[] NONE = new long[0];

  // ---- slot pool (struct of arrays): the payload; sort keys and target travel with the ticket
  private int[] sender = new int[0];
  private Channel[] channel = new Channel[0];
  private Object[] message = new Object[0];
  private int[] free = new int[0];
  private int freeTop;
  private int size;

  // ---- calendar
  private int shift;
  /** Fine buckets up to this one are in the current set; never below {@code (epoch << 6) - 1}. */
  private long cur = -1;
  /** The epoch whose later fine buckets are in {@link #fine}. */
  private long epoch;
  private final SlotHeap now = new SlotHeap();
  /**
   * The loaded bucket, sorted: (time, key, seq, ticket) quadruples from {@code runPos} to {@code runEnd}.
   * With {@code now} (events that arrive for buckets already loaded) it is the current set; taking from
   * the sorted run is O(1), so the heap only works for late arrivals.
   */
  private long[] run = new long[8];
  private int runPos;
  private int runEnd;
  /** Buckets of more events than this go to the heap rather than an insertion sort. */
  private static final int SORT_MAX = 48;
  private final SlotHeap far = new SlotHeap();
  /** Per fine bucket of the current epoch: (time, key, seq, ticket) quadruples, appended. */
  private final long[][] fine = new long[FINE][];
  private final int[] fineLen = new int[FINE];
  private long fineBits;
  private int fineCount;
  /** Per epoch of the horizon: quadruples, appended; {@link #NONE} while empty (arrays are pooled). */
  private final long[][] epochs = new long[EPOCHS][];
  private final int[] epochLen = new int[EPOCHS];
  private final long[] epochBits = new long[EPOCHS / 64];
  private int epochCount;
  /**
   * Arrays of spread epochs, reused by the next epoch to start one (the last spread first): memory in
   * proportion to the epochs pending at once, not to the horizon.
   */
  private long[][] spare = new long[8][];
  private int spareTop;
  /**
   * The length (longs, rounded up to a power of two) of the last epoch list spread: a list that needs a new
   * array starts at it instead of doubling up from 64 (the lists of a steady run fill to about the same length,
   * and each doubling copied the list and left the old array to the collector).
   */
  private int lastEpochLongs;
  /** Arrays allocated for epoch lists, first ones and grown ones (for tests). */
  long epochArraysAllocated;
  /** Their lengths, summed (for tests). */
  long epochLongsAllocated;

  // ---- width adaptation: counts since the last check
  private long pops;
  private long nowSizes; // sum of the now heap's size at each poll
  private long farAdds;
  /** Sink of the payload touches in {@link #load} (keeps the JIT from dropping them). */
  long touched;
  /**
   * Entities by index, touched with their messages in {@link #load} and {@link #place}; null (no touch) for a
   * partition small enough to stay in cache ({@link LocalScheduler#TOUCH_MIN_ENTITIES}) and in tests of the
   * queue alone.
   */
  Entity<?>[] targets;

  EventQueue() {
    this(6);
  }

  /** @param shift initial bucket width as a power of two (ns); the queue adapts it */
  EventQueue(int shift) {
    if (shift < 0 || shift > MAX_SHIFT) throw new IllegalArgumentException("shift " + shift);
    this.shift = shift;
    for (int i = 0; i < FINE; i++) fine[i] = new long[32];
    Arrays.fill(epochs, NONE);
    growPool(1024);
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Current bucket width, as a power of two (for tests and diagnostics). */
  int shift() {
    return shift;
  }

  /** Bucket lists holding pending events: non-empty fine buckets and epoch lists (for tests). */
  int listsInUse() {
    int n = Long.bitCount(fineBits);
    for (long w : epochBits) n += Long.bitCount(w);
    return n;
  }

  /** Arrays held for epoch lists, in use or spare (for tests: bounded by the epochs pending at once). */
  int epochArrays() {
    int n = spareTop;
    for (long[] a : epochs) if (a != NONE) n++;
    return n;
  }

  void add(long timeNanos, long senderKey, long senderSeq, int targetIndex, int senderIndex, Channel ch,
      Object msg) {
    if (timeNanos < 0) throw new IllegalArgumentException("negative event time " + timeNanos);
    if (freeTop == 0) growPool(sender.length * 2);
    int s = free[--freeTop];
    sender[s] = senderIndex;
    channel[s] = ch;
    message[s] = msg;
    size++;
    place(timeNanos, senderKey, senderSeq, ((long) targetIndex << 32) | s);
  }

  void add(Event e) {
    add(e.timeNanos, e.senderKey, e.senderSeq, e.targetIndex, e.senderIndex, e.channel, e.message);
  }

  private void place(long t, long k, long q, long s) {
    long b = t >>> shift;
    if (b <= cur) {
      // an event for a bucket already loaded (a send with a delay of a few ns at most): no load touches its
      // target, and it runs soon, so its target entity's miss starts here, beside the rest of the sender's handler
      final Entity<?>[] es = targets;
      if (es != null) {
        Entity<?> e = es[(int) (s >>> 32)];
        if (e != null) touched += e.clockNanos;
      }
      now.add(t, k, q, s);
      return;
    }
    long d = (b >>> FINE_BITS) - epoch; // >= 0: cur >= (epoch << 6) - 1
    if (d == 0) {
      int i = (int) b & (FINE - 1);
      int n = fineLen[i];
      long[] r = fine[i];
      int o = n << 2;
      if (o == r.length) fine[i] = r = Arrays.copyOf(r, o * 2);
      r[o] = t;
      r[o + 1] = k;
      r[o + 2] = q;
      r[o + 3] = s;
      fineLen[i] = n + 1;
      fineBits |= 1L << i;
      fineCount++;
    } else if (d < EPOCHS) {
      int j = (int) (b >>> FINE_BITS) & EPOCH_MASK;
      int n = epochLen[j];
      long[] r = epochs[j];
      int o = n << 2;
      if (o == r.length) epochs[j] = r = growEpoch(r, o);
      r[o] = t;
      r[o + 1] = k;
      r[o + 2] = q;
      r[o + 3] = s;
      epochLen[j] = n + 1;
      if (n == 0) epochBits[j >>> 6] |= 1L << j;
      epochCount++;
    } else {
      far.add(t, k, q, s);
      farAdds++;
    }
  }

  /**
   * An epoch list's array with room past {@code used} longs: a pooled one for an empty list, else a new one of
   * at least the length the last spread list needed ({@link #lastEpochLongs}).
   */
  private long[] growEpoch(long[] r, int used) {
    if (used == 0 && spareTop > 0) {
      long[] a = spare[--spareTop];
      spare[spareTop] = null;
      return a;
    }
    epochArraysAllocated++;
    int longs = Math.max(Math.max(64, lastEpochLongs), used * 2);
    epochLongsAllocated += longs;
    return Arrays.copyOf(r, longs);
  }

  /** Time of the earliest event, or {@link Long#MAX_VALUE} if none. */
  long peekTime() {
    if (runPos == runEnd) {
      if (now.size == 0 && !advance()) return Long.MAX_VALUE;
      if (runPos == runEnd) return now.t[0];
    }
    long rt = run[runPos];
    return now.size == 0 || rt < now.t[0] ? rt : now.t[0];
  }

  /**
   * Takes the earliest event (its time is what {@link #peekTime} returned) and returns its ticket:
   * {@link #target} and {@link #slot} of it; the slot is valid until {@link #release}.
   */
  long poll() {
    if (runPos == runEnd && now.size == 0 && !advance()) throw new IllegalStateException("empty");
    nowSizes += now.size + ((runEnd - runPos) >> 2);
    long s;
    int p = runPos;
    if (p < runEnd && (now.size == 0 || SlotHeap.before(run[p], run[p + 1], run[p + 2], now.t[0], now.k[0], now.q[0]))) {
      s = run[p + 3];
      runPos = p + 4;
    } else {
      s = now.poll();
    }
    size--;
    if (++pops >= MIN_PERIOD && pops >= size) adapt();
    return s;
  }

  /** Returns a slot taken by {@link #poll} to the pool. */
  void release(int s) {
    message[s] = null; // channels live as long as the run; messages must not
    free[freeTop++] = s;
  }

  static int target(long ticket) {
    return (int) (ticket >>> 32);
  }

  static int slot(long ticket) {
    return (int) ticket;
  }

  int sender(int s) {
    return sender[s];
  }

  Channel channel(int s) {
    return channel[s];
  }

  Object message(int s) {
    return message[s];
  }

  /** Visits the message of every pending event (any order). */
  void forEachMessage(java.util.function.Consumer<Object> action) {
    for (int i = 0; i < now.size; i++) action.accept(message[(int) now.ticket[i]]);
    for (int o = runPos + 3; o < runEnd; o += 4) action.accept(message[(int) run[o]]);
    for (int i = 0; i < far.size; i++) action.accept(message[(int) far.ticket[i]]);
    for (int b = 0; b < FINE; b++) {
      for (int j = 0; j < fineLen[b]; j++) action.accept(message[(int) fine[b][(j << 2) + 3]]);
    }
    for (int e = 0; e < EPOCHS; e++) {
      for (int j = 0; j < epochLen[e]; j++) action.accept(message[(int) epochs[e][(j << 2) + 3]]);
    }
  }

  /** Moves the next non-empty fine bucket into the current set; false if no event is pending. */
  private boolean advance() {
    if (fineCount == 0) {
      if (epochCount > 0) {
        // next set bit of the epoch bitmap after this epoch, circularly (one exists: epochCount > 0)
        int start = (int) (epoch + 1) & EPOCH_MASK;
        int w = start >>> 6;
        long bits = epochBits[w] & (-1L << start);
        while (bits == 0) {
          w = (w + 1) & (epochBits.length - 1);
          bits = epochBits[w];
        }
        int j = (w << 6) | Long.numberOfTrailingZeros(bits);
        epoch += ((j - start) & EPOCH_MASK) + 1;
        spread(j);
      } else if (far.size > 0) {
        epoch = far.t[0] >>> (shift + FINE_BITS); // migrate() below brings the far minimum into fine
      } else {
        return false;
      }
      cur = (epoch << FINE_BITS) - 1;
      if (far.size > 0) migrate();
    }
    int i = Long.numberOfTrailingZeros(fineBits);
    cur = (epoch << FINE_BITS) | i;
    load(i);
    return true;
  }

  /** Spreads epoch list {@code j} (the new current epoch) into the fine buckets, in its append order. */
  private void spread(int j) {
    long[] r = epochs[j];
    int n = epochLen[j];
    int end = n << 2;
    final int sh = shift;
    long bits = 0;
    for (int o = 0; o < end; o += 4) {
      long t = r[o];
      int i = (int) (t >>> sh) & (FINE - 1);
      int m = fineLen[i];
      long[] f = fine[i];
      int p = m << 2;
      if (p == f.length) fine[i] = f = Arrays.copyOf(f, p * 2);
      f[p] = t;
      f[p + 1] = r[o + 1];
      f[p + 2] = r[o + 2];
      f[p + 3] = r[o + 3];
      fineLen[i] = m + 1;
      bits |= 1L << i;
    }
    fineBits |= bits;
    fineCount += n;
    lastEpochLongs = Integer.highestOneBit(end - 1) << 1;
    epochLen[j] = 0;
    epochBits[j >>> 6] &= ~(1L << j);
    epochCount -= n;
    epochs[j] = NONE;
    pushSpare(r);
  }

  private void load(int i) {
    int n = fineLen[i];
    long[] r = fine[i];
    int end = n << 2;
    // Touch the payloads and their target entities first, in a loop of independent loads: their cache
    // misses overlap here instead of stalling each handler in turn (the messages were written long ago,
    // in virtual time, and with many hosts a target entity was last run thousands of events ago).
    final Entity<?>[] es = targets;
    if (es != null) {
      long acc = 0;
      for (int o = 3; o < end; o += 4) {
        long tk = r[o];
        Object m = message[(int) tk];
        if (m == null || m.getClass() == Object.class) acc++;
        Entity<?> e = es[(int) (tk >>> 32)];
        if (e != null) acc += e.clockNanos;
      }
      // then what each target's handler reads one hop beyond it (Entity.prefetch): the entities' lines are in
      // flight or present after the loop above, so these misses overlap too
      for (int o = 3; o < end; o += 4) {
        Entity<?> e = es[(int) (r[o] >>> 32)];
        if (e != null) acc += e.prefetch();
      }
      touched += acc;
    }
    if (n > SORT_MAX) {
      for (int o = 0; o < end; o += 4) now.add(r[o], r[o + 1], r[o + 2], r[o + 3]);
    } else {
      // the bucket's array becomes the run (sorted in place), the spent run array the bucket's
      sortQuads(r, end);
      fine[i] = run;
      run = r;
      runPos = 0;
      runEnd = end;
    }
    fineLen[i] = 0;
    fineBits &= ~(1L << i);
    fineCount -= n;
  }

  /** Insertion sort of (time, key, seq, ticket) quadruples by (time, key, seq): buckets are small. */
  private static void sortQuads(long[] a, int end) {
    for (int i = 4; i < end; i += 4) {
      long t = a[i];
      long k = a[i + 1];
      long q = a[i + 2];
      long x = a[i + 3];
      int j = i - 4;
      while (j >= 0 && SlotHeap.before(t, k, q, a[j], a[j + 1], a[j + 2])) {
        a[j + 4] = a[j];
        a[j + 5] = a[j + 1];
        a[j + 6] = a[j + 2];
        a[j + 7] = a[j + 3];
        j -= 4;
      }
      a[j + 4] = t;
      a[j + 5] = k;
      a[j + 6] = q;
      a[j + 7] = x;
    }
  }

  /** Far events whose epoch is now within the horizon go to the epoch lists (or the fine buckets). */
  private void migrate() {
    final int sh = shift + FINE_BITS;
    while (far.size > 0 && (far.t[0] >>> sh) - epoch < EPOCHS) {
      long t = far.t[0];
      long k = far.k[0];
      long q = far.q[0];
      long s = far.poll();
      place(t, k, q, s);
    }
  }

  /**
   * Adapts the bucket width: narrower when the now heap averages many events (log-time heap work),
   * wider when it holds few and many events go to the far heap. Halving or doubling the width
   * halves or doubles the now heap, so one step cannot trigger the opposite step next time.
   */
  private void adapt() {
    double meanNow = (double) nowSizes / pops;
    int next = shift;
    if (meanNow > 16 && shift > 0) {
      next = shift - 1;
    } else if (meanNow < 2 && farAdds * 4 > pops && shift < MAX_SHIFT) {
      next = shift + 1;
    }
    pops = 0;
    nowSizes = 0;
    farAdds = 0;
    if (next != shift) rebuild(next);
  }

  /** Re-places every pending event under a new bucket width. */
  void rebuild(int newShift) {
    long[] all = new long[size * 4];
    int n = 0;
    for (SlotHeap h : new SlotHeap[] {now, far}) {
      for (int i = 0; i < h.size; i++, n += 4) {
        all[n] = h.t[i];
        all[n + 1] = h.k[i];
        all[n + 2] = h.q[i];
        all[n + 3] = h.ticket[i];
      }
      h.size = 0;
    }
    System.arraycopy(run, runPos, all, n, runEnd - runPos);
    n += runEnd - runPos;
    runPos = runEnd = 0;
    for (int b = 0; b < FINE; b++) {
      int len = fineLen[b] << 2;
      System.arraycopy(fine[b], 0, all, n, len);
      n += len;
      fineLen[b] = 0;
    }
    fineBits = 0;
    fineCount = 0;
    for (int e = 0; e < EPOCHS; e++) {
      int len = epochLen[e] << 2;
      if (len > 0) {
        System.arraycopy(epochs[e], 0, all, n, len);
        n += len;
        epochLen[e] = 0;
      }
      if (epochs[e] != NONE) {
        pushSpare(epochs[e]);
        epochs[e] = NONE;
      }
    }
    Arrays.fill(epochBits, 0);
    epochCount = 0;
    long min = Long.MAX_VALUE;
    for (int o = 0; o < n; o += 4) min = Math.min(min, all[o]);
    shift = newShift;
    epoch = n == 0 ? 0 : min >>> (shift + FINE_BITS);
    cur = (epoch << FINE_BITS) - 1;
    // Each epoch list gets an array of the length the new width puts in it, before the events go in. Left to
    // place(), a list new to this width took an array of the last spread list's length, which suits a steady
    // run and not a width change: a narrower width spreads the same events over more, shorter lists, each of
    // which took the old width's length (docs/benchmarks.md, "Twelfth round").
    int[] perEpoch = new int[EPOCHS];
    final int sh = shift + FINE_BITS;
    for (int o = 0; o < n; o += 4) {
      long d = (all[o] >>> sh) - epoch;
      if (d > 0 && d < EPOCHS) perEpoch[(int) (all[o] >>> sh) & EPOCH_MASK]++;
    }
    for (int j = 0; j < EPOCHS; j++) if (perEpoch[j] > 0) epochs[j] = epochArray(perEpoch[j] << 2);
    for (int o = 0; o < n; o += 4) place(all[o], all[o + 1], all[o + 2], all[o + 3]);
  }

  /** A pooled array of at least {@code longs} (the smallest that fits), else a new one: 64 or a power of two. */
  private long[] epochArray(int longs) {
    int best = -1;
    for (int i = 0; i < spareTop; i++) {
      if (spare[i].length >= longs && (best < 0 || spare[i].length < spare[best].length)) best = i;
    }
    if (best >= 0) {
      long[] a = spare[best];
      spare[best] = spare[--spareTop];
      spare[spareTop] = null;
      return a;
    }
    int length = Math.max(64, Integer.highestOneBit(longs - 1) << 1);
    epochArraysAllocated++;
    epochLongsAllocated += length;
    return new long[length];
  }

  private void pushSpare(long[] r) {
    if (spareTop == spare.length) spare = Arrays.copyOf(spare, spareTop * 2);
    spare[spareTop++] = r;
  }

  private void growPool(int cap) {
    int old = sender.length;
    sender = Arrays.copyOf(sender, cap);
    channel = Arrays.copyOf(channel, cap);
    message = Arrays.copyOf(message, cap);
    free = Arrays.copyOf(free, cap);
    // lowest slots on top of the stack: used first
    for (int s = cap - 1; s >= old; s--) free[freeTop++] = s;
  }

  /** A 4-ary min-heap of tickets by (time, key, seq), keys held inline: no indirection to compare. */
  static final class SlotHeap {
    long[] t = new long[64];
    long[] k = new long[64];
    long[] q = new long[64];
    long[] ticket = new long[64];
    int size;

    static boolean before(long t1, long k1, long q1, long t2, long k2, long q2) {
      if (t1 != t2) return t1 < t2;
      if (k1 != k2) return k1 < k2;
      return q1 < q2;
    }

    void add(long tt, long kk, long qq, long s) {
      if (size == t.length) {
        int cap = size * 2;
        t = Arrays.copyOf(t, cap);
        k = Arrays.copyOf(k, cap);
        q = Arrays.copyOf(q, cap);
        ticket = Arrays.copyOf(ticket, cap);
      }
      int i = size++;
      while (i > 0) {
        int p = (i - 1) >>> 2;
        if (!before(tt, kk, qq, t[p], k[p], q[p])) break;
        t[i] = t[p];
        k[i] = k[p];
        q[i] = q[p];
        ticket[i] = ticket[p];
        i = p;
      }
      t[i] = tt;
      k[i] = kk;
      q[i] = qq;
      ticket[i] = s;
    }

    /** Removes the minimum and returns its ticket (heap must be non-empty). */
    long poll() {
      long top = ticket[0];
      int n = --size;
      if (n > 0) siftDown(t[n], k[n], q[n], ticket[n], n);
      return top;
    }

    private void siftDown(long tt, long kk, long qq, long s, int n) {
      final long[] t = this.t;
      final long[] k = this.k;
      final long[] q = this.q;
      int i = 0;
      while (true) {
        int c = (i << 2) + 1;
        if (c >= n) break;
        int b = c;
        long bt = t[c];
        int end = Math.min(c + 4, n);
        for (int j = c + 1; j < end; j++) {
          long jt = t[j];
          if (jt < bt || (jt == bt && (k[j] < k[b] || (k[j] == k[b] && q[j] < q[b])))) {
            b = j;
            bt = jt;
          }
        }
        if (!before(bt, k[b], q[b], tt, kk, qq)) break;
        t[i] = bt;
        k[i] = k[b];
        q[i] = q[b];
        ticket[i] = ticket[b];
        i = b;
      }
      t[i] = tt;
      k[i] = kk;
      q[i] = qq;
      ticket[i] = s;
    }
  }
}
