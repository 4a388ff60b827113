package org.cnemu.nodes.kernel;

import java.util.PriorityQueue;
import org.cnemu.devices.Hashing;

/**
 * The ephemeral ports of one client host toward one destination endpoint, as Linux's
 * __inet_hash_connect hands them out: consecutive ports from a per-destination offset plus a hint that
 * advances past each port taken, skipping ports in use or in TIME_WAIT (tcp_tw_reuse: a port 1 s in
 * TIME_WAIT may be taken again); none free is EADDRNOTAVAIL.
 *
 * <p>Linux walks the range port by port; the simulator must not, since once a client has used up its
 * ports every connect() would walk all ~28 k. The ports that cannot be taken are bits of a two-level
 * bitmap (a word per 64 ports, a summary bit per full word), so the next free port after the hint is
 * found in a few word operations; ports in TIME_WAIT wait in a queue ordered by when they may be taken
 * again and are freed as time passes it; a count of blocked ports answers "none free" at once. The port
 * chosen is exactly the one the walk would choose.
 */
final class EphemeralPorts {
  /** TCP_TIMEWAIT_LEN: how long the active closer keeps the 4-tuple. */
  static final long TIME_WAIT_NANOS = 60_000_000_000L;
  /** tcp_twsk_unique with tcp_tw_reuse: a TIME_WAIT port may be reused once its last timestamp is 1 s old. */
  static final long TW_REUSE_NANOS = 1_000_000_000L;
  /** net.ipv4.ip_local_port_range default: 32768..60999. */
  static final int PORT_LOW = 32768, PORT_COUNT = 60999 - 32768 + 1;

  private final int count;
  private final int offset;
  private final int seed;
  /** How long a closed port stays unusable: TIME_WAIT, or tw_reuse's 1 s. */
  private final long holdNanos;
  private long hint;
  /** Bit i of word i/64: port PORT_LOW + i is in use or in TIME_WAIT. */
  private final long[] blocked;
  /** Bit w: word w of {@link #blocked} is full (all its ports blocked). */
  private final long[] full;
  private int blockedCount;
  /** Ports in TIME_WAIT as {when they may be taken again, port index}, earliest first. */
  private final PriorityQueue<long[]> timeWait =
      new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));

  EphemeralPorts(java.util.SplittableRandom r, boolean twReuse) {
    this(r, twReuse, PORT_COUNT);
  }

  /** A range of {@code count} ports from PORT_LOW (tests use a short one). */
  EphemeralPorts(java.util.SplittableRandom r, boolean twReuse, int count) {
    this.count = count;
    offset = r.nextInt(count); // inet_sk_port_offset: a secret hash of the addresses
    seed = r.nextInt(); // the run's 4-tuple hash seed toward this destination
    holdNanos = twReuse ? TW_REUSE_NANOS : TIME_WAIT_NANOS;
    blocked = new long[(count + 63) / 64];
    full = new long[(blocked.length + 63) / 64];
    int tail = count % 64;
    if (tail != 0) blocked[blocked.length - 1] = -1L << tail; // past the range: never free
  }

  /** A free port, now in use; -1 when every port is in use or in TIME_WAIT (EADDRNOTAVAIL). */
  int take(long now) {
    while (!timeWait.isEmpty() && timeWait.peek()[0] <= now) unblock((int) timeWait.poll()[1]);
    if (blockedCount == count) return -1;
    int from = (int) ((offset + hint) % count);
    int i = nextFree(from);
    if (i < 0) i = nextFree(0);
    hint += (i - from + count) % count + 1;
    block(i);
    return PORT_LOW + i;
  }

  /** The first free port index at or after {@code from}, -1 if none up to the range's end. */
  private int nextFree(int from) {
    int w = from >>> 6;
    long free = ~blocked[w] & (-1L << (from & 63));
    if (free != 0) return (w << 6) + Long.numberOfTrailingZeros(free);
    int next = w + 1; // the next word that is not full, through the summary
    for (int s = next >>> 6; s < full.length; s++) {
      long open = ~full[s] & (s == next >>> 6 ? -1L << (next & 63) : -1L);
      if (open == 0) continue;
      int word = (s << 6) + Long.numberOfTrailingZeros(open);
      if (word >= blocked.length) return -1;
      return (word << 6) + Long.numberOfTrailingZeros(~blocked[word]);
    }
    return -1;
  }

  private void block(int i) {
    int w = i >>> 6;
    blocked[w] |= 1L << (i & 63);
    if (blocked[w] == -1L) full[w >>> 6] |= 1L << (w & 63);
    blockedCount++;
  }

  private void unblock(int i) {
    int w = i >>> 6;
    blocked[w] &= ~(1L << (i & 63));
    full[w >>> 6] &= ~(1L << (w & 63));
    blockedCount--;
  }

  /** When a port may next be taken (Long.MAX_VALUE: none will by itself, every blocked one is in use). */
  long firstFreeAt() {
    return timeWait.isEmpty() ? Long.MAX_VALUE : timeWait.peek()[0];
  }

  /** The connection on {@code port} is gone without a TIME_WAIT (no kernel connection: FreeFlow). */
  void release(int port) {
    unblock(port - PORT_LOW);
  }

  /** The active close of {@code port} ended at {@code now}: the 4-tuple stays in TIME_WAIT. */
  void timeWait(int port, long now) {
    timeWait.add(new long[] {now + holdNanos, port - PORT_LOW});
  }

  /** The skb hash seed of the connection on {@code port} (its 4-tuple's hash). */
  int portHash(int port) {
    return Hashing.mix32(((long) seed << 20 | port) * 0x9E3779B97F4A7C15L);
  }
}
