package org.cnemu.devices;

import java.util.ArrayDeque;

/**
 * A bounded FIFO of skbs with a resume stage each: the per-CPU backlog (enqueue_to_backlog,
 * limit netdev_max_backlog) or a VXLAN gro_cell (limit netdev_max_backlog). Counts packets
 * (wire segments) enqueued/dequeued, as RFS's input_queue_head/tail do.
 */
public final class PacketQueue {
  public final String name;
  private final int limit;
  private final ArrayDeque<Packet> q = new ArrayDeque<>();
  private final ArrayDeque<Integer> stage = new ArrayDeque<>();
  public long enqueued;
  public long dequeued;
  public long dropped;
  private long segsInside;

  public PacketQueue(String name, int limit) {
    this.name = name;
    this.limit = limit;
  }

  /** False (and counts a drop) when the queue already holds {@code limit} skbs. */
  public boolean offer(Packet p, int resumeStage) {
    if (q.size() >= limit) {
      dropped += p.segs();
      return false;
    }
    q.add(p);
    stage.add(resumeStage);
    enqueued += p.segs();
    segsInside += p.segs();
    return true;
  }

  public boolean isEmpty() {
    return q.isEmpty();
  }

  public int size() {
    return q.size();
  }

  public Packet peek() {
    return q.peek();
  }

  public int peekStage() {
    return stage.peek();
  }

  public Packet poll() {
    Packet p = q.poll();
    stage.poll();
    if (p != null) {
      dequeued += p.segs();
      segsInside -= p.segs();
    }
    return p;
  }

  /** Wire packets inside (for conservation). */
  public long packetsInside() {
    return segsInside;
  }
}
