package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.devices.RxRing;
import org.cnemu.devices.TxRing;
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
  protected void onStart() {
    for (RxRing r : h.rings) r.moderNanos = h.p.rxUsecs;
    if (h.p.adaptiveRx) schedule(h.p.adaptiveRxSampleNanos, new Msgs.AutoModer());
  }

  @Override
  protected void onMessage(Object m) {
    if (m instanceof Msgs.Tx tx) {
      transmit(tx.skb(), tx.txq());
    } else if (m instanceof Msgs.WireTrain w) {
      receive(w);
    } else if (m instanceof Msgs.ModTimer t) {
      RxRing r = h.rings[t.queue()];
      r.timerPending = false;
      if (r.armed) fire(r, 0);
    } else if (m instanceof Msgs.TxModTimer t) {
      TxRing r = h.txRings[t.queue()];
      if (r.timerPending && r.timerGen == t.gen()) {
        r.timerPending = false;
        if (r.armed) fireTx(r, 0);
      }
    } else if (m instanceof Msgs.AutoModer a) {
      autoModeration();
      if (now() + h.p.adaptiveRxSampleNanos < endNanos()) schedule(h.p.adaptiveRxSampleNanos, a);
    }
  }

  /**
   * mlx4_en_auto_moderation (en_netdev.c, Linux 4.4): per RX ring, packet rate and average size over
   * the sample period pick the CQ's moder_time: rx_usecs_low below pkt_rate_low, rx_usecs_high above
   * pkt_rate_high, linear in between; rx_usecs_low when the rate is under MLX4_EN_RX_RATE_THRESH /
   * rx_ring_num or the packets are small (avg <= MLX4_EN_AVG_PKT_SMALL).
   */
  private void autoModeration() {
    long period = h.p.adaptiveRxSampleNanos;
    for (RxRing r : h.rings) {
      long packets = r.received - r.lastModerPackets;
      long rate = packets * 1_000_000_000L / period;
      long avg = packets > 0 ? (r.bytes - r.lastModerBytes) / packets : 0;
      long moder;
      if (rate > h.p.adaptiveRateThresh / h.rings.length && avg > h.p.avgPktSmall) {
        if (rate < h.p.pktRateLow) moder = h.p.rxUsecsLow;
        else if (rate > h.p.pktRateHigh) moder = h.p.rxUsecsHigh;
        else moder = (rate - h.p.pktRateLow) * (h.p.rxUsecsHigh - h.p.rxUsecsLow) / (h.p.pktRateHigh - h.p.pktRateLow)
            + h.p.rxUsecsLow;
      } else {
        moder = h.p.rxUsecsLow;
      }
      r.moderNanos = moder;
      r.lastModerPackets = r.received;
      r.lastModerBytes = r.bytes;
    }
  }

  /**
   * TX completion: the skb's CQE is written when its last byte left (TSO: one WQE, one CQE). An armed
   * CQ raises its event tx-usecs after the first new CQE, or at the tx-frames-th CQE if earlier.
   */
  private void txComplete(TxRing r, long completeAt) {
    if (!h.p.txCqInterrupts) {
      // polling mode: the xmit path reaps completed descriptors (its CPU cost is charged in driverTx)
      r.clean(now(), Integer.MAX_VALUE);
      r.post(completeAt);
      if (r.wakeIfRoom()) h.netTx++;
      return;
    }
    r.post(completeAt);
    if (!r.armed) return;
    long at = Math.max(completeAt, r.armedAt);
    r.sinceArm++;
    if (r.sinceArm >= h.p.txFrames) {
      r.timerPending = false;
      r.timerGen++;
      fireTx(r, at - now());
    } else if (!r.timerPending) {
      r.timerPending = true;
      r.timerGen++;
      schedule(at - now() + h.p.txUsecs, new Msgs.TxModTimer(r.queue, r.timerGen));
    }
  }

  void fireTx(TxRing r, long delay) {
    r.armed = false;
    r.sinceArm = 0;
    r.irqs++;
    send(h.coreRefs[h.irqCpu(r.queue % h.rings.length)], delay + h.p.irqLatency, new Msgs.TxIrq(r.queue));
  }

  private void transmit(Packet s, int txq) {
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
    long rate = h.hs.linkRateBps();
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
    txComplete(h.txRings[txq], txBusyUntil);
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
      if (!r.offer(p, t, p.len() + overhead(p) - 24)) { // frame bytes (no preamble, IFG, FCS)
        h.drop("nic_ring", "ring_full", 1);
        continue;
      }
      if (r.armed && !r.timerPending) {
        long at = Math.max(t, r.armedAt);
        if (r.size() >= h.p.rxFrames) fire(r, Math.max(0, at - now()));
        else {
          r.timerPending = true;
          schedule(at - now() + r.moderNanos, new Msgs.ModTimer(q));
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
