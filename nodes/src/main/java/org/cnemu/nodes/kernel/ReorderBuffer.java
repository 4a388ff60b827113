package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cnemu.devices.Packet;

/**
 * mFlow's merge point: a per-flow reorder buffer just before the transport of the destination
 * namespace ({@link org.cnemu.kernel.api.Boundary#TRANSPORT}). Micro-flows processed on
 * different cores reach it out of order; it releases skbs only in sequence (TCP: byte sequence;
 * UDP: datagram number, then fragment index), so the transport never sees reordering. A gap left
 * by a packet lost before the merge is given up after {@code timeoutNanos} on a timer (armed when
 * the first skb parks behind the gap: {@link #takeArm}, fired by the host as a
 * {@link CoreEntity.MergeTimer}: {@link #onTimer}), or at once when {@code limit} skbs wait; what
 * waits is then released in order.
 *
 * <p>Costs: an skb that passes in order costs nothing extra; one that must wait is parked in a
 * queue and costs {@code backlog-enqueue} (the profile's cost of a per-CPU queue insert).
 */
final class ReorderBuffer {
  private static final int FRAG_BITS = 16;

  private static final class Flow {
    final int id;
    long next; // key of the next skb to release
    final TreeMap<Long, Packet> held = new TreeMap<>();
    long oldestAt = -1;
    int heldSegs;
    boolean armed;

    Flow(int id) {
      this.id = id;
    }
  }

  private final Flow[] flows;
  private final long timeoutNanos;
  private final int limit;
  private final java.util.function.IntUnaryOperator slotOf;
  long parked;
  long gapsGivenUp;
  private long inside;
  /** Deadline of a timer the caller must arm for the flow of the last offer/onTimer, or -1. */
  private long arm = -1;
  private int armFlow = -1;

  /**
   * @param flows how many flows the host has
   * @param slotOf a flow's index among them (per-host state never scales with the experiment's flow count)
   */
  ReorderBuffer(int flows, java.util.function.IntUnaryOperator slotOf, long timeoutNanos, int limit) {
    this.flows = new Flow[flows];
    this.slotOf = slotOf;
    this.timeoutNanos = timeoutNanos;
    this.limit = limit;
  }

  static long key(Packet s) {
    return s.udp() ? (s.seq() << FRAG_BITS) | s.frag() : s.seq();
  }

  static long nextKey(Packet s) {
    if (!s.udp()) return s.endSeq();
    return s.ufo() || s.frag() >= s.frags() - 1 ? (s.seq() + 1) << FRAG_BITS : (s.seq() << FRAG_BITS) | (s.frag() + 1);
  }

  /** Wire packets waiting in the buffers (conservation: in flight). */
  long packetsInside() {
    return inside;
  }

  /**
   * Offers a data skb arriving at time {@code now}; returns the skbs to hand to the transport now,
   * in order (possibly empty). Pure ACKs are never offered.
   */
  List<Packet> offer(Packet s, long now) {
    int i = slotOf.applyAsInt(s.flow());
    Flow f = flows[i];
    if (f == null) f = flows[i] = new Flow(s.flow());
    List<Packet> out = new ArrayList<>(1);
    long k = key(s);
    if (k <= f.next || (!s.udp() && s.seq() < f.next)) {
      // in order, or old data (a retransmission): straight through
      out.add(s);
      if (k == f.next || nextKey(s) > f.next) f.next = Math.max(f.next, nextKey(s));
      drain(f, out, now);
      armIfNeeded(f);
      return out;
    }
    f.held.put(k, s);
    f.heldSegs += s.segs();
    inside += s.segs();
    parked++;
    if (f.oldestAt < 0) f.oldestAt = now;
    if (f.held.size() > limit) {
      gapsGivenUp++;
      f.next = f.held.firstKey();
      drain(f, out, now);
    }
    armIfNeeded(f);
    return out;
  }

  private void armIfNeeded(Flow f) {
    if (!f.armed && !f.held.isEmpty()) {
      f.armed = true;
      arm = f.oldestAt + timeoutNanos;
      armFlow = f.id;
    }
  }

  /** The flow of the deadline {@link #takeArm} returns. */
  int armFlow() {
    return armFlow;
  }

  /** The deadline of a gap timer to arm for the flow just offered to (once per waiting gap), or -1. */
  long takeArm() {
    long a = arm;
    arm = -1;
    return a;
  }

  /**
   * The gap timer of flow {@code flow} fired at {@code now}: if skbs have waited behind the same gap
   * for {@code timeoutNanos}, give the gap up and return what can go in order (re-arming for a
   * later gap via {@link #takeArm}); if the gap moved meanwhile, re-arm for the new one.
   */
  List<Packet> onTimer(int flow, long now) {
    Flow f = flows[slotOf.applyAsInt(flow)];
    List<Packet> out = new ArrayList<>();
    if (f == null) return out;
    f.armed = false;
    if (f.held.isEmpty()) return out;
    if (now - f.oldestAt >= timeoutNanos) {
      gapsGivenUp++;
      f.next = f.held.firstKey();
      drain(f, out, now);
    }
    armIfNeeded(f);
    return out;
  }

  private void drain(Flow f, List<Packet> out, long now) {
    int before = out.size();
    while (!f.held.isEmpty()) {
      Map.Entry<Long, Packet> e = f.held.firstEntry();
      Packet p = e.getValue();
      if (e.getKey() > f.next && !(!p.udp() && p.seq() <= f.next)) break;
      f.held.pollFirstEntry();
      f.heldSegs -= p.segs();
      inside -= p.segs();
      out.add(p);
      f.next = Math.max(f.next, nextKey(p));
    }
    f.oldestAt = f.held.isEmpty() ? -1 : (out.size() > before ? now : f.oldestAt);
  }
}
