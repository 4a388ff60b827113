package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.emulator.Entity;

/**
 * One RX queue of the host's pNIC ("h2/nic/rx3", in the host's placement group): its descriptor ring (the
 * packets with the virtual time their last bit arrived, storage allocated on the first packet and grown on
 * demand), interrupt moderation (rx-usecs per ring, adapted
 * by mlx4_en_auto_moderation when enabled, rx-frames; IRQ masked from the time it fires until NAPI's
 * napi_complete re-arms it) and its IRQ affinity core, to which it raises {@link CoreEntity.Irq}. The host's
 * {@link NicEntity} does RSS and hands each queue the packets of a wire train that hash to it
 * ({@link SwitchEntity.WireTrain}, packet 0 arriving at the message time); the core's NAPI poll reads the ring and
 * ends with {@link NapiComplete}.
 *
 * <p>The ring's state is this entity's own fields, its storage two arrays they point to: a packet or an
 * interrupt reads the entity (which the event queue touches before the event runs) and the storage, where a
 * ring object of its own was one more dependent cold line per event with many hosts.
 *
 * <p>Cheap when idle: no event is scheduled until the first packet (the adaptive-moderation sampler
 * starts then, on the sample grid it would have had, and stops after a sample without packets).
 */
final class NicQueue extends Entity<NicQueue.Msg> {
  /** What an RX queue handles; each message names its handler. */
  sealed interface Msg permits SwitchEntity.WireTrain, ModTimer, NapiComplete, AutoModer {
    void deliver(NicQueue q);
  }

  /** Moderation timer of the queue (no state: one instance serves every queue). */
  record ModTimer() implements Msg {
    static final ModTimer INSTANCE = new ModTimer();

    @Override
    public void deliver(NicQueue q) {
      q.onModTimer();
    }
  }

  /** napi_complete_done of the queue's NAPI at the end of its poll (from the core that polled it): the IRQ re-arms. */
  record NapiComplete(int queue) implements Msg {
    @Override
    public void deliver(NicQueue q) {
      q.napiComplete();
    }
  }

  /** Adaptive RX moderation sample (mlx4_en_auto_moderation from the stats work). */
  record AutoModer() implements Msg {
    @Override
    public void deliver(NicQueue q) {
      q.onAutoModer(this);
    }
  }

  private final HostKernel h;
  /**
   * The profile (one object for the run) and whether the host's stack is an overlay, copied from the host when
   * the queue is built: every packet and interrupt reads them, and the {@link HostKernel} is a cold line of its
   * own with many hosts (this entity is allocated with the host's other entities, the host object elsewhere).
   */
  private final org.cnemu.devices.Profile p;
  private final boolean overlay;
  final int queue;
  /** Descriptors (the profile's ring size): packets beyond them are dropped. */
  private final int capacity;
  /** The driver reposts its missing descriptors in multiples of this ({@code nic.ring-refill-bulk}). */
  private final int refillBulk;
  /**
   * Descriptors a poll took whose buffers the driver has not reposted yet: the NIC cannot fill them, so they count
   * against the capacity until {@link #repost}.
   */
  private int unposted;
  private Packet[] pkts; // null until the first packet
  private long[] at;
  private int head;
  private int size;
  long received;
  long dropped;
  /** Frame bytes received (ring->bytes of mlx4_en; the adaptive moderation's average packet size). */
  private long bytes;
  /** IRQ armed (not raised, NAPI not scheduled). */
  private boolean armed = true;
  /** A moderation timer is pending. */
  private boolean timerPending;
  /**
   * Current CQ moderation time (cq->moder_time): the profile's rx-usecs, changed by adaptive RX coalescing
   * ({@code mlx4_en_auto_moderation}) when enabled.
   */
  private long moderNanos;
  /** Packets/bytes at the last adaptive-moderation sample (priv->last_moder_packets/bytes). */
  private long lastModerPackets, lastModerBytes;
  /** IRQ affinity (smp_affinity of the queue's MSI-X vector): its core's address ({@code EntityRef.address()}). */
  private final long irqCoreAddr;
  /** This queue's interrupt message (immutable: one per queue, not one per interrupt). */
  private final CoreEntity.Irq irq;
  /** The adaptive moderation sampler (AutoModer) is scheduled. */
  private boolean sampling;

  NicQueue(HostKernel h, int queue) {
    this.h = h;
    this.p = h.p;
    this.overlay = h.stack.overlay();
    this.queue = queue;
    this.capacity = p.ringSize;
    this.refillBulk = p.ringRefillBulk;
    this.irqCoreAddr = h.coreAddr[h.irqCpu(queue)];
    this.irq = new CoreEntity.Irq(queue);
    moderNanos = p.rxUsecs;
    h.rxQueues[queue] = this; // the cores' NAPI polls read the ring through the host
  }

  int size() {
    return size;
  }

  /** The ring's storage: the slot of the next packet (a wire train's offer) and the oldest one (napi_complete). */
  @Override
  protected long prefetch() {
    long[] a = at;
    if (a == null) return 0;
    Packet[] ps = pkts;
    int m = a.length - 1;
    return a[(head + size) & m] + a[head] + (ps[head & m] == null ? 0 : 1);
  }

  /** Initial storage (descriptors), doubled on demand up to the next power of two of the capacity. */
  private static final int INITIAL = 8;

  /** Adds a packet arriving at {@code t} ({@code frameBytes} counted); false (drop counted) when the ring is full. */
  boolean offer(Packet pkt, long t, int frameBytes) {
    if (size + unposted >= capacity) {
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
    pkts[i] = pkt;
    at[i] = t;
    size++;
    received++;
    bytes += frameBytes;
    return true;
  }

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

  /** Packets whose arrival time is at or before {@code t}. */
  int ready(long t) {
    int n = 0;
    while (n < size && at[(head + n) & (pkts.length - 1)] <= t) n++;
    return n;
  }

  /** Time of the next packet not yet arrived at {@code t}, or -1. */
  long nextArrivalAfter(long t) {
    int r = ready(t);
    return r < size ? at[(head + r) & (pkts.length - 1)] : -1;
  }

  /** Takes the oldest packet (the NAPI poll), or null; its descriptor stays unposted until {@link #repost}. */
  Packet poll() {
    if (size == 0) return null;
    Packet pkt = pkts[head];
    pkts[head] = null;
    head = (head + 1) & (pkts.length - 1);
    size--;
    unposted++;
    return pkt;
  }

  /**
   * The driver's refill after its CQ loop (mlx4_en_refill_rx_buffers, mlx5e_post_rx_wqes): reposts the largest
   * multiple of {@code nic.ring-refill-bulk} of the descriptors polls took, which the NIC can fill again from now.
   */
  void repost() {
    unposted %= refillBulk;
  }

  /** Descriptors the NIC can fill now: neither holding a packet nor waiting for the driver's repost. */
  int free() {
    return capacity - size - unposted;
  }

  @Override
  protected void onMessage(Msg m) {
    m.deliver(this);
  }

  private void onModTimer() {
    timerPending = false;
    if (armed) fire(0);
  }

  private void onAutoModer(AutoModer a) {
    if (!autoModeration()) {
      sampling = false; // asleep until the next packet
      return;
    }
    // still sampling when its next sample falls after the run's end: that sample is just not run (a sampler
    // taken for asleep would reset the moderation at the next packet, and the run would not be a prefix of a
    // longer one)
    if (now() + p.adaptiveRxSampleNanos < endNanos()) schedule(p.adaptiveRxSampleNanos, a);
  }

  /** The packets of a wire train that RSS put on this queue: packet 0 arrives now, the rest back to back. */
  void receive(SwitchEntity.WireTrain w) {
    if (p.adaptiveRx && !sampling) startSampling();
    long t = now();
    for (int i = 0; i < w.pkts().length; i++) {
      Packet pkt = w.pkts()[i];
      if (i > 0) t += NicEntity.serNanos(pkt.len() + w.wireOverhead(), w.bitsPerSec());
      if (!offer(pkt, t, pkt.len() + NicEntity.overhead(overlay, pkt) - 24)) { // frame bytes (no preamble, IFG, FCS)
        h.drop("nic_ring", "ring_full", 1);
        continue;
      }
      if (pkt.journey() != null) h.journeys.inRing(queue, pkt.journey());
      if (armed && !timerPending) {
        if (size >= p.rxFrames) fire(t - now());
        else {
          timerPending = true;
          schedule(t - now() + moderNanos, ModTimer.INSTANCE);
        }
      }
    }
  }

  /**
   * napi_complete_done: re-arm the IRQ; pending descriptors (the rest of a wire train, or one that arrived as
   * the poll ended) raise it again after moderation.
   */
  private void napiComplete() {
    armed = true;
    if (size > 0) {
      long na = nextArrivalAfter(now());
      long next = na < 0 ? now() : na;
      armed = false;
      toCore(irqCoreAddr, next - now() + moderNanos + p.irqLatency, irq);
    }
  }

  private void fire(long delay) {
    armed = false;
    toCore(irqCoreAddr, delay + p.irqLatency, irq);
  }

  /**
   * Starts the sampler on the grid of the host's sample period (samples at k x period). Every sample missed
   * while idle saw no packets and would have set rx-usecs-low, so that is applied if one was due.
   */
  private void startSampling() {
    long period = p.adaptiveRxSampleNanos;
    long next = (now() / period + 1) * period;
    if (now() >= period) {
      moderNanos = p.rxUsecsLow;
      lastModerPackets = received;
      lastModerBytes = bytes;
    }
    sampling = true;
    if (next < endNanos()) schedule(next - now(), new AutoModer());
  }

  /**
   * mlx4_en_auto_moderation (en_netdev.c, Linux 4.4) for this ring: packet rate and average size over the
   * sample period pick the CQ's moder_time: rx_usecs_low below pkt_rate_low, rx_usecs_high above
   * pkt_rate_high, linear in between; rx_usecs_low when the rate is under MLX4_EN_RX_RATE_THRESH /
   * rx_ring_num or the packets are small (avg <= MLX4_EN_AVG_PKT_SMALL). Returns false after a sample
   * without packets (the sampler then sleeps until the next packet).
   */
  private boolean autoModeration() {
    long period = p.adaptiveRxSampleNanos;
    long packets = received - lastModerPackets;
    long rate = packets * 1_000_000_000L / period;
    long avg = packets > 0 ? (bytes - lastModerBytes) / packets : 0;
    long moder;
    if (rate > p.adaptiveRateThresh / h.rxQueues.length && avg > p.avgPktSmall) {
      if (rate < p.pktRateLow) moder = p.rxUsecsLow;
      else if (rate > p.pktRateHigh) moder = p.rxUsecsHigh;
      else moder = (rate - p.pktRateLow) * (p.rxUsecsHigh - p.rxUsecsLow) / (p.pktRateHigh - p.pktRateLow)
          + p.rxUsecsLow;
    } else {
      moder = p.rxUsecsLow;
    }
    moderNanos = moder;
    lastModerPackets = received;
    lastModerBytes = bytes;
    return packets > 0;
  }

  // A send by address to the queue's interrupt core: the message is checked against the core's protocol.
  private void toCore(long coreAddress, long delay, CoreEntity.Msg msg) {
    send(coreAddress, delay, msg);
  }
}
