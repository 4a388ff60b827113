package org.cnemu.devices;

/**
 * A bounded FIFO of skbs with a resume stage each: the per-CPU backlog (enqueue_to_backlog,
 * limit netdev_max_backlog) or a VXLAN gro_cell (limit netdev_max_backlog). Counts packets
 * (wire segments) enqueued/dequeued, as RFS's input_queue_head/tail do.
 *
 * <p>Layout: one ring of packets and a parallel ring of stages (no boxing), allocated on the first
 * offer and doubled on demand; a host has four of these per CPU and most stay empty, so an idle
 * queue holds no storage at all.
 */
public final class PacketQueue {
  public final String name;
  private final int limit;
  private Packet[] q;
  private byte[] stage;
  private int head;
  private int size;
  public long enqueued;
  public long dequeued;
  public long dropped;

  public PacketQueue(String name, int limit) {
    this.name = name;
    this.limit = limit;
  }

  /** False (and counts a drop) when the queue already holds {@code limit} skbs. */
  public boolean offer(Packet p, int resumeStage) {
    if (size >= limit) {
      dropped += p.segs();
      return false;
    }
    if (resumeStage < 0 || resumeStage > Byte.MAX_VALUE) throw new IllegalArgumentException("stage " + resumeStage);
    if (q == null) {
      q = new Packet[8];
      stage = new byte[8];
    } else if (size == q.length) {
      grow();
    }
    int i = (head + size) & (q.length - 1);
    q[i] = p;
    stage[i] = (byte) resumeStage;
    size++;
    enqueued += p.segs();
    return true;
  }

  private void grow() {
    int n = q.length * 2;
    Packet[] nq = new Packet[n];
    byte[] ns = new byte[n];
    for (int i = 0; i < size; i++) {
      int j = (head + i) & (q.length - 1);
      nq[i] = q[j];
      ns[i] = stage[j];
    }
    q = nq;
    stage = ns;
    head = 0;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /**
   * Entry {@code i} of a per-CPU array filled on first use: PRISM's high-priority queues exist only
   * on hosts whose policy uses them (each queue object is 64 B; 40 per idle 20-core host otherwise).
   */
  public static PacketQueue at(PacketQueue[] queues, int i, String name, int limit) {
    PacketQueue q = queues[i];
    if (q == null) q = queues[i] = new PacketQueue(name, limit);
    return q;
  }

  /** Whether a queue of such an array is empty; one never used (null) is. */
  public static boolean isEmpty(PacketQueue q) {
    return q == null || q.size == 0;
  }

  /** Packets held by a queue of such an array (0 for one never used). */
  public static long packetsInside(PacketQueue q) {
    return q == null ? 0 : q.packetsInside();
  }

  public int size() {
    return size;
  }

  public Packet peek() {
    return size == 0 ? null : q[head];
  }

  /** Resume stage of the head skb (the queue must not be empty). */
  public int peekStage() {
    if (size == 0) throw new java.util.NoSuchElementException("empty " + name);
    return stage[head];
  }

  public Packet poll() {
    if (size == 0) return null;
    Packet p = q[head];
    q[head] = null;
    head = (head + 1) & (q.length - 1);
    size--;
    dequeued += p.segs();
    return p;
  }

  /** Wire packets inside (for conservation): every enqueued segment not yet dequeued. */
  public long packetsInside() {
    return enqueued - dequeued;
  }
}
