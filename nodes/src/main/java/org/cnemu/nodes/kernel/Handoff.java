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
 * high-priority queues and the NAPI scheduling the policy asks for), or another core's, through a
 * per-step list per target core and one IPI per target ({@link CoreEntity.RemoteBatch}).
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
  /** Per source core, per target core: skbs handed over during the current step (one IPI each). */
  private final List<List<Object[]>>[] remoteOut;
  private final long[][] remoteAt;

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
  }

  /**
   * Enqueue on this core's gro_cell ({@code cell}) or backlog, in the high-priority queue when the
   * policy says so (PRISM), and schedule the NAPI instance (at the head of the poll list if the
   * policy wants high-priority work first).
   */
  void enqueue(CoreEntity c, Packet s, boolean cell, int stage) {
    Boundary b = cell ? Boundary.GRO_CELL : Boundary.BACKLOG;
    boolean hi = policy.highPriority(b, h.view.ctx(c, s, cell ? IF_VXLAN : IF_VETH));
    PacketQueue q = hi
        ? (cell ? PacketQueue.at(groCellHi, c.cpu, "gro_cell_hi", p.netdevMaxBacklog)
            : PacketQueue.at(backlogHi, c.cpu, "backlog_hi", p.netdevMaxBacklog))
        : (cell ? groCell[c.cpu] : backlog[c.cpu]);
    if (cell && vxlan != null ? vxlan.groCellReceive(c.cpu, s, stage, hi) : q.offer(s, stage)) {
      stats.enqueued(s, c.cpu);
      if (cell) c.scheduleCell(policy.scheduleAtHead(hi));
      else c.scheduleBacklog(hi);
    } else {
      h.drop(cell ? "gro_cell" : "backlog", "netdev_max_backlog", s.segs());
    }
  }

  /**
   * Cross-core enqueue to core {@code t}: queued on this core's per-target list and sent, with one
   * IPI per target, when the current step ends ({@link #flushRemote}); the target runs the IPI
   * handler after {@code ipi-latency}. Cost here: the enqueue, plus {@code ipi-send} for the first
   * skb to a target in this step.
   */
  long remote(CoreEntity c, Packet s, int t, boolean cell, int stage, long offset) {
    if (t < 0 || t >= cpus || t == c.cpu) t = Math.floorMod(t, cpus);
    List<List<Object[]>> out = remoteOut[c.cpu];
    if (out == null) {
      out = new ArrayList<>();
      for (int i = 0; i < cpus; i++) out.add(null);
      remoteOut[c.cpu] = out;
      remoteAt[c.cpu] = new long[cpus];
    }
    List<Object[]> l = out.get(t);
    long cost = p.backlogEnqueue;
    if (l == null) {
      l = new ArrayList<>();
      out.set(t, l);
      cost += p.ipiSend;
    }
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
      c.toCore(h.coreAddr[t], at - c.nowNs() + p.ipiLatency, new CoreEntity.RemoteBatch(sk, cell, st));
      out.set(t, null);
      remoteAt[c.cpu][t] = 0;
    }
  }

  /** The remote side of {@link #remote}: runs as the IPI handler on the target core. */
  void acceptRemote(CoreEntity c, CoreEntity.RemoteBatch m) {
    for (int i = 0; i < m.skbs().length; i++) enqueue(c, m.skbs()[i], m.cell()[i], m.stage()[i]);
  }
}
