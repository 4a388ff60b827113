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
 * <p>Order: a calendar of {@code 2^shift}-ns buckets. Bucket number {@code b = time >>> shift}; the
 * events of buckets {@code <= cur} are in the {@code now} heap (exactly ordered), those of the next
 * {@link #BUCKETS} - 1 buckets in an unsorted ring of slot lists (appended in O(1)), later ones in the
 * {@code far} heap. When {@code now} runs empty, the next non-empty ring bucket (found through a bitmap)
 * is moved into it, and far events that have come within the ring's horizon move into the ring. Every
 * event in {@code now} is earlier (by bucket) than every other, so the order is exact whatever the
 * bucket width; the width only affects speed and adapts to the run (narrower when buckets hold many
 * events, wider when many events fall beyond the horizon), each rebuild paid for by at least as many
 * pops as there are events.
 */
final class EventQueue {
  /** Ring buckets: a power of two. */
  static final int BUCKETS = 4096;
  private static final int MASK = BUCKETS - 1;
  private static final int MAX_SHIFT = 40;
  private static final int MIN_PERIOD = 8192;

  // ---- slot pool (struct of arrays): the payload; sort keys and target travel with the ticket
  private int[] sender = new int[0];
  private Channel[] channel = new Channel[0];
  private Object[] message = new Object[0];
  private int[] free = new int[0];
  private int freeTop;
  private int size;

  // ---- calendar
  private int shift;
  private long cur;
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
  /** Per bucket: (time, key, seq, ticket) quadruples, appended; read back sequentially when loaded. */
  private final long[][] ring = new long[BUCKETS][];
  private final int[] ringLen = new int[BUCKETS];
  private final long[] ringBits = new long[BUCKETS / 64];
  private int ringCount;

  // ---- width adaptation: counts since the last check
  private long pops;
  private long nowSizes; // sum of the now heap's size at each poll
  private long farAdds;
  /** Sink of the payload touches in {@link #load} (keeps the JIT from dropping them). */
  long touched;
  /** Entities by index, touched with their messages in {@link #load}; null in tests of the queue alone. */
  Entity<?>[] targets;

  EventQueue() {
    this(6);
  }

  /** @param shift initial bucket width as a power of two (ns); the queue adapts it */
  EventQueue(int shift) {
    if (shift < 0 || shift > MAX_SHIFT) throw new IllegalArgumentException("shift " + shift);
    this.shift = shift;
    for (int i = 0; i < BUCKETS; i++) ring[i] = new long[8];
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
    long d = (t >>> shift) - cur;
    if (d <= 0) {
      now.add(t, k, q, s);
    } else if (d < BUCKETS) {
      int i = (int) (t >>> shift) & MASK;
      int n = ringLen[i];
      long[] r = ring[i];
      int o = n << 2;
      if (o == r.length) ring[i] = r = Arrays.copyOf(r, o * 2);
      r[o] = t;
      r[o + 1] = k;
      r[o + 2] = q;
      r[o + 3] = s;
      ringLen[i] = n + 1;
      if (n == 0) ringBits[i >>> 6] |= 1L << i;
      ringCount++;
    } else {
      far.add(t, k, q, s);
      farAdds++;
    }
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
    for (int b = 0; b < BUCKETS; b++) {
      for (int j = 0; j < ringLen[b]; j++) action.accept(message[(int) ring[b][(j << 2) + 3]]);
    }
  }

  /** Moves the next non-empty bucket into {@code now}; false if no event is pending. */
  private boolean advance() {
    if (ringCount == 0) {
      if (far.size == 0) return false;
      cur = far.t[0] >>> shift;
      migrate(); // the far minimum itself lands in now
      return true;
    }
    // next set bit of the ring bitmap after cur, circularly (one exists: ringCount > 0)
    int start = (int) (cur + 1) & MASK;
    int w = start >>> 6;
    long bits = ringBits[w] & (-1L << start);
    while (bits == 0) {
      w = (w + 1) & (ringBits.length - 1);
      bits = ringBits[w];
    }
    int i = (w << 6) | Long.numberOfTrailingZeros(bits);
    cur += ((i - start) & MASK) + 1;
    load(i);
    if (far.size > 0) migrate();
    return true;
  }

  private void load(int i) {
    int n = ringLen[i];
    long[] r = ring[i];
    int end = n << 2;
    // Touch the payloads and their target entities first, in a loop of independent loads: their cache
    // misses overlap here instead of stalling each handler in turn (the messages were written long ago,
    // in virtual time, and with many hosts a target entity was last run thousands of events ago).
    long acc = 0;
    final Entity<?>[] es = targets;
    for (int o = 3; o < end; o += 4) {
      long tk = r[o];
      Object m = message[(int) tk];
      if (m == null || m.getClass() == Object.class) acc++;
      if (es != null) {
        Entity<?> e = es[(int) (tk >>> 32)];
        if (e != null) acc += e.clockNanos;
      }
    }
    touched += acc;
    if (n > SORT_MAX) {
      for (int o = 0; o < end; o += 4) now.add(r[o], r[o + 1], r[o + 2], r[o + 3]);
    } else {
      // the bucket's array becomes the run (sorted in place), the spent run array the bucket's
      sortQuads(r, end);
      ring[i] = run;
      run = r;
      runPos = 0;
      runEnd = end;
    }
    ringLen[i] = 0;
    ringBits[i >>> 6] &= ~(1L << i);
    ringCount -= n;
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

  /** Far events whose bucket is now within the ring's horizon go to the ring (or to now). */
  private void migrate() {
    while (far.size > 0 && (far.t[0] >>> shift) - cur < BUCKETS) {
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
    for (int b = 0; b < BUCKETS; b++) {
      int len = ringLen[b] << 2;
      System.arraycopy(ring[b], 0, all, n, len);
      n += len;
      ringLen[b] = 0;
    }
    Arrays.fill(ringBits, 0);
    ringCount = 0;
    long min = Long.MAX_VALUE;
    for (int o = 0; o < n; o += 4) min = Math.min(min, all[o]);
    shift = newShift;
    cur = n == 0 ? 0 : min >>> shift;
    for (int o = 0; o < n; o += 4) place(all[o], all[o + 1], all[o + 2], all[o + 3]);
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
