package org.cnemu.nodes.kernel;

import org.cnemu.devices.Gro;
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.TxRing;

/** The kernel model's NAPI instances: what a core's net_rx_action polls, over the host's {@link RxPath}. */
final class HostNapis {
  private HostNapis() {}

  /** mlx4_en's TX completion work per poll (MLX4_EN_DEFAULT_TX_WORK). */
  static final int TX_WORK = 256;

  /**
   * A pNIC RX queue: driver, GRO and the rest of the path. Its CQ loop re-reads the ring after the packets it
   * took (mlx4_en_process_rx_cq and mlx5e_poll_rx_cq re-read the CQE owner bit after each one), so what
   * arrives while the poll runs is taken in the same poll, up to the weight, through the same GRO list
   * (napi_gro_receive): a segment that continues an aggregate held since the poll's start joins it. The list
   * is flushed when the loop finds nothing more: napi_complete_done, which then re-arms the queue's IRQ
   * (masked until then); or, when the poll used its whole weight, napi_poll's napi_gro_flush(n, HZ >= 1000)
   * before the repoll (with HZ >= 1000 only what was held before the current jiffy).
   */
  static class Nic extends NetRxAction.Napi {
    private final HostKernel h;
    /** The queue's entity ({@code EntityRef.address()}), read by every napi_complete. */
    private final long queueAddr;
    /** The poll's CPU time before its first packet (napi_poll's own work). */
    private final long napiPollNanos;
    /** napi_gro_flush(n, HZ >= 1000) before a repoll flushes only what is older than the current jiffy. */
    private final boolean flushOldOnly;
    /** The NAPI's GRO list (napi->gro_list, the host's: its held segments count as in flight). */
    final Gro gro;
    /** The poll flushed its GRO list: it ends at its step's end. */
    private boolean flushed;
    /** The poll took packets: it counted as one batch ({@link SteeringStats#loBatches}), whatever its ring reads. */
    private boolean batch;

    Nic(HostKernel h, int queue) {
      super(queue);
      this.h = h;
      this.queueAddr = h.rxQueueAddr == null ? -1 : h.rxQueueAddr[queue]; // none on a host that receives nothing
      this.napiPollNanos = h.p.napiPoll;
      this.flushOldOnly = h.p.jiffyNanos <= 1_000_000;
      this.gro = h.nicGro[queue];
    }

    @Override
    long poll(CoreEntity c, int quota, long offsetNanos) {
      flushed = false;
      batch = false;
      long cost = napiPollNanos + take(c, quota, napiPollNanos); // sets work
      countBatch(c);
      more = work == quota;
      return cost;
    }

    @Override
    boolean rereads() {
      return true;
    }

    @Override
    long resume(CoreEntity c, int quota) {
      if (flushed) return 0;
      if (!more) {
        int before = work;
        long cost = take(c, quota - before, 0); // sets work to the packets taken now
        int taken = work;
        countBatch(c);
        work += before;
        more = work == quota;
        if (taken > 0) return cost;
      }
      // the CQ loop ended: the driver reposts the descriptors it took, then napi_complete_done or napi_poll
      // flushes GRO (mlx4_en_process_rx_cq ends with mlx4_en_refill_rx_buffers; mlx5e_napi_poll calls the RQ's
      // post_wqes after mlx5e_poll_rx_cq)
      h.rxQueues[queue].repost();
      flushed = true;
      return flush(c, more && flushOldOnly ? h.rx.jiffy(c, 0) : -1);
    }

    /**
     * A ring read took packets: the poll is one batch of the core's (PRISM's unit: high-priority work waits for
     * the end of the napi->poll that is running, and a re-read is part of that poll, on the same weight).
     */
    private void countBatch(CoreEntity c) {
      if (batch || work == 0) return;
      batch = true;
      h.stats.loBatches[c.cpu]++;
    }

    /** napi_complete_done: the queue re-arms its IRQ (pending descriptors raise it again after moderation). */
    @Override
    void complete(CoreEntity c) {
      c.toQueue(queueAddr, 0, new NicQueue.NapiComplete(queue));
    }

    /**
     * Takes the packets arrived by now, up to {@code quota}, through the driver and {@link #gro} and the rest
     * of the path for what GRO sends up, starting {@code offsetNanos} into the poll; sets {@code work} to the
     * packets taken and returns their CPU time.
     */
    long take(CoreEntity c, int quota, long offsetNanos) {
      return h.rx.pollNic(c, h.rxQueues[queue], quota, offsetNanos, this, gro);
    }

    /**
     * napi_gro_flush of {@link #gro} (except what was held in jiffy {@code keepJiffy}, -1: all): the rest of the
     * path for what it held; returns the CPU time.
     */
    long flush(CoreEntity c, long keepJiffy) {
      return h.rx.flushGro(c, gro, keepJiffy);
    }
  }

  /** A TX completion queue: frees descriptors; its work does not count against the softirq budget. */
  static final class Tx extends NetRxAction.Napi {
    private final HostKernel h;
    /** The core of the CQ's MSI-X vector ({@code EntityRef.address()}), read when completions re-raise it. */
    private final long irqCoreAddr;

    Tx(HostKernel h, int queue) {
      super(queue);
      this.h = h;
      this.irqCoreAddr = h.coreAddr[h.irqCpu(queue % h.rxQueues.length)];
    }

    @Override
    long poll(CoreEntity c, int quota, long offsetNanos) {
      TxRing r = h.txRings[queue];
      long cost = h.rx.pollTx(c, r, this); // sets work: the descriptors freed
      more = work == TX_WORK;
      work = 0; // TX completion work does not count against the softirq budget
      if (!more) {
        // napi_complete + mlx4_en_arm_cq: CQEs written meanwhile raise the event again after moderation
        long now = c.nowNs();
        r.armed = true;
        r.armedAt = now + offsetNanos + cost;
        long next = r.completed(now) > 0 ? now : r.nextCompletionAfter(now);
        if (next >= 0) {
          r.armed = false;
          c.toCore(irqCoreAddr,
              Math.max(r.armedAt, next) - now + h.p.txUsecs + h.p.irqLatency, new CoreEntity.TxIrq(queue));
        }
      }
      return cost;
    }
  }

  /**
   * A per-CPU software queue's NAPI instance (gro_cell, backlog). process_backlog splices input_pkt_queue again when
   * it has run what it took, and clears SCHED only when it finds it empty (gro_cell_poll likewise polls its queue to
   * the quota): what other cores' enqueues put there while the poll's step ran is taken in the same poll, up to the
   * weight, without an IPI (they found SCHED set).
   */
  abstract static class SoftQueue extends NetRxAction.Napi {
    final HostKernel h;
    final int cpu;

    SoftQueue(HostKernel h, int cpu) {
      super(-1);
      this.h = h;
      this.cpu = cpu;
    }

    /** This CPU's queue of the instance. */
    abstract PacketQueue queue();

    /** Polls up to {@code quota} skbs of {@link #queue}, {@code done} already polled in this poll; sets work. */
    abstract long pollQueue(CoreEntity c, int quota, int done);

    @Override
    long poll(CoreEntity c, int quota, long offsetNanos) {
      long cost = pollQueue(c, quota, -1); // sets work
      more = !queue().isEmpty();
      return cost;
    }

    @Override
    boolean rereads() {
      return true;
    }

    @Override
    long resume(CoreEntity c, int quota) {
      int before = work;
      PacketQueue q = queue();
      if (before >= quota || q.isEmpty()) {
        more = !q.isEmpty();
        return 0;
      }
      long cost = pollQueue(c, quota - before, before);
      work += before;
      more = !q.isEmpty();
      return cost;
    }
  }

  /** This CPU's gro_cell of vxlan0 (or the stack's per-CPU cell): inner GRO, then bridge/veth or L4. */
  static final class Cell extends SoftQueue {
    Cell(HostKernel h, int cpu) {
      super(h, cpu);
    }

    @Override
    PacketQueue queue() {
      return h.groCell[cpu];
    }

    @Override
    long pollQueue(CoreEntity c, int quota, int done) {
      return h.rx.pollGroCell(c, quota, this, done);
    }

    @Override
    boolean highPriorityPending() {
      return !PacketQueue.isEmpty(h.groCellHi[cpu]);
    }
  }

  /** This CPU's backlog (process_backlog): netif_rx'd skbs, split-off stages, Docker's transmit side. */
  static final class Backlog extends SoftQueue {
    Backlog(HostKernel h, int cpu) {
      super(h, cpu);
    }

    @Override
    long poll(CoreEntity c, int quota, long offsetNanos) {
      // process_backlog first sends the IPIs this core owes, not waiting for net_rx_action's end
      // (sd_has_rps_ipi_waiting -> net_rps_action_and_irq_enable)
      long sent = c.ipisQueued > 0 ? h.handoff.sendIpis(c, offsetNanos + h.p.napiPoll) : 0;
      return sent + super.poll(c, quota, offsetNanos);
    }

    @Override
    PacketQueue queue() {
      return h.backlog[cpu];
    }

    @Override
    long pollQueue(CoreEntity c, int quota, int done) {
      return h.rx.pollBacklog(c, quota, this, done);
    }

    @Override
    boolean highPriorityPending() {
      return !PacketQueue.isEmpty(h.backlogHi[cpu]);
    }
  }
}
