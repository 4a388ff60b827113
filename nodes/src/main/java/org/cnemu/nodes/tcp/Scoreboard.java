package org.cnemu.nodes.tcp;

/**
 * The retransmission queue as Linux's SACK scoreboard sees it: one entry per sent wire segment (MSS or
 * less) from snd_una to snd_nxt, in sequence order, each with its last transmit time and the
 * TCPCB_SACKED_ACKED / LOST / SACKED_RETRANS / EVER_RETRANS bits, and the counts sacked_out, lost_out,
 * retrans_out. Stored as parallel arrays in a ring (no allocation per packet): a TSO skb that a SACK
 * block splits is already split here.
 */
final class Scoreboard {
  static final byte SACKED = 1;
  static final byte LOST = 2;
  /** Retransmitted and not yet SACKed or marked lost again (TCPCB_SACKED_RETRANS). */
  static final byte RETRANS = 4;
  static final byte EVER_RETRANS = 8;

  private long[] start = new long[64];
  private long[] end = new long[64];
  private long[] xmit = new long[64];
  private byte[] flags = new byte[64];
  private int head;
  private int size;
  int sackedOut;
  int lostOut;
  int retransOut;
  /** End of the highest SACKed segment (tcp_highest_sack_seq; -1: none). */
  long highestSack = -1;

  int size() {
    return size;
  }

  private int at(int i) {
    return (head + i) & (start.length - 1);
  }

  long start(int i) {
    return start[at(i)];
  }

  long end(int i) {
    return end[at(i)];
  }

  long xmit(int i) {
    return xmit[at(i)];
  }

  byte flags(int i) {
    return flags[at(i)];
  }

  boolean has(int i, byte f) {
    return (flags[at(i)] & f) != 0;
  }

  void add(long s, long e, long t) {
    if (size == start.length) grow();
    int j = at(size++);
    start[j] = s;
    end[j] = e;
    xmit[j] = t;
    flags[j] = 0;
  }

  private void grow() {
    int n = start.length * 2;
    long[] s = new long[n];
    long[] e = new long[n];
    long[] x = new long[n];
    byte[] f = new byte[n];
    for (int i = 0; i < size; i++) {
      int j = at(i);
      s[i] = start[j];
      e[i] = end[j];
      x[i] = xmit[j];
      f[i] = flags[j];
    }
    start = s;
    end = e;
    xmit = x;
    flags = f;
    head = 0;
  }

  /** Removes the head entry (cumulatively acknowledged), keeping the counts. */
  void popHead() {
    byte f = flags[head];
    if ((f & SACKED) != 0) sackedOut--;
    if ((f & LOST) != 0) lostOut--;
    if ((f & RETRANS) != 0) retransOut--;
    head = at(1);
    size--;
    if (size == 0) highestSack = -1;
  }

  /** Index of the first entry ending after {@code seq} (binary search; size if none). */
  int indexAfter(long seq) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (end(mid) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  void sack(int i) {
    int j = at(i);
    byte f = flags[j];
    if ((f & LOST) != 0) lostOut--;
    if ((f & RETRANS) != 0) retransOut--;
    flags[j] = (byte) ((f | SACKED) & ~(LOST | RETRANS));
    sackedOut++;
    if (end[j] > highestSack) highestSack = end[j];
  }

  /** tcp_mark_skb_lost: a retransmission lost again leaves retrans_out. */
  void markLost(int i) {
    int j = at(i);
    byte f = flags[j];
    if ((f & RETRANS) != 0) retransOut--;
    if ((f & LOST) == 0) lostOut++;
    flags[j] = (byte) ((f | LOST) & ~RETRANS);
  }

  void retransmitted(int i, long now) {
    int j = at(i);
    if ((flags[j] & RETRANS) == 0) retransOut++;
    flags[j] |= RETRANS | EVER_RETRANS;
    xmit[j] = now;
  }

  /** Undo: every LOST mark goes (tcp_undo_cwnd_reduction's unmark loop). */
  void clearLost() {
    for (int i = 0; i < size; i++) flags[at(i)] &= ~LOST;
    lostOut = 0;
  }

  /** Segments in flight: packets_out - (sacked_out + lost_out) + retrans_out. */
  int inFlight() {
    return size - sackedOut - lostOut + retransOut;
  }
}
