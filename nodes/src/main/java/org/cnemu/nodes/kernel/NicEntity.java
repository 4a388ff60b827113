package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;
import org.cnemu.devices.SackBlocks;
import org.cnemu.devices.TxRing;
import org.cnemu.emulator.CarriesPackets;
import org.cnemu.emulator.Channel;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;

/**
 * The host's physical NIC ("hX/nic"): the link. RX side: RSS dispatch of each arriving wire train to
 * the {@link NicQueue} entity of its queue (which owns the ring, interrupt moderation and the IRQ). TX
 * side: TSO segmentation, serialization onto the uplink at line rate (one serializer per link), one
 * message per train over the fabric channel whose lookahead is the propagation delay, and the TX
 * rings' completion queues.
 */
final class NicEntity extends Entity<NicEntity.Msg> {
  /** What the NIC handles; each message names its handler. */
  sealed interface Msg permits SwitchEntity.WireTrain, Tx, TxModTimer {
    void deliver(NicEntity n);
  }

  /** An skb handed to the pNIC for transmission on TX queue {@code txq} (XPS: the sending CPU's queue). */
  record Tx(Packet skb, int txq) implements Msg, CarriesPackets {
    @Override
    public int packetCount() {
      return skb.segs();
    }

    @Override
    public void deliver(NicEntity n) {
      n.transmit(skb, txq);
    }
  }

  /** TX CQ moderation timer (stale unless {@code gen} matches). */
  record TxModTimer(int queue, long gen) implements Msg {
    @Override
    public void deliver(NicEntity n) {
      n.onTxModTimer(this);
    }
  }

  /** Ethernet preamble+SFD 8, header 14, FCS 4, IFG 12. */
  static final int ETH_WIRE = 38;
  /** IP 20 + TCP 20 + the timestamp option 12 (TCPOLEN_TSTAMP_ALIGNED). */
  static final int IP_TCP = 20 + 20 + SackBlocks.TIMESTAMP_OPTION_BYTES;
  static final int IP_UDP = 28;
  /** Outer IP, UDP, VXLAN, inner Ethernet: what an overlay's MTU gives up so its frames fit the network's. */
  static final int VXLAN = Profile.VXLAN_HEADROOM_BYTES;

  private final HostKernel h;
  private final EntityRef<SwitchEntity.Msg> switchRef;
  private final long prop;
  /**
   * What every transmitted or received packet reads of the host, copied here when the NIC is built (its
   * entity is allocated with the host's other entities, the {@link HostKernel} long before and elsewhere): the
   * profile (one object for the run), whether the stack is an overlay, the link rate, the TX rings, the RX
   * queues' entities and the core each TX ring interrupts. With many hosts the host object (and its spec copy)
   * was one or two more cold lines per NIC event, read before anything else.
   */
  private final org.cnemu.devices.Profile p;
  private final boolean overlay;
  /** The MSS of the host's sockets (its stack's route MTU): a TSO skb's wire packets carry this much. */
  private final int mssBytes;
  private final long linkRateBps;
  private final TxRing[] txRings;
  private final int rxRings;
  /** Addresses ({@code EntityRef.address()}): the RX queues' entities, the core of each TX ring's interrupt. */
  private final long[] rxQueueAddr;
  private final long[] txIrqCoreAddr;
  Channel uplink;
  long txBusyUntil;
  long txPackets;
  long rxPackets;
  /**
   * The last RSS answer ({@link #queueOf}): its flow, direction and ports, and the queue. A NIC's trains mostly
   * come from one flow direction at a time, and the answer's inputs (the run-wide flow record, the host's spec)
   * are cold with many hosts: one miss each per packet, and a Toeplitz hash.
   */
  private int rssFlow = -1;
  private boolean rssAck;
  private long rssPorts;
  private int rssQueue;
  /** RSS hashes computed (for tests: one per change of flow direction, not one per packet). */
  long rssHashes;
  /**
   * The TX ring of the last post or timer: XPS maps each sending CPU to one ring, so a NIC's next TX event mostly
   * finds its ring here, without reading the ring array (one more dependent cold line per event with many hosts).
   */
  private TxRing txLast;
  /** Reads of the ring array by {@link #txRing} (for tests: one per change of ring, not one per event). */
  long txRingLookups;

  NicEntity(HostKernel h, EntityRef<SwitchEntity.Msg> switchRef, long propNanos) {
    this.h = h;
    this.switchRef = switchRef;
    this.prop = propNanos;
    this.p = h.p;
    this.overlay = h.stack.overlay();
    this.mssBytes = p.mssBytes(h.stack);
    this.linkRateBps = h.hs.linkRateBps();
    this.txRings = h.txRings;
    this.rxRings = h.rxQueues.length;
    this.rxQueueAddr = h.rxQueueAddr;
    long[] irqOf = new long[txRings.length];
    for (int q = 0; q < irqOf.length; q++) irqOf[q] = h.coreAddr[h.irqCpu(q % rxRings)];
    this.txIrqCoreAddr = irqOf;
    h.nic = this;
  }

  int overhead(Packet pkt) {
    return overhead(overlay, pkt);
  }

  /** Wire bytes beside the payload of {@code p} on host {@code h}'s link. */
  static int overhead(HostKernel h, Packet p) {
    return overhead(h.stack.overlay(), p);
  }

  /**
   * Wire bytes beside the payload of {@code p} on a link of an overlay stack ({@code overlay}) or not: a TCP
   * segment's header includes its SACK option (an ACK's 12, 20 or 28 B), as tcp_established_options sizes it. An IP
   * fragment's (and a UFO skb's) length already holds its part of the UDP header (the first fragment's 8 B), so
   * each fragment adds its IP header only: a 1480 B fragment is a 1500 B IP packet.
   */
  static int overhead(boolean overlay, Packet p) {
    int o = ETH_WIRE + (p.udp() ? (p.fragmented() ? 20 : IP_UDP) : IP_TCP + p.sackOptionBytes());
    return overlay ? o + VXLAN : o;
  }

  @Override
  protected void onMessage(Msg m) {
    m.deliver(this);
  }

  private void onTxModTimer(TxModTimer t) {
    TxRing r = txRing(t.queue());
    if (r.timerPending && r.timerGen == t.gen()) {
      r.timerPending = false;
      if (r.armed) fireTx(r, 0);
    }
  }

  /**
   * TX completion: the skb's CQE is written when its last byte left (TSO: one WQE, one CQE). An armed
   * CQ raises its event tx-usecs after the first new CQE, or at the tx-frames-th CQE if earlier.
   */
  private void txComplete(TxRing r, long completeAt) {
    if (!p.txCqInterrupts) {
      // polling mode: the xmit path reaps completed descriptors (its CPU cost is charged in driverTx)
      r.clean(now(), Integer.MAX_VALUE);
      r.post(completeAt);
      if (r.wakeIfRoom() && now() >= h.warmup) h.netTx++; // netif_tx_wake_queue raises NET_TX
      return;
    }
    r.post(completeAt);
    if (!r.armed) return;
    long at = Math.max(completeAt, r.armedAt);
    r.sinceArm++;
    if (r.sinceArm >= p.txFrames) {
      r.timerPending = false;
      r.timerGen++;
      fireTx(r, at - now());
    } else if (!r.timerPending) {
      r.timerPending = true;
      r.timerGen++;
      schedule(at - now() + p.txUsecs, new TxModTimer(r.queue, r.timerGen));
    }
  }

  void fireTx(TxRing r, long delay) {
    r.armed = false;
    r.sinceArm = 0;
    toCore(txIrqCoreAddr[r.queue], delay + p.irqLatency, new CoreEntity.TxIrq(r.queue));
  }

  private void transmit(Packet s, int txq) {
    int mss = mssBytes;
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
    long rate = linkRateBps;
    long start = Math.max(now(), txBusyUntil);
    long first = 0;
    long total = 0;
    for (int i = 0; i < pk.length; i++) {
      long ser = serNanos(pk[i].len() + overhead(pk[i]), rate);
      if (i == 0) first = ser;
      total += ser;
    }
    txBusyUntil = start + total;
    org.cnemu.devices.Journey j = s.journey();
    if (j != null) { // the journey rides the first wire packet
      if (pk[0].journey() == null) pk[0] = pk[0].withJourney(j);
      j.add(Journeys.NIC_TX, org.cnemu.devices.Journey.FABRIC, start, start + first);
      j.add(Journeys.LINK, org.cnemu.devices.Journey.FABRIC, start + first, start + first + prop);
    }
    txPackets += pk.length;
    txComplete(txRing(txq), txBusyUntil);
    send(uplink, switchRef, start - now() + first + prop, new SwitchEntity.WireTrain(pk, rate, overhead(pk[0])));
  }

  /** The TX ring of the last TX event and its completion storage (a transmit posts into it). */
  @Override
  protected long prefetch() {
    TxRing r = txLast;
    return r == null ? 0 : r.prefetch();
  }

  /** TX ring {@code q}: {@link #txLast} when it is that ring. */
  TxRing txRing(int q) {
    TxRing r = txLast;
    if (r == null || r.queue != q) {
      txLast = r = txRings[q];
      txRingLookups++;
    }
    return r;
  }

  static long serNanos(long bytes, long rate) {
    return (bytes * 8L * 1_000_000_000L + rate - 1) / rate;
  }

  /**
   * RSS dispatch: each maximal run of consecutive packets of the train that hash to one queue goes to that
   * queue's entity when its first packet has arrived (one message per train in practice: a train is one
   * flow, so one queue), as a train of its own whose packets keep their back-to-back arrival times.
   */
  void receive(SwitchEntity.WireTrain w) {
    Packet[] pk = w.pkts();
    if (pk.length == 0) return;
    rxPackets += pk.length;
    long t = now();
    int start = 0;
    long startAt = t;
    int q0 = queueOf(pk[0]);
    for (int i = 1; i <= pk.length; i++) {
      int q = -1;
      if (i < pk.length) {
        t += serNanos(pk[i].len() + w.wireOverhead(), w.bitsPerSec());
        q = queueOf(pk[i]);
        if (q == q0) continue;
      }
      SwitchEntity.WireTrain part = start == 0 && i == pk.length ? w
          : new SwitchEntity.WireTrain(java.util.Arrays.copyOfRange(pk, start, i), w.bitsPerSec(), w.wireOverhead());
      toQueue(rxQueueAddr[q0], startAt - now(), part);
      start = i;
      startAt = t;
      q0 = q;
    }
  }

  /** RSS: indirection table over the hash of the outer headers, keyed by this host's Toeplitz key. */
  int queueOf(Packet pkt) {
    long ports;
    if (overlay) {
      ports = p.rssUdpPorts ? (pkt.hash() & 0xffffL) : -1; // VXLAN source port = inner flow hash
    } else if (pkt.fragmented()) {
      ports = -1; // fragments carry no L4 header: 2-tuple hash
    } else if (pkt.udp() && !p.rssUdpPorts) {
      ports = -1;
    } else {
      ports = pkt.hash() & 0xffffffffL;
    }
    boolean ack = pkt.isAck();
    if (pkt.flow() == rssFlow && ack == rssAck && ports == rssPorts) return rssQueue;
    int src = ack ? h.spec.flows.get(pkt.flow()).dstHost() : h.spec.flows.get(pkt.flow()).srcHost();
    int hash = org.cnemu.devices.Hashing.rss(h.hs.rssKey(), src, h.hs.index(), ports);
    rssHashes++;
    rssFlow = pkt.flow();
    rssAck = ack;
    rssPorts = ports;
    return rssQueue = (int) Long.remainderUnsigned(hash & 0xffffffffL, rxRings);
  }

  @Override
  protected Object report() {
    return HostResults.report(h, this);
  }

  // Sends by address, one method per target kind: the message is checked against the target's protocol.
  private void toCore(long coreAddress, long delay, CoreEntity.Msg msg) {
    send(coreAddress, delay, msg);
  }

  private void toQueue(long queueAddress, long delay, NicQueue.Msg msg) {
    send(queueAddress, delay, msg);
  }
}
