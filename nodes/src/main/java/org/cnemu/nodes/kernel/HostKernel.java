package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.cnemu.devices.BridgeDevice;
import org.cnemu.devices.Gro;
import org.cnemu.devices.NetDevice;
import org.cnemu.devices.NetNamespace;
import org.cnemu.devices.VethPair;
import org.cnemu.devices.VxlanDevice;
import org.cnemu.devices.Hashing;
import org.cnemu.devices.Packet;
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.Profile;
import org.cnemu.devices.RxRing;
import org.cnemu.devices.StackKind;
import org.cnemu.devices.TxRing;
import org.cnemu.emulator.EntityRef;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * One emulated host's kernel: the plain per-host objects (NIC rings, per-CPU backlogs and gro_cells,
 * sockets, counters) shared by the host's entities (its cores and its NIC), which all live in one
 * partition, and the stage code of the receive and transmit paths. Stage code runs inside the
 * {@link CoreEntity} that processes the batch; it returns the CPU time it took and stamps its
 * effects at {@code offset} ns into the current step.
 */
final class HostKernel implements StageContext {
  // receive stages (resume points stored with queued skbs)
  static final int S_GRO = 0; // packets split off after the driver: GRO + L3 on the target core
  static final int S_L3 = 1; // after pNIC GRO: IP (+ outer UDP + VXLAN decap for overlays)
  static final int S_CELL = 2; // gro_cell poll: after inner GRO
  static final int S_CONT = 3; // container-side backlog: netfilter + IP + L4 in the container netns
  static final int S_TX_HOST = 4; // transmit: veth -> backlog -> bridge -> VXLAN encap -> pNIC
  static final int IF_PNIC = 2;
  static final int IF_VXLAN = 3;
  static final int IF_VETH = 4;

  final Spec spec;
  final Spec.HostSpec hs;
  final Profile p;
  final StackKind stack;
  final SteeringPolicy policy;
  final int cpus;
  final long warmup;
  final RxRing[] rings;
  /** TX rings (one per RX queue; XPS maps CPU c to ring c % rings) and their completion queues. */
  final TxRing[] txRings;
  final PacketQueue[] backlog;
  final PacketQueue[] groCell;
  /** PRISM: the high-priority queue beside each per-CPU backlog / gro_cell (drained first, without quota). */
  final PacketQueue[] backlogHi;
  final PacketQueue[] groCellHi;
  /** mFlow's merge before the transport (null unless the policy asks for it). */
  final ReorderBuffer merge;
  /** FreeFlow's shared-memory channels and monitor (flows registered at build time). */
  final ShmPath shm;
  final SteeringStats stats;
  /** Per source core, per target core: skbs handed over during the current step (one IPI each). */
  private final List<List<Object[]>>[] remoteOut;
  private final long[][] remoteAt;
  final CoreEntity[] cores;
  EntityRef<Object>[] coreRefs;
  EntityRef<Object> nicRef;
  /** The RX queues' entities ({@link NicQueue}, "hX/nic/rxN"); null on a host that terminates no flow. */
  EntityRef<Object>[] rxQueueRefs;
  NicEntity nic;
  final List<Sock> socks = new ArrayList<>();
  /** Per slot of this host's flows ({@link #slot}): the receiving / sending socket, the last reading CPU. */
  final Sock[] rxSockByFlow;
  final Sock[] txSockByFlow;
  final int[] lastRecvCpu;
  /** Per slot*2+dir: when the flow's last skb was handed to the driver (keeps a flow's skbs in order). */
  private final long[] lastTx;
  // counters
  long irqs;
  long ipis;
  long netRx;
  long netTx;
  long sent;
  long delivered;
  long groCellSkbs;
  long backlogSkbs;
  // devices (module devices): the host namespace, vxlan0 (overlays), docker0 and one veth pair per container (Docker)
  final NetNamespace hostNs;
  final VxlanDevice vxlan;
  final BridgeDevice bridge;
  private final java.util.TreeMap<String, VethPair> veths = new java.util.TreeMap<>();
  /** Per slot*2+dir: inner source / destination MAC, and (Docker) the veth pair of this host's end. */
  private final long[] macSrc;
  private final long[] macDst;
  private final VethPair[] vethOf;
  /** Docker's overlay network VNI (the first one libnetwork allocates). */
  static final int VNI = 4096;
  final TreeMap<String, Long> drops = new TreeMap<>();
  /** Live telemetry (null unless a backend is installed; set when the first core starts). */
  KernelTelemetry tel;
  boolean telInit;
  // stage context of the current decision
  private CoreEntity cur;
  private Packet ctxSkb;
  private int ctxIf;
  private boolean ctxTx;

  HostKernel(Spec spec, Spec.HostSpec hs, SteeringPolicy policy) {
    this.spec = spec;
    this.hs = hs;
    this.p = hs.profile();
    this.stack = hs.stack();
    this.policy = policy;
    this.cpus = hs.cpus();
    this.warmup = spec.warmupNanos;
    rings = new RxRing[p.nicQueues];
    for (int q = 0; q < rings.length; q++) rings[q] = new RxRing(q, p.ringSize);
    txRings = new TxRing[p.nicQueues];
    for (int q = 0; q < txRings.length; q++) txRings[q] = new TxRing(q, p.txRing);
    backlog = new PacketQueue[cpus];
    backlogHi = new PacketQueue[cpus];
    for (int c = 0; c < cpus; c++) {
      backlog[c] = new PacketQueue("backlog", p.netdevMaxBacklog); // backlogHi: filled on first use
    }
    hostNs = new NetNamespace(hs.id(), stack == StackKind.DOCKER_OVERLAY);
    vxlan = stack.overlay() ? new VxlanDevice("vxlan0", IF_VXLAN, hostNs, VNI, cpus, p.netdevMaxBacklog) : null;
    if (vxlan != null) {
      groCell = vxlan.cells;
      groCellHi = vxlan.cellsHi;
    } else {
      groCell = new PacketQueue[cpus];
      groCellHi = new PacketQueue[cpus];
      for (int c = 0; c < cpus; c++) {
        groCell[c] = new PacketQueue("gro_cell", p.netdevMaxBacklog); // groCellHi: filled on first use
      }
    }
    bridge = stack == StackKind.DOCKER_OVERLAY ? new BridgeDevice("docker0", 5, hostNs) : null;
    if (bridge != null) {
      bridge.addPort(); // port 0: vxlan0
      for (String cn : hs.containers()) veth(hs.id() + "/" + cn);
    }
    int[] mine = spec.flowsOf(hs.index());
    int nf = mine.length; // per-flow state: slots of this host's own flows only (Spec.flowsOf)
    macSrc = new long[nf * 2];
    macDst = new long[nf * 2];
    vethOf = bridge == null ? null : new VethPair[nf * 2];
    for (int slot = 0; slot < nf; slot++) {
      Spec.FlowSpec f = spec.flows.get(mine[slot]);
      for (int dir = 0; dir < 2; dir++) {
        String from = dir == 0 ? f.src() : f.dst(), to = dir == 0 ? f.dst() : f.src();
        int toHost = dir == 0 ? f.dstHost() : f.srcHost();
        int i = slot * 2 + dir;
        macSrc[i] = NetDevice.mac(from);
        macDst[i] = NetDevice.mac(to);
        // libnetwork programs the overlay's peers statically: vxlan FDB (inner MAC -> VTEP) and the bridge's
        // entry for each remote MAC on the vxlan port; local containers are learned on their veth ports
        if (vxlan != null && toHost != hs.index()) vxlan.fdbAdd(macDst[i], toHost);
        if (bridge != null) {
          VethPair local = veth(toHost == hs.index() ? to : from);
          vethOf[i] = local;
          if (toHost != hs.index()) bridge.learn(macDst[i], 0);
          bridge.learn(NetDevice.mac(toHost == hs.index() ? to : from), local.bridgePort);
        }
      }
    }
    merge = policy.mergeBeforeTransport() ? new ReorderBuffer(nf, this::slot, policy.mergeTimeoutNanos(),
        p.netdevMaxBacklog) : null;
    shm = new ShmPath(this, nf);
    stats = new SteeringStats(this, nf, cpus);
    @SuppressWarnings("unchecked")
    List<List<Object[]>>[] ro = new List[cpus];
    remoteOut = ro;
    remoteAt = new long[cpus][]; // a row per core on its first hand-off, like remoteOut (most cores never)
    cores = new CoreEntity[cpus];
    rxSockByFlow = new Sock[nf];
    txSockByFlow = new Sock[nf];
    lastRecvCpu = new int[nf];
    lastTx = new long[nf * 2];
    java.util.Arrays.fill(lastRecvCpu, -1);
  }

  /** The flows this host sends or receives, ascending; a flow's position here is its slot. */
  int[] flows() {
    return spec.flowsOf(hs.index());
  }

  /** Flow {@code flow}'s slot among this host's flows (index of its per-flow state); -1: not one of them. */
  int slot(int flow) {
    return spec.slot(flow, hs.index());
  }

  /** The veth pair of container endpoint {@code ep} ("h2/c1"), created with its namespace on first use. */
  private VethPair veth(String ep) {
    VethPair v = veths.get(ep);
    if (v == null) {
      int n = veths.size();
      v = new VethPair("veth" + n, 10 + 2 * n, hostNs, 11 + 2 * n, new NetNamespace(ep, false), bridge.addPort());
      veths.put(ep, v);
    }
    return v;
  }

  int irqCpu(int queue) {
    return queue % cpus;
  }

  void drop(String place, String reason, long n) {
    drops.merge(place + "|" + reason, n, Long::sum);
  }

  // ---------------------------------------------------------------- NAPI polls

  /** pNIC NAPI poll of {@code ring}: driver, GRO, then the rest of the path per skb. */
  long pollNic(CoreEntity c, RxRing ring, int quota, int[] work) {
    long now = c.nowNs();
    int k = Math.min(quota, ring.ready(now));
    work[0] = k;
    long cost = p.napiPoll;
    if (k == 0) return cost;
    stats.loBatches[c.cpu]++;
    List<Packet> batch = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      Packet pk = ring.poll();
      cost += p.driverRx;
      stats.ranStage(c.cpu, pk, now);
      int t = policy.targetCpu(Boundary.AFTER_DRIVER, ctx(c, pk, IF_PNIC));
      if (t != c.cpu) {
        // split before GRO (Falcon softirq splitting, mFlow early split, PRISM low-priority split)
        cost += remote(c, pk, t, false, policy.groAfterSplit(ctx(c, pk, IF_PNIC)) ? S_GRO : S_L3, cost);
      } else {
        batch.add(pk);
      }
    }
    cost += groAndL3(c, batch, cost);
    return cost;
  }

  private long groAndL3(CoreEntity c, List<Packet> batch, long offset) {
    long cost = 0;
    if (batch.isEmpty()) return 0;
    if (p.gro) {
      cost += (long) batch.size() * p.groPerPkt;
      // Without tunnel RX offload the outer GRO cannot aggregate VXLAN packets (inner csum unverified).
      if (stack.overlay() && p.tunnelOffload) cost += (long) batch.size() * p.groTunnel;
      if (!stack.overlay() || p.tunnelOffload) batch = Gro.coalesce(batch, p.groMaxSegs);
    }
    for (Packet s : batch) {
      stats.ranStage(c.cpu, s, c.nowNs());
      int t = policy.targetCpu(Boundary.AFTER_GRO, ctx(c, s, IF_PNIC));
      if (t != c.cpu) {
        cost += remote(c, s, t, false, S_L3, offset + cost);
      } else {
        cost += rx(c, S_L3, s, offset + cost);
      }
    }
    return cost;
  }

  long pollGroCell(CoreEntity c, int quota, int[] work) {
    PacketQueue q = groCell[c.cpu];
    long cost = p.napiPoll;
    List<Packet> batch = new ArrayList<>();
    PacketQueue hq = groCellHi[c.cpu];
    while (!PacketQueue.isEmpty(hq)) { // PRISM: the high-priority queue drains first, without quota
      Packet s = hq.poll();
      stats.dequeued(s, c.cpu, c.nowNs());
      batch.add(s);
    }
    int hi = batch.size();
    if (!q.isEmpty()) stats.loBatches[c.cpu]++;
    int n = 0;
    while (n < quota && !q.isEmpty()) {
      Packet s = q.poll();
      stats.dequeued(s, c.cpu, c.nowNs());
      batch.add(s);
      n++;
    }
    work[0] = n;
    groCellSkbs += n + hi;
    for (Packet s : batch) stats.ranStage(c.cpu, s, c.nowNs());
    if (p.gro) {
      for (Packet s : batch) cost += (long) s.segs() * p.groPerPkt;
      batch = Gro.coalesce(batch, p.groMaxSegs);
    }
    for (Packet s : batch) cost += rx(c, S_CELL, s, cost);
    return cost;
  }

  long pollBacklog(CoreEntity c, int quota, int[] work) {
    PacketQueue q = backlog[c.cpu];
    long cost = p.napiPoll;
    int n = 0;
    List<Packet> groBatch = null;
    PacketQueue hq = backlogHi[c.cpu];
    int hi = 0;
    while (!PacketQueue.isEmpty(hq)) { // PRISM: the high-priority queue drains first, without quota
      int st = hq.peekStage();
      Packet s = hq.poll();
      hi++;
      stats.dequeued(s, c.cpu, c.nowNs());
      if (st != S_TX_HOST) stats.ranStage(c.cpu, s, c.nowNs());
      cost += p.backlogPoll;
      if (st == S_TX_HOST) cost += txHost(c, s, cost);
      else cost += rx(c, st, s, cost);
    }
    backlogSkbs += hi;
    if (!q.isEmpty()) stats.loBatches[c.cpu]++;
    while (n < quota && !q.isEmpty()) {
      int st = q.peekStage();
      Packet s = q.poll();
      n++;
      stats.dequeued(s, c.cpu, c.nowNs());
      if (st != S_TX_HOST) stats.ranStage(c.cpu, s, c.nowNs());
      cost += p.backlogPoll;
      if (st == S_GRO) {
        if (groBatch == null) groBatch = new ArrayList<>();
        groBatch.add(s);
        continue;
      }
      if (st == S_TX_HOST) cost += txHost(c, s, cost);
      else cost += rx(c, st, s, cost);
    }
    if (groBatch != null) cost += groAndL3(c, groBatch, cost);
    work[0] = n;
    backlogSkbs += n;
    return cost;
  }

  /** XPS: mlx4_en binds TX ring i to CPU i (netif_set_xps_queue in mlx4_en_activate_tx_ring). */
  int txQueue(int cpu) {
    return cpu % txRings.length;
  }

  /**
   * TX completion NAPI (mlx4_en_poll_tx_cq -> mlx4_en_process_tx_cq, Linux 4.4): frees the completed
   * descriptors (up to MLX4_EN_DEFAULT_TX_WORK = 256 per poll; TX NAPI work does not consume the
   * net_rx_action budget). A stopped queue with room again is woken (netif_tx_wake_queue ->
   * __netif_schedule raises NET_TX; net_tx_action runs in the same __do_softirq pass).
   * Returns the cost; {@code work[0]} = descriptors freed.
   */
  long pollTx(CoreEntity c, TxRing r, int[] work) {
    int n = r.clean(c.nowNs(), 256);
    work[0] = n;
    long cost = p.napiPoll + (long) n * p.txClean;
    if (r.wakeIfRoom()) {
      netTx++;
      cost += p.netTxAction;
    }
    return cost;
  }

  // ---------------------------------------------------------------- receive stages

  /** Runs the receive path of {@code s} from {@code stage} until it is queued or delivered. */
  long rx(CoreEntity c, int stage, Packet s, long offset) {
    long cost = 0;
    switch (stage) {
      case S_L3 -> {
        cost += p.ipRx;
        if (!stack.overlay()) return cost + l4(c, s, offset + cost);
        cost += p.udpRx + p.vxlanDecap;
        vxlan.decap(s);
        if (!p.tunnelOffload && !s.udp()) cost += p.csum(s.len());
        if (policy.runToCompletion(Boundary.GRO_CELL, ctx(c, s, IF_VXLAN))) {
          if (s.prio() > 0) stats.hiInline++;
          return cost + rx(c, S_CELL, s, offset + cost);
        }
        int t = policy.targetCpu(Boundary.GRO_CELL, ctx(c, s, IF_VXLAN));
        if (t != c.cpu) return cost + remote(c, s, t, true, S_CELL, offset + cost);
        cost += p.groCellEnqueue;
        enqueue(c, s, true, S_CELL);
        return cost;
      }
      case S_CELL -> {
        if (stack == StackKind.LINUX_OVERLAY) return cost + p.ipRx + l4(c, s, offset + cost + p.ipRx);
        cost += p.bridge + p.netfilter + p.veth;
        int i = slot(s.flow()) * 2 + s.dir();
        bridge.forward(macSrc[i], macDst[i], 0); // in on vxlan0, out on the container's veth
        vethOf[i].host.xmitCounted(); // veth_xmit -> netif_rx (toBacklog)
        if (policy.runToCompletion(Boundary.BACKLOG, ctx(c, s, IF_VETH))) {
          if (s.prio() > 0) stats.hiInline++;
          return cost + rx(c, S_CONT, s, offset + cost);
        }
        return cost + toBacklog(c, s, S_CONT, offset + cost);
      }
      case S_CONT -> {
        // container netns: no iptables rules of its own (Docker installs them in the host netns)
        cost += p.ipRx;
        return cost + l4(c, s, offset + cost);
      }
      default -> throw new IllegalStateException("stage " + stage);
    }
  }

  /** netif_rx: enqueue_to_backlog of the core the policy picks (vanilla: this one). */
  private long toBacklog(CoreEntity c, Packet s, int stage, long offset) {
    int t = policy.targetCpu(Boundary.BACKLOG, ctx(c, s, IF_VETH));
    if (t != c.cpu) return remote(c, s, t, false, stage, offset);
    enqueue(c, s, false, stage);
    return p.backlogEnqueue;
  }

  /**
   * Enqueue on this core's gro_cell ({@code cell}) or backlog, in the high-priority queue when the
   * policy says so (PRISM), and schedule the NAPI instance (at the head of the poll list if the
   * policy wants high-priority work first).
   */
  private void enqueue(CoreEntity c, Packet s, boolean cell, int stage) {
    Boundary b = cell ? Boundary.GRO_CELL : Boundary.BACKLOG;
    boolean hi = policy.highPriority(b, ctx(c, s, cell ? IF_VXLAN : IF_VETH));
    PacketQueue q = hi
        ? (cell ? PacketQueue.at(groCellHi, c.cpu, "gro_cell_hi", p.netdevMaxBacklog)
            : PacketQueue.at(backlogHi, c.cpu, "backlog_hi", p.netdevMaxBacklog))
        : (cell ? groCell[c.cpu] : backlog[c.cpu]);
    if (cell && vxlan != null ? vxlan.groCellReceive(c.cpu, s, stage, hi) : q.offer(s, stage)) {
      stats.enqueued(s, c.cpu);
      if (cell) c.scheduleCell(policy.scheduleAtHead(hi));
      else c.scheduleBacklog(hi);
    } else {
      drop(cell ? "gro_cell" : "backlog", "netdev_max_backlog", s.segs());
    }
  }

  /**
   * Cross-core enqueue to core {@code t}: queued on this core's per-target list and sent, with one
   * IPI per target, when the current step ends ({@link #flushRemote}); the target runs the IPI
   * handler after {@code ipi-latency}. Cost here: the enqueue, plus {@code ipi-send} for the first
   * skb to a target in this step.
   */
  private long remote(CoreEntity c, Packet s, int t, boolean cell, int stage, long offset) {
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
    remoteAt[c.cpu][t] = Math.max(remoteAt[c.cpu][t], c.nowNs() + offset + cost);
    return cost;
  }

  /** Sends the cross-core hand-offs of core {@code c}'s last step (called by the core after each message). */
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
      c.sendTo(coreRefs[t], at - c.nowNs() + p.ipiLatency, new SteerMsgs.RemoteBatch(sk, cell, st));
      out.set(t, null);
      remoteAt[c.cpu][t] = 0;
    }
  }

  /** The remote side of {@link #remote}: runs as the IPI handler on the target core. */
  void acceptRemote(CoreEntity c, SteerMsgs.RemoteBatch m) {
    for (int i = 0; i < m.skbs().length; i++) enqueue(c, m.skbs()[i], m.cell()[i], m.stage()[i]);
  }

  /** The policy's periodic tick (on core 0). */
  void policyTick(CoreEntity c) {
    cur = c;
    ctxSkb = null;
    policy.onTick(this);
  }

  /** Transport layer of the destination namespace, behind mFlow's reorder buffer if the policy asks. */
  private long l4(CoreEntity c, Packet s, long offset) {
    stats.ranStage(c.cpu, s, c.nowNs());
    if (merge == null || s.isAck() || (!s.udp() && s.len() == 0)) return l4Now(c, s, offset);
    List<Packet> ready = merge.offer(s, c.nowNs() + offset);
    long cost = ready.isEmpty() ? p.backlogEnqueue : 0;
    for (Packet r : ready) cost += l4Now(c, r, offset + cost);
    armMergeTimer(c);
    return cost;
  }

  private void armMergeTimer(CoreEntity c) {
    int flow = merge.armFlow();
    long at = merge.takeArm();
    if (at >= 0) c.sendTo(coreRefs[c.cpu], Math.max(0, at - c.nowNs()), new SteerMsgs.MergeTimer(flow));
  }

  /**
   * mFlow's merge gap timer fired (timer softirq on this core): give up the gap and run the
   * transport for what is released. Like the TCP timers, its CPU time is not charged.
   */
  void mergeTimer(CoreEntity c, SteerMsgs.MergeTimer m) {
    long cost = p.timer;
    for (Packet r : merge.onTimer(m.flow(), c.nowNs())) cost += l4Now(c, r, cost);
    armMergeTimer(c);
  }

  private long l4Now(CoreEntity c, Packet s, long offset) {
    long cost = 0;
    if (s.udp()) {
      Sock k = rxSockByFlow[slot(s.flow())];
      if (s.fragmented()) {
        cost += p.ipDefrag;
        if (k.partialSeq != s.seq()) {
          if (k.partialSeq >= 0 && k.partialFrags > 0) drop("ip_defrag", "incomplete", k.partialFrags);
          k.partialSeq = s.seq();
          k.partialFrags = 0;
        }
        k.partialFrags++;
        if (s.frag() != s.frags() - 1) return cost;
        if (k.partialFrags != s.frags()) {
          drop("ip_defrag", "incomplete", k.partialFrags);
          k.partialSeq = -1;
          k.partialFrags = 0;
          return cost;
        }
        k.partialSeq = -1;
        k.partialFrags = 0;
      }
      int segs = s.frags();
      long bytes = s.fragmented() ? k.flow.messageBytes() : s.len();
      cost += p.udpRx + (s.fragmented() ? p.csum(bytes) : 0);
      if (k.udpQueuedBytes + bytes > p.udpRmem) {
        drop("socket", "rcvbuf_full", segs);
        return cost;
      }
      delivered += segs;
      k.deliveredSegs += segs;
      k.udpQueuedBytes += bytes;
      stats.toSocket(s.flow(), bytes, s.sentNanos(), c.nowNs() + offset + cost);
      c.sendTo(coreRefs[k.cpu], offset + cost, new Msgs.SockData(k.id, bytes, segs));
      return cost;
    }
    if (s.isAck()) {
      Sock k = txSockByFlow[slot(s.flow())];
      delivered += s.segs();
      cost += p.tcpRx;
      boolean freed = k.tx.onAck(s.ack(), s.wnd(), s.sackStart(), s.sackEnd(), s.sentNanos(), c.nowNs() + offset);
      cost += tcpPush(c, k, offset + cost);
      if (freed && k.sleeping && !k.wakePending) {
        k.wakePending = true;
        c.sendTo(coreRefs[k.cpu], offset + cost + p.wakeup, new Msgs.Wake(k.id));
      }
      return cost;
    }
    Sock k = rxSockByFlow[slot(s.flow())];
    delivered += s.segs();
    k.deliveredSegs += s.segs();
    cost += p.tcpRx + (long) s.segs() * p.tcpRxPerSeg;
    long n = k.rx.onData(c.nowNs() + offset, s.seq(), s.len(), s.segs());
    stats.toSocket(s.flow(), n, s.sentNanos(), c.nowNs() + offset + cost);
    if (n > 0) c.sendTo(coreRefs[k.cpu], offset + cost, new Msgs.SockData(k.id, n, 0));
    if (k.rx.ackDue() || (k.flow.rr() != null && k.rx.pendingAckSegs > 0)) {
      cost += sendAck(c, k, offset + cost, s.sentNanos());
    } else if (k.rx.pendingAckSegs > 0 && k.rx.ackPendingSince < 0) {
      k.rx.ackPendingSince = c.nowNs() + offset + cost; // the delayed-ACK timer starts
    }
    return cost;
  }

  /**
   * The TCP timers of a socket, checked every millisecond: the sender's RACK-like loss detection
   * (floor 1 ms) and RTO (the profile's min-rto), the receiver's delayed ACK (the profile's
   * delayed-ack, TCP_DELACK_MIN).
   */
  void tcpTimer(CoreEntity c, Sock k) {
    if (k.tx != null && (k.tx.onRackTimer(c.nowNs(), 1_000_000) || k.tx.checkRto(c.nowNs(), p.minRtoNanos))) {
      tcpPush(c, k, p.timer);
    }
    if (k.rx != null && k.rx.delayedAckExpired(c.nowNs(), p.delayedAckNanos)) {
      sendAck(c, k, p.timer, 0);
    }
  }

  long sendAck(CoreEntity c, Sock k, long offset, long echo) {
    k.rx.pendingAckSegs = 0;
    k.rx.ackPendingSince = -1;
    Spec.FlowSpec f = k.flow;
    Packet a = new Packet(f.index(), (byte) 1, false, 0, 0, 1, k.rx.rcvNxt, k.rx.window(), k.rx.lastSackStart,
        k.rx.lastSackEnd, (short) 0, (short) 1, flowHash(f, 1), (byte) f.prio(), f.srcHost(), echo, false);
    sent += 1;
    return p.tcpAckTx + tx(c, a, offset + p.tcpAckTx);
  }

  /** tcp_write_xmit from whatever context runs it (app sendmsg or ACK softirq). */
  long tcpPush(CoreEntity c, Sock k, long offset) {
    long cost = 0;
    Spec.FlowSpec f = k.flow;
    for (Tcp.Seg g : k.tx.output(c.nowNs() + offset)) {
      int segs = (g.len() + p.mss() - 1) / p.mss();
      Packet s = new Packet(f.index(), (byte) 0, false, g.seq(), g.len(), segs, 0, 0, -1, -1, (short) 0, (short) 1,
          flowHash(f, 0), (byte) f.prio(), f.dstHost(), c.nowNs() + offset + cost, g.retx());
      sent += segs;
      k.sentSegs += segs;
      cost += p.tcpTx;
      cost += tx(c, s, offset + cost);
    }
    return cost;
  }

  // ---------------------------------------------------------------- transmit stages

  /** Transmit path of an skb leaving a socket of this host's stack. */
  long tx(CoreEntity c, Packet s, long offset) {
    long cost = p.ipTx;
    switch (stack) {
      case NATIVE -> cost += driverTx(c, s, offset + cost);
      case LINUX_OVERLAY -> {
        cost += p.vxlanEncap + p.ipTx;
        vxlan.encap(s, macDst[slot(s.flow()) * 2 + s.dir()]);
        cost += driverTx(c, s, offset + cost);
      }
      case DOCKER_OVERLAY -> {
        cost += p.veth; // netfilter runs once, in the host netns (txHost)
        vethOf[slot(s.flow()) * 2 + s.dir()].container.xmitCounted();
        ctxTx = true;
        int t = policy.targetCpu(Boundary.BACKLOG, ctx(c, s, IF_VETH));
        ctxTx = false;
        if (t != c.cpu) {
          cost += remote(c, s, t, false, S_TX_HOST, offset + cost);
        } else if (backlog[c.cpu].offer(s, S_TX_HOST)) {
          cost += p.backlogEnqueue;
          c.scheduleBacklog(false);
        } else {
          drop("backlog", "netdev_max_backlog", s.segs());
        }
      }
    }
    return cost;
  }

  /** Host side of the Docker transmit path (process_backlog of the veth peer). */
  long txHost(CoreEntity c, Packet s, long offset) {
    if (s.dstHost() == hs.index()) {
      // both containers on this host: the bridge forwards to the peer's veth (no VXLAN, no NIC)
      int i = slot(s.flow()) * 2 + s.dir();
      bridge.forward(macSrc[i], macDst[i], veth(s.dir() == 0 ? spec.flows.get(s.flow()).src()
          : spec.flows.get(s.flow()).dst()).bridgePort);
      veth(s.dir() == 0 ? spec.flows.get(s.flow()).dst() : spec.flows.get(s.flow()).src()).host.xmitCounted();
      long cost = p.bridge + p.netfilter + p.veth;
      return cost + toBacklog(c, s, S_CONT, offset + cost);
    }
    int i = slot(s.flow()) * 2 + s.dir();
    bridge.forward(macSrc[i], macDst[i], vethOf[i].bridgePort);
    vxlan.encap(s, macDst[i]);
    long cost = p.bridge + p.netfilter + p.vxlanEncap + p.ipTx;
    return cost + driverTx(c, s, offset + cost);
  }

  private long driverTx(CoreEntity c, Packet s, long offset) {
    long cost = p.driverTx;
    if (!p.txCqInterrupts) cost += p.txClean; // completion reaped from the xmit path (one per descriptor)
    if (s.segs() > 1 && !p.tso) cost += (long) s.segs() * (p.gsoSeg + p.driverTxPerPkt);
    // the socket lock / qdisc keep one flow's skbs in order even when app and softirq both transmit
    int key = slot(s.flow()) * 2 + s.dir();
    long at = Math.max(c.nowNs() + offset + cost, lastTx[key]);
    lastTx[key] = at;
    c.sendTo(nicRef, at - c.nowNs(), new Msgs.Tx(s, txQueue(c.cpu)));
    return cost;
  }

  // ---------------------------------------------------------------- applications

  /** One app step: returns {usr, sys} ns, or null when the thread must sleep. */
  long[] appStep(CoreEntity c, Sock k) {
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    if (now < f.startNanos()) {
      k.nextSendAt = f.startNanos();
      c.sendTo(coreRefs[k.cpu], f.startNanos() - now, new Msgs.AppTimer(k.id));
      return null;
    }
    if (f.rr() != null) return rrStep(c, k);
    if (shm.has(f.index())) return shm.appStep(c, k); // FreeFlow: shared-memory ring, no kernel
    if (k.sender && !k.udp) {
      if (f.rateBps() > 0 && now < k.nextSendAt) { // iperf3 -b: paced writes
        c.sendTo(coreRefs[k.cpu], k.nextSendAt - now, new Msgs.AppTimer(k.id));
        return null;
      }
      long space = k.tx.space();
      if (space <= 0) return null;
      long bytes = Math.min(f.messageBytes(), space);
      if (f.rateBps() > 0) {
        k.nextSendAt = Math.max(k.nextSendAt, f.startNanos()) + Math.max(1, bytes * 8 * 1_000_000_000L / f.rateBps());
      }
      k.tx.written += bytes;
      long sys = p.syscall + p.copy(bytes);
      sys += tcpPush(c, k, sys + p.appPerMessage);
      return new long[] {p.appPerMessage, sys};
    }
    if (k.sender) {
      if (f.rateBps() > 0 && now < k.nextSendAt) {
        c.sendTo(coreRefs[k.cpu], k.nextSendAt - now, new Msgs.AppTimer(k.id));
        return null;
      }
      long backlogNs = nic.txBusyUntil - now;
      if (backlogNs > 100_000) { // qdisc/TX ring full: the socket blocks until the NIC drains
        c.sendTo(coreRefs[k.cpu], backlogNs - 50_000, new Msgs.AppTimer(k.id));
        return null;
      }
      long bytes = f.messageBytes();
      long sys = p.syscall + p.copy(bytes) + p.udpTx;
      int fp = p.fragPayload();
      long total = bytes + 8;
      int frags = total <= p.mtu - 20 ? 1 : (int) ((total + fp - 1) / fp);
      long seq = k.dgramSeq++;
      int h = flowHash(f, 0);
      for (int i = 0; i < frags; i++) {
        int len = frags == 1 ? (int) bytes : (int) Math.min(fp, total - (long) i * fp);
        Packet s = new Packet(f.index(), (byte) 0, true, seq, len, 1, 0, 0, -1, -1, (short) i, (short) frags, h,
            (byte) f.prio(), f.dstHost(), now, false);
        if (frags > 1) sys += p.ipFrag;
        sent += 1;
        k.sentSegs += 1;
        sys += tx(c, s, sys + p.appPerMessage);
      }
      if (f.rateBps() > 0) {
        long interval = Math.max(1, bytes * 8 * 1_000_000_000L / f.rateBps());
        k.nextSendAt = Math.max(k.nextSendAt, f.startNanos()) + interval;
      }
      return new long[] {p.appPerMessage, sys};
    }
    // receiver
    if (k.udp) {
      long[] d = k.dgrams.poll();
      if (d == null) return null;
      k.udpQueuedBytes -= d[0];
      k.dgramsDelivered++;
      if (now >= warmup) k.goodBytes += d[0];
      seriesAdd(k, now, d[0]);
      lastRecvCpu[slot(f.index())] = c.cpu;
      long rsys = p.syscall + p.copy(d[0]) + p.skbFree * d[1];
      stats.toApp(f.index(), d[0], now + p.appPerMessage + rsys);
      return new long[] {p.appPerMessage, rsys};
    }
    if (k.readable <= 0) return null;
    long bytes = Math.min(k.readable, f.messageBytes());
    k.readable -= bytes;
    int before = k.rx.window();
    k.rx.queued -= bytes;
    k.rx.onRead(now, bytes);
    if (now >= warmup) k.goodBytes += bytes;
    seriesAdd(k, now, bytes);
    lastRecvCpu[slot(f.index())] = c.cpu;
    long sys = p.syscall + p.copy(bytes) + p.skbFree * Math.max(1, bytes / (p.mss() * 20L));
    stats.toApp(f.index(), bytes, now + p.appPerMessage + sys);
    // tcp_cleanup_rbuf: window update when the advertised window was at most half the clamp and the
    // read at least doubled it (so a zero window always reopens at once)
    int after = k.rx.window();
    if (2L * before <= Math.min(k.rx.clamp, k.rx.rcvbuf / 2) && after > 0 && after >= 2L * before) {
      sys += sendAck(c, k, sys, 0);
    }
    return new long[] {p.appPerMessage, sys};
  }

  /** Percentiles of the latency CDF in results (after p50, p90, p99, p999 in {@link #latencyUs}). */
  static final double[] CDF_PERCENTILES = {0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 100};

  /** [p50, p90, p99, p999, then the value at each of CDF_PERCENTILES], in microseconds. */
  private static double[] latencyUs(Sock k) {
    if (k.latency == null || k.latency.getTotalCount() == 0) return null;
    double[] q = {50, 90, 99, 99.9};
    double[] out = new double[q.length + CDF_PERCENTILES.length];
    for (int i = 0; i < q.length; i++) out[i] = Math.round(k.latency.getValueAtPercentile(q[i]) / 10.0) / 100.0;
    for (int i = 0; i < CDF_PERCENTILES.length; i++) {
      out[q.length + i] = Math.round(k.latency.getValueAtPercentile(CDF_PERCENTILES[i]) / 10.0) / 100.0;
    }
    return out;
  }

  private void seriesAdd(Sock k, long now, long bytes) {
    int i = (int) Math.min(k.series.length - 1, now / spec.seriesNanos);
    k.series[i] += bytes;
  }

  /**
   * Reads {@code bytes} from data socket {@code r} on the app core, adding the time to {@code st}
   * ({usr, sys} of the step so far): recvmsg (sys), or FreeFlow's ring (usr, no syscall).
   */
  private void rrRead(CoreEntity c, Sock r, long bytes, long[] st) {
    long now = c.nowNs();
    if (shm.has(r.flow.index())) {
      st[0] += shm.read(c, r, bytes, st[0] + st[1]);
    } else {
      r.readable -= bytes;
      r.rx.queued -= bytes;
      r.rx.onRead(now, bytes);
      st[1] += p.syscall + p.copy(bytes) + p.skbFree;
      stats.toApp(r.flow.index(), bytes, now + st[0] + st[1]);
    }
    if (now >= warmup) r.goodBytes += bytes;
    seriesAdd(r, now, bytes);
    lastRecvCpu[slot(r.flow.index())] = c.cpu;
  }

  /** Bytes of a whole message thread can read from data socket {@code r} (kernel socket or ring). */
  private long rrReadable(Sock r) {
    return shm.has(r.flow.index()) ? shm.readable(r.flow.index()) : r.readable;
  }

  /** Free send space of connection side {@code k}. */
  private long rrSpace(Sock k) {
    return shm.has(k.flow.index()) ? shm.space(k.flow.index()) : k.tx.space();
  }

  /** Writes {@code bytes} on {@code k}: sendmsg + tcp_write_xmit (sys), or a push into FreeFlow's ring (usr). */
  private void rrWrite(CoreEntity c, Sock k, long bytes, long[] st) {
    if (shm.has(k.flow.index())) {
      st[0] += shm.write(c, k, bytes, st[0] + st[1]);
      return;
    }
    k.tx.written += bytes;
    st[1] += p.syscall + p.copy(bytes);
    st[1] += tcpPush(c, k, st[0] + st[1]);
  }

  /**
   * One step of a request-response / ping-pong thread (closed loop, one outstanding request per
   * connection). Client = the request flow's sender: draws GET/SET, writes the request, sleeps until
   * the whole response is readable, records the latency (write start to response read), thinks.
   * Server = the response flow's sender: waits for a whole request, reads it, writes the response.
   */
  private long[] rrStep(CoreEntity c, Sock k) {
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    Spec.Rr rr = f.rr();
    long[] st = {p.appPerMessage, 0}; // {usr, sys}
    if (!f.reverse()) { // client
      if (shm.has(f.index())) { // FreeFlow: connect through the monitor first
        long w = shm.connect(c, k);
        if (w >= 0) return w > 0 ? new long[] {w, 0} : null;
      }
      if (k.waiting) {
        if (rrReadable(k.peer) < k.expect) return null;
        rrRead(c, k.peer, k.expect, st);
        k.waiting = false;
        if (k.reqStart >= warmup) {
          k.latency.recordValue(Math.max(1, now + st[0] + st[1] - k.reqStart));
          if (tel != null && tel.latency[k.id] != null) tel.latency[k.id].record(Math.max(1, now + st[0] + st[1] - k.reqStart));
          k.transactions++;
        }
        k.nextSendAt = now + st[0] + st[1] + rr.thinkNanos();
        return st;
      }
      if (now < k.nextSendAt) {
        c.sendTo(coreRefs[k.cpu], k.nextSendAt - now, new Msgs.AppTimer(k.id));
        return null;
      }
      boolean get = k.rng.nextDouble() < rr.getRatio();
      long req = get ? rr.getReq() : rr.setReq();
      if (rrSpace(k) < req) return null;
      k.expect = get ? rr.getResp() : rr.setResp();
      k.waiting = true;
      k.reqStart = now;
      rrWrite(c, k, req, st);
      return st;
    }
    // server
    if (k.expect == 0) {
      boolean get = k.rng.nextDouble() < rr.getRatio();
      k.expect = get ? rr.getReq() : rr.setReq();
      k.respBytes = get ? rr.getResp() : rr.setResp();
    }
    if (rrReadable(k.peer) < k.expect || rrSpace(k) < k.respBytes) return null;
    rrRead(c, k.peer, k.expect, st);
    k.expect = 0;
    rrWrite(c, k, k.respBytes, st);
    return st;
  }

  /** Bytes/datagrams became readable in {@code k} (SockData handled on the app core). */
  void sockData(Sock k, Msgs.SockData m) {
    if (k.udp) k.dgrams.add(new long[] {m.bytes(), m.datagrams()});
    else k.readable += m.bytes();
  }

  static int flowHash(Spec.FlowSpec f, int dir) {
    return Hashing.mix32(((long) f.index() << 1 | dir) * 0x9E3779B97F4A7C15L + 12345);
  }

  // ---------------------------------------------------------------- StageContext

  private StageContext ctx(CoreEntity c, Packet s, int ifindex) {
    cur = c;
    ctxSkb = s;
    ctxIf = ifindex;
    return this;
  }

  @Override
  public long now() {
    return cur.nowNs();
  }

  @Override
  public int cpu() {
    return cur.cpu;
  }

  @Override
  public int cpus() {
    return cpus;
  }

  @Override
  public int flowHash() {
    return ctxSkb.hash();
  }

  @Override
  public int ifindex() {
    return ctxIf;
  }

  @Override
  public int flowId() {
    return ctxSkb.flow();
  }

  @Override
  public int priority() {
    return ctxSkb.prio();
  }

  @Override
  public int segments() {
    return ctxSkb.segs();
  }

  @Override
  public int lastRecvCpu() {
    int f = ctxSkb.flow();
    int i = slot(f);
    return i >= 0 ? lastRecvCpu[i] : -1;
  }

  @Override
  public long backlogEnqueued(int cpu) {
    return backlog[cpu].enqueued;
  }

  @Override
  public long backlogDequeued(int cpu) {
    return backlog[cpu].dequeued;
  }

  @Override
  public long busyNanos(int cpu) {
    return cores[cpu] == null ? 0 : cores[cpu].busyNanos();
  }

  @Override
  public boolean transmit() {
    return ctxTx;
  }

  @Override
  public boolean pureAck() {
    return ctxSkb != null && !ctxSkb.udp() && ctxSkb.len() == 0;
  }

  // ---------------------------------------------------------------- end of run

  record FlowSide(int flow, boolean sender, long sentSegs, long retransSegs, long deliveredSegs, long oooSegs,
      long goodBytes, long cwnd, long srttNanos, long transactions, double[] latencyUs, long[] series) {}

  record HostReport(String id, int index, long irqs, long ipis, long netRx, long netTx, long sent, long delivered,
      String[] dropKeys, long[] dropCounts, long inQueues, long ringDrops, long nicTx, long nicRx,
      long groCellSkbs, long backlogSkbs, long bridgeSkbs, long vethSkbs, long vxlanRx, long vxlanTx,
      FlowSide[] flows, String[] steerKeys, long[] steerValues, long txIrqs, long txStops) {
    /** Counters of the steering mechanisms (results: hosts[].steering), sorted by key. */
    java.util.LinkedHashMap<String, Object> steering() {
      java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
      for (int i = 0; i < steerKeys.length; i++) m.put(steerKeys[i], steerValues[i]);
      return m;
    }
  }

  HostReport report(NicEntity n) {
    long inQ = 0;
    for (RxRing r : rings) inQ += r.size();
    for (PacketQueue q : backlog) inQ += q.packetsInside();
    for (PacketQueue q : groCell) inQ += q.packetsInside();
    for (PacketQueue q : backlogHi) inQ += PacketQueue.packetsInside(q);
    for (PacketQueue q : groCellHi) inQ += PacketQueue.packetsInside(q);
    if (merge != null) {
      inQ += merge.packetsInside();
      stats.count("merge.parked_skbs", merge.parked);
      stats.count("merge.gaps_given_up", merge.gapsGivenUp);
    }
    inQ += shm.packetsInside();
    shm.report(stats);
    long ringDrops = 0;
    for (RxRing r : rings) ringDrops += r.dropped;
    FlowSide[] fs = new FlowSide[socks.size()];
    for (int i = 0; i < fs.length; i++) {
      Sock k = socks.get(i);
      if (k.partialFrags > 0) inQ += k.partialFrags;
      fs[i] = new FlowSide(k.flow.index(), k.sender, k.sentSegs, k.tx == null ? 0 : k.tx.retransSegs,
          k.deliveredSegs, k.rx == null ? 0 : k.rx.oooSegs, k.goodBytes, k.tx == null ? 0 : k.tx.cwnd,
          k.tx == null ? 0 : k.tx.srtt, k.transactions, latencyUs(k), k.series);
    }
    String[] keys = drops.keySet().toArray(new String[0]);
    long[] counts = new long[keys.length];
    for (int i = 0; i < keys.length; i++) counts[i] = drops.get(keys[i]);
    return new HostReport(hs.id(), hs.index(), irqs, ipis, netRx, netTx, sent, delivered, keys, counts, inQ,
        ringDrops, n.txPackets, n.rxPackets, groCellSkbs, backlogSkbs, bridge == null ? 0 : bridge.rxPackets, vethTx(),
        vxlan == null ? 0 : vxlan.rxPackets, vxlan == null ? 0 : vxlan.txPackets, fs,
        stats.snapshot().keySet().toArray(new String[0]),
        stats.snapshot().values().stream().mapToLong(Long::longValue).toArray(), txIrqs(), txStops());
  }

  /** skbs transmitted by all veth ends of this host (both directions). */
  private long vethTx() {
    long n = 0;
    for (VethPair v : veths.values()) n += v.host.txPackets + v.container.txPackets;
    return n;
  }

  private long txIrqs() {
    long n = 0;
    for (TxRing r : txRings) n += r.irqs;
    return n;
  }

  private long txStops() {
    long n = 0;
    for (TxRing r : txRings) n += r.stops;
    return n;
  }
}
