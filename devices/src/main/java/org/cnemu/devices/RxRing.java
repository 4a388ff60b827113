package org.cnemu.devices;

/**
 * An RX descriptor ring of one NIC queue: wire packets with the virtual time their last bit
 * arrived (a train is written at its first arrival, later packets become visible at their own
 * time). Plus the queue's interrupt state (masked while NAPI polls; re-armed by napi_complete).
 */
public final class RxRing {
  public final int queue;
  public final int capacity;
  private Packet[] pkts;
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

  public RxRing(int queue, int capacity) {
    this.queue = queue;
    this.capacity = capacity;
    int c = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1);
    pkts = new Packet[c];
    at = new long[c];
  }

  public int size() {
    return size;
  }

  /** Adds a packet arriving at {@code t}; false (drop counted) when the ring is full. */
  public boolean offer(Packet p, long t) {
    if (size >= capacity) {
      dropped++;
      return false;
    }
    int i = (head + size) & (pkts.length - 1);
    pkts[i] = p;
    at[i] = t;
    size++;
    received++;
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
