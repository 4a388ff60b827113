package org.cnemu.emulator;

import java.util.Arrays;

/**
 * The pending events of one partition, taken out in exact (time, sender key, sender sequence) order.
 *
 * <p>Events live in pooled slots of primitive arrays (a struct of arrays, indexed by slot): adding and
 * taking events allocates nothing once the pool has grown to the run's peak, and comparisons read
 * keys stored inline instead of chasing one object per event.
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

  // ---- slot pool (struct of arrays)
  private long[] time = new long[0];
  private long[] key = new long[0];
  private long[] seq = new long[0];
  private int[] target = new int[0];
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
  private final SlotHeap far = new SlotHeap();
  private final int[][] ring = new int[BUCKETS][];
  private final int[] ringLen = new int[BUCKETS];
  private final long[] ringBits = new long[BUCKETS / 64];
  private int ringCount;

  // ---- width adaptation: counts since the last check
  private long pops;
  private long nowSizes; // sum of the now heap's size at each poll
  private long farAdds;

  EventQueue() {
    this(6);
  }

  /** @param shift initial bucket width as a power of two (ns); the queue adapts it */
  EventQueue(int shift) {
    if (shift < 0 || shift > MAX_SHIFT) throw new IllegalArgumentException("shift " + shift);
    this.shift = shift;
    for (int i = 0; i < BUCKETS; i++) ring[i] = new int[4];
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
    if (freeTop == 0) growPool(time.length * 2);
    int s = free[--freeTop];
    time[s] = timeNanos;
    key[s] = senderKey;
    seq[s] = senderSeq;
    target[s] = targetIndex;
    sender[s] = senderIndex;
    channel[s] = ch;
    message[s] = msg;
    size++;
    place(s, timeNanos);
  }

  void add(Event e) {
    add(e.timeNanos, e.senderKey, e.senderSeq, e.targetIndex, e.senderIndex, e.channel, e.message);
  }

  private void place(int s, long t) {
    long d = (t >>> shift) - cur;
    if (d <= 0) {
      now.add(t, key[s], seq[s], s);
    } else if (d < BUCKETS) {
      int i = (int) (t >>> shift) & MASK;
      int n = ringLen[i];
      int[] r = ring[i];
      if (n == r.length) ring[i] = r = Arrays.copyOf(r, n * 2);
      r[n] = s;
      ringLen[i] = n + 1;
      if (n == 0) ringBits[i >>> 6] |= 1L << i;
      ringCount++;
    } else {
      far.add(t, key[s], seq[s], s);
      farAdds++;
    }
  }

  /** Time of the earliest event, or {@link Long#MAX_VALUE} if none. */
  long peekTime() {
    if (now.size == 0 && !advance()) return Long.MAX_VALUE;
    return now.t[0];
  }

  /**
   * Takes the earliest event and returns its slot, valid until {@link #release}; call only after
   * {@link #peekTime} returned a time.
   */
  int poll() {
    if (now.size == 0 && !advance()) throw new IllegalStateException("empty");
    nowSizes += now.size;
    int s = now.poll();
    size--;
    if (++pops >= MIN_PERIOD && pops >= size) adapt();
    return s;
  }

  /** Returns a slot taken by {@link #poll} to the pool. */
  void release(int s) {
    message[s] = null; // channels live as long as the run; messages must not
    free[freeTop++] = s;
  }

  long time(int s) {
    return time[s];
  }

  int target(int s) {
    return target[s];
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
    for (int i = 0; i < now.size; i++) action.accept(message[now.slot[i]]);
    for (int i = 0; i < far.size; i++) action.accept(message[far.slot[i]]);
    for (int b = 0; b < BUCKETS; b++) {
      for (int j = 0; j < ringLen[b]; j++) action.accept(message[ring[b][j]]);
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
    int[] r = ring[i];
    for (int j = 0; j < n; j++) {
      int s = r[j];
      now.add(time[s], key[s], seq[s], s);
    }
    ringLen[i] = 0;
    ringBits[i >>> 6] &= ~(1L << i);
    ringCount -= n;
  }

  /** Far events whose bucket is now within the ring's horizon go to the ring (or to now). */
  private void migrate() {
    while (far.size > 0 && (far.t[0] >>> shift) - cur < BUCKETS) {
      int s = far.poll();
      place(s, time[s]);
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
    if (meanNow > 32 && shift > 0) {
      next = shift - 1;
    } else if (meanNow < 4 && farAdds * 4 > pops && shift < MAX_SHIFT) {
      next = shift + 1;
    }
    pops = 0;
    nowSizes = 0;
    farAdds = 0;
    if (next != shift) rebuild(next);
  }

  /** Re-places every pending event under a new bucket width. */
  void rebuild(int newShift) {
    int[] all = new int[size];
    int n = 0;
    for (int i = 0; i < now.size; i++) all[n++] = now.slot[i];
    for (int i = 0; i < far.size; i++) all[n++] = far.slot[i];
    for (int b = 0; b < BUCKETS; b++) {
      for (int j = 0; j < ringLen[b]; j++) all[n++] = ring[b][j];
      ringLen[b] = 0;
    }
    Arrays.fill(ringBits, 0);
    ringCount = 0;
    now.size = 0;
    far.size = 0;
    long min = Long.MAX_VALUE;
    for (int j = 0; j < n; j++) min = Math.min(min, time[all[j]]);
    shift = newShift;
    cur = n == 0 ? 0 : min >>> shift;
    for (int j = 0; j < n; j++) place(all[j], time[all[j]]);
  }

  private void growPool(int cap) {
    int old = time.length;
    time = Arrays.copyOf(time, cap);
    key = Arrays.copyOf(key, cap);
    seq = Arrays.copyOf(seq, cap);
    target = Arrays.copyOf(target, cap);
    sender = Arrays.copyOf(sender, cap);
    channel = Arrays.copyOf(channel, cap);
    message = Arrays.copyOf(message, cap);
    free = Arrays.copyOf(free, cap);
    // lowest slots on top of the stack: used first
    for (int s = cap - 1; s >= old; s--) free[freeTop++] = s;
  }

  /** A 4-ary min-heap of slots by (time, key, seq), keys held inline: no indirection to compare. */
  static final class SlotHeap {
    long[] t = new long[64];
    long[] k = new long[64];
    long[] q = new long[64];
    int[] slot = new int[64];
    int size;

    private static boolean before(long t1, long k1, long q1, long t2, long k2, long q2) {
      if (t1 != t2) return t1 < t2;
      if (k1 != k2) return k1 < k2;
      return q1 < q2;
    }

    void add(long tt, long kk, long qq, int s) {
      if (size == t.length) {
        int cap = size * 2;
        t = Arrays.copyOf(t, cap);
        k = Arrays.copyOf(k, cap);
        q = Arrays.copyOf(q, cap);
        slot = Arrays.copyOf(slot, cap);
      }
      int i = size++;
      while (i > 0) {
        int p = (i - 1) >>> 2;
        if (!before(tt, kk, qq, t[p], k[p], q[p])) break;
        t[i] = t[p];
        k[i] = k[p];
        q[i] = q[p];
        slot[i] = slot[p];
        i = p;
      }
      t[i] = tt;
      k[i] = kk;
      q[i] = qq;
      slot[i] = s;
    }

    /** Removes the minimum and returns its slot (heap must be non-empty). */
    int poll() {
      int top = slot[0];
      int n = --size;
      if (n > 0) siftDown(t[n], k[n], q[n], slot[n], n);
      return top;
    }

    private void siftDown(long tt, long kk, long qq, int s, int n) {
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
        slot[i] = slot[b];
        i = b;
      }
      t[i] = tt;
      k[i] = kk;
      q[i] = qq;
      slot[i] = s;
    }
  }
}
