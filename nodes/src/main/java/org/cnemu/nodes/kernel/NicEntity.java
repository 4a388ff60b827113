package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.devices.RxRing;
import org.cnemu.emulator.Channel;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;

/**
 * The host's physical NIC: RX side (RSS to a queue, descriptor ring, interrupt moderation, IRQ to the
 * queue's affinity core) and TX side (TSO segmentation, serialization onto the uplink at line rate,
 * one message per train over the fabric channel whose lookahead is the propagation delay).
 */
final class NicEntity extends Entity<Object> {
  /** Ethernet preamble+SFD 8, header 14, FCS 4, IFG 12. */
  static final int ETH_WIRE = 38;
  static final int IP_TCP = 52;
  static final int IP_UDP = 28;
  static final int VXLAN = 50;

  private final HostKernel h;
  private final EntityRef<Object> switchRef;
  private final long prop;
  Channel uplink;
  long txBusyUntil;
  long txPackets;
  long rxPackets;

  NicEntity(HostKernel h, EntityRef<Object> switchRef, long propNanos) {
    this.h = h;
    this.switchRef = switchRef;
    this.prop = propNanos;
    h.nic = this;
  }

  int overhead(Packet p) {
    int o = ETH_WIRE + (p.udp() ? (p.fragmented() && p.frag() > 0 ? 20 : IP_UDP) : IP_TCP);
    return h.stack.overlay() ? o + VXLAN : o;
  }

  @Override
  protected void onMessage(Object m) {
    if (m instanceof Msgs.Tx tx) {
      transmit(tx.skb());
    } else if (m instanceof Msgs.WireTrain w) {
      receive(w);
    } else if (m instanceof Msgs.ModTimer t) {
      RxRing r = h.rings[t.queue()];
      r.timerPending = false;
      if (r.armed) fire(r, 0);
    }
  }

  private void transmit(Packet s) {
    int mss = h.p.mss();
    Packet[] pk;
    if (s.segs() <= 1 || s.udp()) {
      pk = new Packet[] {s.segs() <= 1 ? s : s.slice(s.seq(), s.len(), 1)};
    } else {
      pk = new Packet[s.segs()];
      long seq = s.seq();
      int left = s.len();
      for (int i = 0; i < pk.length; i++) {
        int l = Math.min(mss, left);
        pk[i] = s.slice(seq, l, 1);
        seq += l;
        left -= l;
      }
    }
    long rate = h.spec.linkRateBps;
    long start = Math.max(now(), txBusyUntil);
    long first = 0;
    long total = 0;
    for (int i = 0; i < pk.length; i++) {
      long ser = serNanos(pk[i].len() + overhead(pk[i]), rate);
      if (i == 0) first = ser;
      total += ser;
    }
    txBusyUntil = start + total;
    txPackets += pk.length;
    send(uplink, switchRef, start - now() + first + prop, new Msgs.WireTrain(pk, rate, overhead(pk[0])));
  }

  static long serNanos(long bytes, long rate) {
    return (bytes * 8L * 1_000_000_000L + rate - 1) / rate;
  }

  private void receive(Msgs.WireTrain w) {
    long t = now();
    for (int i = 0; i < w.pkts().length; i++) {
      Packet p = w.pkts()[i];
      if (i > 0) t += serNanos(p.len() + w.wireOverhead(), w.bitsPerSec());
      rxPackets++;
      int q = queueOf(p);
      RxRing r = h.rings[q];
      if (!r.offer(p, t)) {
        h.drop("nic_ring", "ring_full", 1);
        continue;
      }
      if (r.armed && !r.timerPending) {
        long at = Math.max(t, r.armedAt);
        if (r.size() >= h.p.rxFrames) fire(r, Math.max(0, at - now()));
        else {
          r.timerPending = true;
          schedule(at - now() + h.p.rxUsecs, new Msgs.ModTimer(q));
        }
      }
    }
  }

  private void fire(RxRing r, long delay) {
    r.armed = false;
    send(h.coreRefs[h.irqCpu(r.queue)], delay + h.p.irqLatency, new Msgs.Irq(r.queue));
  }

  /** RSS: indirection table over the hash of the outer headers. */
  private int queueOf(Packet p) {
    long ports;
    if (h.stack.overlay()) {
      ports = h.p.rssUdpPorts ? (p.hash() & 0xffffL) : -1; // VXLAN source port = inner flow hash
    } else if (p.fragmented()) {
      ports = -1; // fragments carry no L4 header: 2-tuple hash
    } else if (p.udp() && !h.p.rssUdpPorts) {
      ports = -1;
    } else {
      ports = p.hash() & 0xffffffffL;
    }
    int src = p.isAck() ? h.spec.flows.get(p.flow()).dstHost() : h.spec.flows.get(p.flow()).srcHost();
    int hash = org.cnemu.devices.Hashing.rss(src, h.hs.index(), ports);
    return (int) Long.remainderUnsigned(hash & 0xffffffffL, h.rings.length);
  }

  @Override
  protected Object report() {
    return h.report(this);
  }
}
