package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.devices.RxRing;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;

/**
 * One RX queue of the host's pNIC ("h2/nic/rx3", in the host's placement group): its descriptor ring
 * ({@link RxRing}, storage allocated on the first packet), interrupt moderation (rx-usecs per ring, adapted
 * by mlx4_en_auto_moderation when enabled, rx-frames; IRQ masked from the time it fires until NAPI's
 * napi_complete re-arms it) and its IRQ affinity core, to which it raises {@link CoreEntity.Irq}. The host's
 * {@link NicEntity} does RSS and hands each queue the packets of a wire train that hash to it
 * ({@link SwitchEntity.WireTrain}, packet 0 arriving at the message time); the core's NAPI poll reads the ring and
 * ends with {@link NapiComplete}.
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

  /**
   * napi_complete_done of the queue's NAPI (from the core that polled it): the IRQ is re-armed,
   * effective from {@code armedAt} (the end of the poll).
   */
  record NapiComplete(int queue, long armedAt) implements Msg {
    @Override
    public void deliver(NicQueue q) {
      q.napiComplete(armedAt);
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
  private final RxRing r;
  /** IRQ affinity (smp_affinity of the queue's MSI-X vector). */
  private final EntityRef<CoreEntity.Msg> irqCore;
  /** This queue's interrupt message (immutable: one per queue, not one per interrupt). */
  private final CoreEntity.Irq irq;
  /** The adaptive moderation sampler (AutoModer) is scheduled. */
  private boolean sampling;

  NicQueue(HostKernel h, int queue) {
    this.h = h;
    this.p = h.p;
    this.overlay = h.stack.overlay();
    this.r = h.rings[queue];
    this.irqCore = h.coreRefs[h.irqCpu(queue)];
    this.irq = new CoreEntity.Irq(queue);
    r.moderNanos = p.rxUsecs;
  }

  @Override
  protected void onMessage(Msg m) {
    m.deliver(this);
  }

  private void onModTimer() {
    r.timerPending = false;
    if (r.armed) fire(0);
  }

  private void onAutoModer(AutoModer a) {
    if (autoModeration() && now() + p.adaptiveRxSampleNanos < endNanos()) schedule(p.adaptiveRxSampleNanos, a);
    else sampling = false;
  }

  /** The packets of a wire train that RSS put on this queue: packet 0 arrives now, the rest back to back. */
  void receive(SwitchEntity.WireTrain w) {
    if (p.adaptiveRx && !sampling) startSampling();
    long t = now();
    for (int i = 0; i < w.pkts().length; i++) {
      Packet pkt = w.pkts()[i];
      if (i > 0) t += NicEntity.serNanos(pkt.len() + w.wireOverhead(), w.bitsPerSec());
      if (!r.offer(pkt, t, pkt.len() + NicEntity.overhead(overlay, pkt) - 24)) { // frame bytes (no preamble, IFG, FCS)
        h.drop("nic_ring", "ring_full", 1);
        continue;
      }
      if (pkt.journey() != null) h.journeys.inRing(r.queue, pkt.journey());
      if (r.armed && !r.timerPending) {
        long at = Math.max(t, r.armedAt);
        if (r.size() >= p.rxFrames) fire(Math.max(0, at - now()));
        else {
          r.timerPending = true;
          schedule(at - now() + r.moderNanos, ModTimer.INSTANCE);
        }
      }
    }
  }

  /** napi_complete_done: re-arm the IRQ; pending descriptors raise it again after moderation. */
  private void napiComplete(long armedAt) {
    r.armed = true;
    r.armedAt = armedAt;
    if (r.size() > 0) {
      long na = r.nextArrivalAfter(now());
      long next = Math.max(armedAt, na < 0 ? armedAt : na);
      r.armed = false;
      send(irqCore, next - now() + r.moderNanos + p.irqLatency, irq);
    }
  }

  private void fire(long delay) {
    r.armed = false;
    send(irqCore, delay + p.irqLatency, irq);
  }

  /**
   * Starts the sampler on the grid of the host's sample period (samples at k x period). Every sample missed
   * while idle saw no packets and would have set rx-usecs-low, so that is applied if one was due.
   */
  private void startSampling() {
    long period = p.adaptiveRxSampleNanos;
    long next = (now() / period + 1) * period;
    if (now() >= period) {
      r.moderNanos = p.rxUsecsLow;
      r.lastModerPackets = r.received;
      r.lastModerBytes = r.bytes;
    }
    if (next < endNanos()) {
      sampling = true;
      schedule(next - now(), new AutoModer());
    }
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
    long packets = r.received - r.lastModerPackets;
    long rate = packets * 1_000_000_000L / period;
    long avg = packets > 0 ? (r.bytes - r.lastModerBytes) / packets : 0;
    long moder;
    if (rate > p.adaptiveRateThresh / h.rings.length && avg > p.avgPktSmall) {
      if (rate < p.pktRateLow) moder = p.rxUsecsLow;
      else if (rate > p.pktRateHigh) moder = p.rxUsecsHigh;
      else moder = (rate - p.pktRateLow) * (p.rxUsecsHigh - p.rxUsecsLow) / (p.pktRateHigh - p.pktRateLow)
          + p.rxUsecsLow;
    } else {
      moder = p.rxUsecsLow;
    }
    r.moderNanos = moder;
    r.lastModerPackets = r.received;
    r.lastModerBytes = r.bytes;
    return packets > 0;
  }
}
