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
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.devices.TxRing;
import org.cnemu.emulator.EntityRef;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * One emulated host's kernel state: the plain per-host objects (NIC rings, per-CPU backlogs and
 * gro_cells, devices, sockets, counters) shared by the host's entities (its cores, NIC and RX queues),
 * which all live in one partition. The code that works on it is in named parts, each with one job:
 * {@link RxPath} (receive stages and NAPI polls), {@link TransportRx} (the sockets' receive side),
 * {@link TxPath} (transmit stages, TCP output),
 * {@link Handoff} (cross-core enqueues and their IPIs), {@link SocketDriver} (the application
 * threads' socket calls), {@link PolicyView} (what the steering policy sees), {@link HostResults}
 * (the end-of-run report), and {@link KernelCoreHost} (what a {@link CoreEntity} asks of its host).
 * Stage code runs inside the core that processes the batch; it returns the CPU time it took and
 * stamps its effects at {@code offset} ns into the current step.
 */
final class HostKernel {
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
  /**
   * A syscall's and the app loop's select()'s entry/exit work for this host's app threads: in a Docker container they
   * also run the seccomp filter (Profile.syscall(StackKind), kernel.container-seccomp).
   */
  final long syscallNanos, pollSyscallNanos;
  final SteeringPolicy policy;
  final int cpus;
  final long warmup;
  /**
   * This host's index ({@code hs.index()}); its flows, ascending ({@link #flows}), a copy allocated with the
   * host; and the first two of them (-1: none), which answer {@link #slot} for most hosts from this object.
   */
  final int index;
  private final int[] mine;
  private final int flow0, flow1;
  /**
   * This host's flows by slot: copies of the run-wide specs (and their loads), allocated with the host. The
   * sockets read them at every step (start time, rate, size, pacing); the run-wide records were allocated
   * while parsing, far from every host's state, so with many hosts each read was a cache miss.
   */
  private final Spec.FlowSpec[] flowSpecs;
  /** The RX queues' entities, each set by its constructor (none on a host that terminates no flow). */
  final NicQueue[] rxQueues;
  /** The RX queues' NAPI GRO lists (napi->gro_list), one per queue, held over a poll's steps. */
  final Gro[] nicGro;
  /** The pNIC's MSI-X vectors, one per RX queue (their TX CQs share them). */
  final MsixVector[] vectors;
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
  /** The sampled packets' journeys (null when sampling is off: every hook is then one null check). */
  final JourneyRecorder journeys;
  final CoreEntity[] cores;
  /**
   * The addresses ({@code EntityRef.address()}) of the cores' entities, of the NIC's and of the RX queues'
   * ({@link NicQueue}, "hX/nic/rxN"; null on a host that terminates no flow): a send to one reads this array, not
   * the target's {@code EntityRef} (with many hosts one more cold line per message).
   */
  long[] coreAddr;
  long nicAddr;
  long[] rxQueueAddr;
  NicEntity nic;
  final List<Sock> socks = new ArrayList<>();
  /** Per slot of this host's flows ({@link #slot}): the receiving / sending socket, the last reading CPU. */
  final Sock[] rxSockByFlow;
  final Sock[] txSockByFlow;
  final int[] lastRecvCpu;
  // counters
  long irqs;
  long ipis;
  /** Local APIC timer interrupts (/proc/interrupts LOC), and the scheduler ticks among them. */
  long localTimerIrqs, ticks;
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
  final TreeMap<String, VethPair> veths = new TreeMap<>();
  /** Per slot*2+dir: inner source / destination MAC, and (Docker) the veth pair of this host's end. */
  final long[] macSrc;
  final long[] macDst;
  final VethPair[] vethOf;
  /** Docker's overlay network VNI (the first one libnetwork allocates). */
  static final int VNI = 4096;
  final TreeMap<String, Long> drops = new TreeMap<>();
  /** Live telemetry (null unless a backend is installed; set when the first core starts). */
  KernelTelemetry tel;
  boolean telInit;
  // the parts that work on this state
  final PolicyView view;
  final Handoff handoff;
  final RxPath rx;
  /** The transport's receive side (UDP and TCP sockets), after the receive path. */
  final TransportRx l4;
  final TxPath tx;
  final SocketDriver apps;
  /** Connection churn: connect/accept/close, the handshake and FIN packets, listen sockets, port spaces. */
  final Churn churn;
  /**
   * Where this host's wall-clock millisecond ticks relative to virtual time 0, in [0, 1 ms): a real host's clock
   * boundary is unrelated to when a run starts (random stream host/ID wall-clock-phase; CUBIC's HyStart clock).
   */
  final long wallClockPhaseNanos;
  /**
   * Where this host's scheduler ticks fall, in [0, tick period): its cores tick at phase + k x period (random stream
   * host/ID tick-phase: another run, another phase). 0 without a tick.
   */
  final long schedTickPhaseNanos;

  HostKernel(Spec spec, Spec.HostSpec hs, SteeringPolicy policy) {
    this.spec = spec;
    // a copy next to this object: the NIC reads its link rate and RSS key per packet (see flowSpecs)
    this.hs = new Spec.HostSpec(hs.id(), hs.index(), hs.cpus(), hs.containers(), hs.profile(), hs.stack(),
        hs.linkRateBps(), hs.rssKey());
    this.p = hs.profile();
    this.wallClockPhaseNanos = spec.streams.stream("host/" + hs.id(), "wall-clock-phase").nextLong(1_000_000L);
    this.schedTickPhaseNanos = p.tickPeriodNanos == 0 ? 0
        : spec.streams.stream("host/" + hs.id(), "tick-phase").nextLong(p.tickPeriodNanos);
    this.stack = hs.stack();
    this.syscallNanos = p.syscall(stack);
    this.pollSyscallNanos = p.pollSyscall(stack);
    this.policy = policy;
    this.cpus = hs.cpus();
    this.warmup = spec.warmupNanos;
    this.index = hs.index();
    this.mine = spec.flowsOf(index).clone();
    this.flow0 = mine.length > 0 ? mine[0] : -1;
    this.flow1 = mine.length > 1 ? mine[1] : -1;
    flowSpecs = new Spec.FlowSpec[mine.length];
    for (int slot = 0; slot < mine.length; slot++) flowSpecs[slot] = spec.flows.get(mine[slot]).copy();
    rxQueues = new NicQueue[p.nicQueues];
    nicGro = new Gro[p.nicQueues];
    for (int q = 0; q < nicGro.length; q++) nicGro[q] = new Gro(p.groMaxSegs);
    vectors = new MsixVector[p.nicQueues];
    for (int q = 0; q < vectors.length; q++) vectors[q] = new MsixVector();
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
    journeys = spec.journeyEvery > 0 ? new JourneyRecorder(this, nf, spec.journeyEvery, spec.journeyFirst, spec.journeySeed) : null;
    cores = new CoreEntity[cpus];
    rxSockByFlow = new Sock[nf];
    txSockByFlow = new Sock[nf];
    lastRecvCpu = new int[nf];
    java.util.Arrays.fill(lastRecvCpu, -1);
    view = new PolicyView(this);
    handoff = new Handoff(this);
    tx = new TxPath(this, nf);
    rx = new RxPath(this);
    l4 = new TransportRx(this);
    apps = new SocketDriver(this);
    churn = new Churn(this);
  }

  /** The flows this host sends or receives, ascending; a flow's position here is its slot. */
  int[] flows() {
    return mine;
  }

  /**
   * Flow {@code flow}'s slot among this host's flows (index of its per-flow state); -1: not one of them.
   * A search of this host's own short, ascending array: every packet asks several times, and the run-wide
   * tables (one entry per flow) are cold with many hosts.
   */
  /**
   * The one wake path of a thread blocked in the kernel: core {@code c}, {@code offset} ns into its step (a softirq
   * that queued data, freed send space or completed a connection; a thread's release_sock), wakes thread
   * {@code t} if it sleeps with no wake-up on its way (try_to_wake_up). Returns the waker's CPU time, which the
   * caller adds to its step: costs.try-to-wake-up, and ipi-send when {@code t} preempts the thread running on
   * another core. The thread is on its core's run queue when try_to_wake_up ends (the cores share a last-level
   * cache: ttwu_queue enqueues it directly) and runs when that core is free, or next if it preempts the running
   * thread (CoreThreads: CFS's check_preempt_wakeup), when that core also gets a reschedule IPI (ipi-latency, then
   * its handler, ipi-rx); an idle other core (waiting in mwait with its polling flag set: no IPI, even while it runs
   * an interrupt) runs it after its C-state exit (idle-exit-latency, a delay) when it was in mwait. The woken
   * thread's core then pays its switch in (CoreThreads). The target's state is read at the waker's step start.
   */
  long wakeThread(CoreEntity c, Sock t, long offset) {
    if (!t.asleep()) return 0;
    t.wakePending = true;
    long cost = p.tryToWakeUpNanos;
    CoreEntity target = cores[t.cpu];
    if (target != c && target.idleInMwait()) {
      c.toCore(coreAddr[t.cpu], offset + cost + p.idleExitLatencyNanos, new CoreEntity.Wake(t.id));
      return cost;
    }
    c.toCore(coreAddr[t.cpu], offset + cost, new CoreEntity.Wake(t.id));
    // check_preempt_curr -> resched_curr: an IPI only when the thread preempts the target's (an idle core, or one
    // running an interrupt from idle, polls its flag)
    if (target != c && target.wakePreempts(t)) {
      cost += p.ipiSend;
      c.toCore(coreAddr[t.cpu], offset + cost + p.ipiLatency, new CoreEntity.Resched());
    }
    return cost;
  }

  int slot(int flow) {
    if (flow < 0) return -1;
    if (flow == flow0) return 0;
    if (flow == flow1) return 1;
    int i = java.util.Arrays.binarySearch(mine, flow);
    return i >= 0 ? i : -1;
  }

  /** This host's copy of flow {@code f}'s spec (f must be one of its flows). */
  Spec.FlowSpec local(Spec.FlowSpec f) {
    return flowSpecs[slot(f.index())];
  }

  /** The veth pair of container endpoint {@code ep} ("h2/c1"), created with its namespace on first use. */
  VethPair veth(String ep) {
    VethPair v = veths.get(ep);
    if (v == null) {
      int n = veths.size();
      v = new VethPair("veth" + n, 10 + 2 * n, hostNs, 11 + 2 * n, new NetNamespace(ep, false), bridge.addPort());
      veths.put(ep, v);
    }
    return v;
  }

  /** Where core {@code cpu} of this host is, in a journey (-1: the host, on no core). */
  int where(int cpu) {
    return index << 16 | (cpu & 0xffff);
  }

  int irqCpu(int queue) {
    return queue % cpus;
  }

  void drop(String place, String reason, long n) {
    drops.merge(place + "|" + reason, n, Long::sum);
  }

  /** XPS: mlx4_en binds TX ring i to CPU i (netif_set_xps_queue in mlx4_en_activate_tx_ring). */
  int txQueue(int cpu) {
    return cpu % txRings.length;
  }

  /** The hash of flow {@code f}'s 5-tuple in direction {@code dir} (its source port is drawn per run). */
  static int flowHash(Spec.FlowSpec f, int dir) {
    return hash(f.portHash(), dir);
  }

  /** The hash of a 4-tuple with seed {@code portHash} (a flow's, or a churned connection's) in direction {@code dir}. */
  static int hash(int portHash, int dir) {
    return Hashing.mix32(((long) portHash << 1 | dir) * 0x9E3779B97F4A7C15L + 12345);
  }
}
