package org.cnemu.nodes.kernel;

/**
 * The transmit schedule of one switch output port: the reserved busy intervals [start, end) still in
 * the future, sorted and disjoint (touching intervals are merged). A switch handles a whole train
 * when its first packet arrives and reserves every packet's slot at once; when the input is slower
 * than the output, that train leaves idle gaps between its packets, and a packet of another train
 * that arrives meanwhile takes the first gap that fits (what interleaving in a FIFO does) instead of
 * waiting behind the first train's last packet. With equal rates there are no gaps in the future
 * and this is the plain busy-until FIFO. A switch's output port ({@link SwitchEntity.Port}) is one, with its
 * link and counters in the same object.
 */
class PortSchedule {
  private static final long[] NONE = new long[0];
  private long[] s = NONE;
  private long[] e = NONE;
  private int n;
  /** Sum of (end - start) over the intervals. */
  private long total;

  /** Forgets intervals that ended by {@code now}. */
  void prune(long now) {
    int k = 0;
    while (k < n && e[k] <= now) {
      total -= e[k] - s[k];
      k++;
    }
    if (k > 0) {
      System.arraycopy(s, k, s, 0, n - k);
      System.arraycopy(e, k, e, 0, n - k);
      n -= k;
    }
  }

  /** Reserved transmit time after {@code t} (ns): the queue ahead of a packet arriving at t. */
  long backlogNanos(long t) {
    long before = 0;
    for (int i = 0; i < n && s[i] < t; i++) before += Math.min(e[i], t) - s[i];
    return total - before;
  }

  /** Reserves the first free slot of {@code ser} ns starting at or after {@code from}; returns its end. */
  long reserve(long from, long ser) {
    long c = from;
    int i = 0;
    if (n > 0 && from < e[n - 1]) {
      while (i < n) {
        if (e[i] <= c) {
          i++;
          continue;
        }
        if (s[i] >= c + ser) break; // the gap before interval i fits
        c = Math.max(c, e[i]);
        i++;
      }
    } else {
      i = n;
    }
    insert(i, c, c + ser);
    return c + ser;
  }

  private void insert(int i, long a, long b) {
    total += b - a;
    boolean left = i > 0 && e[i - 1] == a;
    boolean right = i < n && s[i] == b;
    if (left && right) {
      e[i - 1] = e[i];
      System.arraycopy(s, i + 1, s, i, n - i - 1);
      System.arraycopy(e, i + 1, e, i, n - i - 1);
      n--;
    } else if (left) {
      e[i - 1] = b;
    } else if (right) {
      s[i] = a;
    } else {
      if (n == s.length) {
        s = java.util.Arrays.copyOf(s, Math.max(4, n * 2));
        e = java.util.Arrays.copyOf(e, Math.max(4, n * 2));
      }
      System.arraycopy(s, i, s, i + 1, n - i);
      System.arraycopy(e, i, e, i + 1, n - i);
      s[i] = a;
      e[i] = b;
      n++;
    }
  }
}
