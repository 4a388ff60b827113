package org.cnemu.devices;

import java.util.ArrayList;
import java.util.List;

/**
 * A NAPI instance's GRO list (napi->gro_list, Linux 4.4 dev_gro_receive / tcp_gro_receive / napi_gro_flush): it
 * holds up to {@link #MAX_HELD} TCP data aggregates (MAX_GRO_SKBS), one per flow and direction. A data segment
 * that continues a held aggregate in sequence joins it, up to {@code maxSegs} segments (GRO_MAX_SIZE 64 KiB);
 * one of a held flow that does not (out of sequence, a retransmission, or the aggregate full) sends the held
 * aggregate up the stack and is held in its place; a new flow on a full list sends the oldest up. UDP, pure ACKs
 * and fragments are never held: they go up the stack at once. What is still held goes up at
 * {@link #flush}, oldest first (napi_complete_done; a repolled NAPI's napi_poll with HZ >= 1000 flushes only
 * what was held before the current jiffy).
 */
public final class Gro {
  /** MAX_GRO_SKBS: the flows a GRO list holds at once. */
  public static final int MAX_HELD = 8;

  private final int maxSegs;
  /** The held aggregates, oldest first. */
  private final Packet[] held = new Packet[MAX_HELD];
  /** The jiffy each held aggregate was first held in (NAPI_GRO_CB(skb)->age). */
  private final long[] heldJiffy = new long[MAX_HELD];
  private int count;

  public Gro(int maxSegs) {
    this.maxSegs = maxSegs;
  }

  /** GRO over one batch with a list of its own, flushed at the batch's end (a gro_cell's or backlog's poll). */
  public static List<Packet> coalesce(List<Packet> in, int maxSegs) {
    Gro g = new Gro(maxSegs);
    List<Packet> out = new ArrayList<>(in.size());
    for (Packet p : in) g.receive(p, 0, out);
    g.flush(-1, out);
    return out;
  }

  /** Aggregates held now. */
  public int held() {
    return count;
  }

  /** Wire packets held (for conservation): the segments of the held aggregates. */
  public long packetsInside() {
    long n = 0;
    for (int k = 0; k < count; k++) n += held[k].segs();
    return n;
  }

  /**
   * napi_gro_receive of {@code p} in jiffy {@code jiffy}: appends to {@code up} what goes up the stack now
   * ({@code p} itself when it cannot be held, the aggregate it ends, the oldest aggregate of a full list).
   */
  public void receive(Packet p, long jiffy, List<Packet> up) {
    if (p.udp() || p.isAck() || p.len() == 0 || p.fragmented()) {
      up.add(p);
      return;
    }
    for (int k = 0; k < count; k++) {
      Packet a = held[k];
      if (a.flow() != p.flow() || a.dir() != p.dir()) continue;
      if (a.endSeq() == p.seq() && a.retx() == p.retx() && a.segs() + p.segs() <= maxSegs) {
        held[k] = new Packet(a.flow(), a.dir(), false, a.seq(), a.len() + p.len(), a.segs() + p.segs(), p.ack(),
            p.wnd(), a.sack0(), a.sack1(), a.sack2(), (short) 0, (short) 1, a.hash(), a.prio(), a.dstHost(),
            a.sentNanos(), a.retx(), Journey.merge(a.journey(), p.journey()));
        return;
      }
      up.add(a); // tcp_gro_receive's flush: the held aggregate goes up, p is held instead
      remove(k);
      break;
    }
    if (count == MAX_HELD) { // dev_gro_receive: the oldest flow goes up
      up.add(held[0]);
      remove(0);
    }
    held[count] = p;
    heldJiffy[count] = jiffy;
    count++;
  }

  /**
   * napi_gro_flush: appends the held aggregates to {@code up}, oldest first, stopping at the first held in
   * jiffy {@code keepJiffy} (napi_gro_flush's flush_old; -1 flushes all).
   */
  public void flush(long keepJiffy, List<Packet> up) {
    int k = 0;
    while (k < count && heldJiffy[k] != keepJiffy) up.add(held[k++]);
    System.arraycopy(held, k, held, 0, count - k);
    System.arraycopy(heldJiffy, k, heldJiffy, 0, count - k);
    for (int i = count - k; i < count; i++) held[i] = null;
    count -= k;
  }

  private void remove(int k) {
    System.arraycopy(held, k + 1, held, k, count - k - 1);
    System.arraycopy(heldJiffy, k + 1, heldJiffy, k, count - k - 1);
    held[--count] = null;
  }
}
