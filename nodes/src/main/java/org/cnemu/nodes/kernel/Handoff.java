package org.cnemu.nodes.kernel;

import static org.cnemu.nodes.kernel.HostKernel.IF_VETH;
import static org.cnemu.nodes.kernel.HostKernel.IF_VXLAN;

import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.Packet;
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.Profile;
import org.cnemu.devices.VxlanDevice;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * Where a stage hands an skb to the next one: this core's gro_cell or backlog (with PRISM's
 * high-priority queues and the NAPI scheduling the policy asks for), or another core's. A cross-core
 * hand-off follows enqueue_to_backlog (Linux 4.4 / 5.4 net/core/dev.c): the skb joins the target's queue
 * when the enqueue ends ({@link CoreEntity.Handed}, per step and target), and only an enqueue that finds
 * the target's NAPI instance idle (not scheduled, no IPI on its way: NAPI_STATE_SCHED clear) schedules it,
 * through one IPI per target at the end of this core's net_rx_action (rps_ipi_queued, net_rps_send_ipi;
 * {@link CoreEntity.NapiIpi}). A target that is polling it, or will, takes the skb without an interrupt.
 */
final class Handoff {
  private final HostKernel h;
  private final Profile p;
  private final SteeringPolicy policy;
  private final SteeringStats stats;
  private final VxlanDevice vxlan;
  private final PacketQueue[] groCell;
  private final PacketQueue[] groCellHi;
  private final PacketQueue[] backlog;
  private final PacketQueue[] backlogHi;
  private final int cpus;
  /** Per source core, per target core: skbs handed over during the current step (one landing each). */
  private final List<List<Object[]>>[] remoteOut;
  private final long[][] remoteAt;
  /** Per core: an IPI is on its way to schedule its backlog / gro_cell (the enqueue that found it idle set SCHED). */
  private final boolean[] backlogIpiDue;
  private final boolean[] cellIpiDue;
  /** Per source core, per target core: its rps_ipi_list, {@link #BACKLOG} and {@link #CELL} bits (a row on first use). */
  private final byte[][] ipiList;
  private static final byte BACKLOG = 1, CELL = 2;

  @SuppressWarnings("unchecked")
  Handoff(HostKernel h) {
    this.h = h;
    this.p = h.p;
    this.policy = h.policy;
    this.stats = h.stats;
    this.vxlan = h.vxlan;
    this.groCell = h.groCell;
    this.groCellHi = h.groCellHi;
    this.backlog = h.backlog;
    this.backlogHi = h.backlogHi;
    this.cpus = h.cpus;
    remoteOut = new List[cpus];
    remoteAt = new long[cpus][]; // a row per core on its first hand-off, like remoteOut (most cores never)
    backlogIpiDue = new boolean[cpus];
    cellIpiDue = new boolean[cpus];
    ipiList = new byte[cpus][];
  }

  /**
   * Enqueue on this core's gro_cell ({@code cell}) or backlog, in the high-priority queue when the
   * policy says so (PRISM), and schedule the NAPI instance (at the head of the poll list if the
   * policy wants high-priority work first).
   */
  void enqueue(CoreEntity c, Packet s, boolean cell, int stage) {
    enqueue(c, s, cell, stage, true);
  }

  /** {@link #enqueue}; {@code schedule} false: an IPI on its way schedules the instance. */
  private void enqueue(CoreEntity c, Packet s, boolean cell, int stage, boolean schedule) {
    Boundary b = cell ? Boundary.GRO_CELL : Boundary.BACKLOG;
    boolean hi = policy.highPriority(b, h.view.ctx(c, s, cell ? IF_VXLAN : IF_VETH));
    PacketQueue q = hi
        ? (cell ? PacketQueue.at(groCellHi, c.cpu, "gro_cell_hi", p.netdevMaxBacklog)
            : PacketQueue.at(backlogHi, c.cpu, "backlog_hi", p.netdevMaxBacklog))
        : (cell ? groCell[c.cpu] : backlog[c.cpu]);
    if (cell && vxlan != null ? vxlan.groCellReceive(c.cpu, s, stage, hi) : q.offer(s, stage)) {
      stats.enqueued(s, c.cpu);
      if (!schedule) return;
      if (cell) c.scheduleCell(policy.scheduleAtHead(hi));
      else c.scheduleBacklog(hi);
    } else {
      h.drop(cell ? "gro_cell" : "backlog", "netdev_max_backlog", s.segs());
    }
  }

  /** NAPI_STATE_SCHED of core {@code t}'s gro_cell ({@code cell}) or backlog: polled, on a poll list, or an IPI due. */
  private boolean scheduled(int t, boolean cell) {
    return cell ? cellIpiDue[t] || h.cores[t].cellScheduled() : backlogIpiDue[t] || h.cores[t].backlogScheduled();
  }

  /**
   * An enqueue's test_and_set of NAPI_STATE_SCHED on core {@code t}'s gro_cell ({@code cell}) or backlog: true if it
   * found the instance idle, which is then owed an IPI (due from now on, so later enqueues find it scheduled).
   */
  private boolean claimIdle(int t, boolean cell) {
    if (scheduled(t, cell)) return false;
    if (cell) cellIpiDue[t] = true;
    else backlogIpiDue[t] = true;
    return true;
  }

  /**
   * Cross-core enqueue to core {@code t}: queued on this core's per-target list, landing when the current
   * step's last enqueue to {@code t} ends ({@link #flushRemote}). The step decides, at its start as the model
   * runs it, what the enqueue finds: a target whose instance is idle is scheduled now (SCHED) and owed an IPI
   * at the end of this core's net_rx_action ({@link #sendIpis}). Cost here: the enqueue.
   */
  long remote(CoreEntity c, Packet s, int t, boolean cell, int stage, long offset) {
    if (t < 0 || t >= cpus || t == c.cpu) t = Math.floorMod(t, cpus);
    List<List<Object[]>> out = remoteOut[c.cpu];
    if (out == null) {
      out = new ArrayList<>();
      for (int i = 0; i < cpus; i++) out.add(null);
      remoteOut[c.cpu] = out;
      remoteAt[c.cpu] = new long[cpus];
      ipiList[c.cpu] = new byte[cpus];
    }
    List<Object[]> l = out.get(t);
    if (l == null) {
      l = new ArrayList<>();
      out.set(t, l);
    }
    if (claimIdle(t, cell)) {
      if (ipiList[c.cpu][t] == 0) c.ipisQueued++;
      ipiList[c.cpu][t] |= cell ? CELL : BACKLOG;
    }
    long cost = p.backlogEnqueue;
    l.add(new Object[] {s, cell, stage});
    c.handoffsPending = true;
    Journeys.mark(h, s, Journeys.STEER, c, offset, offset + cost);
    remoteAt[c.cpu][t] = Math.max(remoteAt[c.cpu][t], c.nowNs() + offset + cost);
    return cost;
  }

  /** Sends the cross-core hand-offs of core {@code c}'s last step (called by the core after a message that made some). */
  void flushRemote(CoreEntity c) {
    List<List<Object[]>> out = remoteOut[c.cpu];
    if (out == null) return;
    for (int t = 0; t < cpus; t++) {
      List<Object[]> l = out.get(t);
      if (l == null) continue;
      Packet[] sk = new Packet[l.size()];
      boolean[] cell = new boolean[l.size()];
      int[] st = new int[l.size()];
      for (int i = 0; i < sk.length; i++) {
        sk[i] = (Packet) l.get(i)[0];
        cell[i] = (Boolean) l.get(i)[1];
        st[i] = (Integer) l.get(i)[2];
      }
      long at = Math.max(remoteAt[c.cpu][t], c.nowNs());
      c.toCore(h.coreAddr[t], at - c.nowNs(), new CoreEntity.Handed(sk, cell, st));
      out.set(t, null);
      remoteAt[c.cpu][t] = 0;
    }
  }

  /**
   * The skbs of {@link #remote} land on core {@code c}: each joins its queue; its instance, scheduled when the
   * source's step began, is so still unless its poll ended since, finding nothing: then this enqueue finds it
   * idle, as Linux's would, and an IPI schedules it (sent from here, now: the source's step is past).
   */
  void land(CoreEntity c, CoreEntity.Handed m) {
    boolean lateBacklog = false, lateCell = false;
    for (int i = 0; i < m.skbs().length; i++) {
      boolean cell = m.cell()[i];
      if (claimIdle(c.cpu, cell)) {
        if (cell) lateCell = true;
        else lateBacklog = true;
      }
      // a scheduled instance is not scheduled again: PRISM's high-priority work may move it to the poll list's head
      enqueue(c, m.skbs()[i], cell, m.stage()[i], !(cell ? cellIpiDue[c.cpu] : backlogIpiDue[c.cpu]));
    }
    if (lateBacklog || lateCell) c.toCore(h.coreAddr[c.cpu], p.ipiLatency, new CoreEntity.NapiIpi(lateBacklog, lateCell));
  }

  /**
   * net_rps_send_ipi at the end of core {@code c}'s net_rx_action, {@code offsetNanos} from now: one IPI per core on
   * its rps_ipi_list, {@code ipi-send} each, the target's handler {@code ipi-latency} after; returns the CPU time.
   */
  long sendIpis(CoreEntity c, long offsetNanos) {
    byte[] l = ipiList[c.cpu];
    long cost = 0;
    for (int t = 0; t < cpus && c.ipisQueued > 0; t++) {
      if (l[t] == 0) continue;
      cost += p.ipiSend;
      c.toCore(h.coreAddr[t], offsetNanos + cost + p.ipiLatency,
          new CoreEntity.NapiIpi((l[t] & BACKLOG) != 0, (l[t] & CELL) != 0));
      l[t] = 0;
      c.ipisQueued--;
    }
    return cost;
  }

  /** The IPI handler on core {@code c} (rps_trigger_softirq): schedules the instances the IPI names. */
  void acceptIpi(CoreEntity c, CoreEntity.NapiIpi m) {
    if (m.backlog()) {
      backlogIpiDue[c.cpu] = false;
      c.scheduleBacklog(!PacketQueue.isEmpty(backlogHi[c.cpu]));
    }
    if (m.cell()) {
      cellIpiDue[c.cpu] = false;
      c.scheduleCell(policy.scheduleAtHead(!PacketQueue.isEmpty(groCellHi[c.cpu])));
    }
  }
}
