package org.cnemu.devices;

/**
 * An RX descriptor ring of one NIC queue: wire packets with the virtual time their last bit
 * arrived (a train is written at its first arrival, later packets become visible at their own
 * time). Plus the queue's interrupt state (masked while NAPI polls; re-armed by napi_complete).
 */
public final class RxRing {
  public final int queue;
  public final int capacity;
  private Packet[] pkts; // null until the first packet
  private long[] at;
  private int head;
  private int size;
  public long received;
  public long dropped;
  /** IRQ armed (not raised, NAPI not scheduled). */
  public boolean armed = true;
  /** Earliest time the IRQ may fire again after napi_complete re-armed it. */
  public long armedAt;
  /** A moderation timer is pending. */
  public boolean timerPending;
  public long irqs;
  /** CQ events seen by a running handler of the MSI-X vector (no interrupt of their own). */
  public long eqMerged;
  /**
   * The ring's MSI-X vector and EQ (shared with the TX CQs of rings txq % rx rings, mlx4_en_activate_cq): until
   * when the vector's running handler still polls the EQ (mlx4_eq_int loops until the EQ is empty, then re-arms
   * it), and whether an interrupt of the vector is queued behind another handler on its core.
   */
  public long eqSeenUntil;
  public boolean eqQueued;
  /** Frame bytes received (ring->bytes of mlx4_en; the adaptive moderation's average packet size). */
  public long bytes;
  /**
   * Current CQ moderation time (cq->moder_time): the profile's rx-usecs, changed by adaptive RX
   * coalescing ({@code mlx4_en_auto_moderation}) when enabled.
   */
  public long moderNanos;
  /** Packets/bytes at the last adaptive-moderation sample (priv->last_moder_packets/bytes). */
  public long lastModerPackets, lastModerBytes;

  public RxRing(int queue, int capacity) {
    this.queue = queue;
    this.capacity = capacity;
    // Storage is allocated on the first packet and grows on demand up to the descriptor count: an idle ring holds none, not
    // capacity x 12 B (16 rings x 1024 descriptors were ~200 KB per idle host).
  }

  private static final int INITIAL = 8;

  /** Doubles the storage (a power of two, never above the next power of two of the capacity). */
  private void grow() {
    int n = pkts.length * 2;
    Packet[] np = new Packet[n];
    long[] na = new long[n];
    for (int i = 0; i < size; i++) {
      int j = (head + i) & (pkts.length - 1);
      np[i] = pkts[j];
      na[i] = at[j];
    }
    pkts = np;
    at = na;
    head = 0;
  }

  public int size() {
    return size;
  }

  /** Adds a packet arriving at {@code t}; false (drop counted) when the ring is full. */
  public boolean offer(Packet p, long t) {
    return offer(p, t, 0);
  }

  /** As {@link #offer(Packet, long)}, counting {@code frameBytes} in {@link #bytes}. */
  public boolean offer(Packet p, long t, int frameBytes) {
    if (size >= capacity) {
      dropped++;
      return false;
    }
    if (pkts == null) {
      pkts = new Packet[INITIAL];
      at = new long[INITIAL];
    } else if (size == pkts.length) {
      grow();
    }
    int i = (head + size) & (pkts.length - 1);
    pkts[i] = p;
    at[i] = t;
    size++;
    received++;
    bytes += frameBytes;
    return true;
  }

  /** Packets whose arrival time is at or before {@code t}. */
  public int ready(long t) {
    int n = 0;
    while (n < size && at[(head + n) & (pkts.length - 1)] <= t) n++;
    return n;
  }

  /** Time of the next packet not yet arrived at {@code t}, or -1. */
  public long nextArrivalAfter(long t) {
    int r = ready(t);
    return r < size ? at[(head + r) & (pkts.length - 1)] : -1;
  }

  public Packet poll() {
    if (size == 0) return null;
    Packet p = pkts[head];
    pkts[head] = null;
    head = (head + 1) & (pkts.length - 1);
    size--;
    return p;
  }
}
