package org.cnemu.nodes.tcp;

/**
 * The skbs of one socket that left TCP and are not yet TX-completed (in the qdisc, the driver or the
 * NIC; Linux counts them in sk_wmem_alloc until tcp_wfree): truesize and completion time, FIFO (the
 * host hands one socket's skbs to one link in order, so completions come in order).
 */
final class BelowTcp {
  private long[] at = new long[16];
  private long[] bytes = new long[16];
  private int head;
  private int n;
  private long total;

  void add(long truesize, long completeAt) {
    if (n == at.length) {
      long[] a = new long[n * 2];
      long[] b = new long[n * 2];
      for (int i = 0; i < n; i++) {
        a[i] = at[(head + i) % n];
        b[i] = bytes[(head + i) % n];
      }
      at = a;
      bytes = b;
      head = 0;
    }
    int j = (head + n++) % at.length;
    at[j] = completeAt;
    bytes[j] = truesize;
    total += truesize;
  }

  /** Truesize still below TCP at {@code now} (completed skbs leave first). */
  long at(long now) {
    while (n > 0 && at[head] <= now) {
      total -= bytes[head];
      head = (head + 1) % at.length;
      n--;
    }
    return total;
  }

  /** When the oldest skb completes, or -1. */
  long next() {
    return n == 0 ? -1 : at[head];
  }
}
