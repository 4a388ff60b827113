package org.cnemu.devices;

import com.typesafe.config.Config;
import org.cnemu.emulator.config.Units;

/**
 * A hardware + kernel profile and its cost model (all costs in virtual ns), read from
 * {@code cnemu.profiles.NAME} in reference.conf (where every key names its source) with the
 * experiment's {@code overrides} on top. Immutable; one instance is shared by the hosts of a JVM.
 */
public final class Profile {
  public final String name;
  // hardware
  public final int cpus;
  public final long nicRateBps;
  public final int nicQueues;
  public final int ringSize;
  /**
   * Descriptors the driver reposts at once after its CQ loop: it reposts the largest multiple of this it is
   * missing (1: all of them); the rest stay unposted until a later poll.
   */
  public final int ringRefillBulk;
  public final long rxUsecs;
  public final int rxFrames;
  public final boolean rssUdpPorts;
  /** Adaptive RX interrupt coalescing (mlx4_en_auto_moderation) and its parameters. */
  public final boolean adaptiveRx;
  public final long adaptiveRxSampleNanos;
  public final long pktRateLow, pktRateHigh, rxUsecsLow, rxUsecsHigh, adaptiveRateThresh, avgPktSmall;
  /** TX completion queue moderation (tx-usecs, tx-frames) and TX ring descriptors. */
  public final long txUsecs;
  public final int txFrames;
  public final int txRing;
  /** TX CQ events raise interrupts (true) or the transmit path reaps completions (false). */
  public final boolean txCqInterrupts;
  public final boolean tso;
  public final boolean gro;
  public final boolean tunnelOffload;
  /** nic.mtu: the physical network's MTU; an overlay's devices take {@link #VXLAN_HEADROOM_BYTES} of it. */
  public final int mtu;
  // kernel
  public final int netdevBudget;
  public final long netdevBudgetNanos;
  public final int napiWeight;
  public final int maxSoftirqRestart;
  public final long maxSoftirqNanos;
  public final int netdevMaxBacklog;
  public final int groMaxSegs;
  public final long schedSliceNanos;
  /**
   * CFS's sysctl_sched_latency and sysctl_sched_wakeup_granularity (kernel.sched-latency, sched-wakeup-granularity):
   * a woken thread's vruntime is placed at least half the latency below min_vruntime (GENTLE_FAIR_SLEEPERS), and it
   * preempts the running thread when its vruntime is lower by more than the granularity (check_preempt_wakeup).
   */
  public final long schedLatencyNanos, schedWakeupGranularityNanos;
  public final long tcpRmem;
  /** tcp_rmem[1]: initial receive buffer (receive-window autotuning starts from half of it). */
  public final long tcpRmemDefault;
  public final long tcpWmem;
  public final long udpRmem;
  public final long minRtoNanos;
  public final long delayedAckNanos;
  /** TCP sysctls and kernel constants (kernel.tcp): see the keys' comments in reference.conf. */
  public final long jiffyNanos, tcpLimitOutputBytes;
  public final boolean tcpAutocorking, tcpPrequeue, tcpReaderBacklog, tcpRackTlp;
  /**
   * kernel.page-table-isolation (KPTI) and what it adds to every syscall (costs.pti-syscall, 0 when off): already
   * included in {@link #syscall} and {@link #pollSyscall}.
   */
  public final boolean pageTableIsolation;
  public final long ptiSyscall;
  /** kernel.softirq-waits-for-ksoftirqd: irq_exit / local_bh_enable leave pending softirqs to a runnable ksoftirqd. */
  public final boolean softirqWaitsForKsoftirqd;
  /**
   * kernel.conntrack-every-netns (Linux before 4.10: conntrack's and the iptables tables' hooks run in every network
   * namespace once the modules are loaded) and what a packet pays for them in a container's netns, per direction:
   * costs.netfilter when on, 0 when off.
   */
  public final boolean conntrackEveryNetns;
  public final long containerNetfilter;
  /**
   * kernel.udp-fragmentation-offload: the virtual devices (veth, vxlan) advertise NETIF_F_UFO, so a UDP datagram
   * larger than the MTU sent through them is one skb (ip_ufo_append_data) that software GSO cuts into IP fragments
   * at the first device without UFO, the pNIC (udp4_ufo_fragment). Linux before 4.14.
   */
  public final boolean udpFragmentationOffload;
  /**
   * kernel.container-seccomp: Docker's default seccomp profile filters every syscall of a container's threads, which
   * then pays costs.seccomp-syscall (0 when off); see {@link #syscall(StackKind)}.
   */
  public final boolean containerSeccomp;
  public final long seccompSyscall;
  /**
   * kernel.bridge-rx-headroom: the bridge gives its ports the largest headroom one of them needs (Linux 4.6's
   * ndo_set_rx_headroom), so a container's skb leaves its veth with room for the VXLAN headers. Off (Linux 4.4):
   * vxlan_xmit reallocates the head of every skb whose headroom is short, costs.skb-head-realloc + the copy of its
   * linear bytes ({@link #headRealloc}).
   */
  public final boolean bridgeRxHeadroom;
  public final long skbHeadRealloc;
  /**
   * kernel.retpoline (Spectre v2's return trampolines: every indirect call of the kernel goes through a thunk that
   * stops its speculation) and what one such call costs (costs.retpoline-per-call, 0 when off). Each stage cost
   * below already includes its stage's tax, kernel.indirect-calls.KEY x retpolinePerCall (see {@link #stage}).
   */
  public final boolean retpoline;
  public final long retpolinePerCall;
  private final Config indirectCalls;
  public final int tcpReordering, tcpMaxReordering;
  /** net.ipv4.tcp_comp_sack_nr (0: no SACK compression) and tcp_comp_sack_delay_ns. */
  public final int tcpCompSackNr;
  public final long tcpCompSackDelayNanos;
  /** kernel.tcp.cubic: tcp_cubic's HyStart module parameters (hystart, hystart_low_window, hystart_ack_delta). */
  public final boolean cubicHystart;
  public final int cubicHystartLowWindow, cubicHystartAckDeltaMs;
  // costs (ns)
  public final long irq, irqLatency, ipiSend, ipiLatency, ipiRx, netRxAction, napiPoll;
  public final long driverRx, groPerPkt, groTunnel, ipRx, tcpRx, tcpAckRx, tcpRxDeferred, tcpRxPerSeg, udpRx, ipDefrag, csumPerKib;
  public final long vxlanDecap, groCellEnqueue, bridge, veth, netfilter, backlogEnqueue, backlogPoll;
  public final long tcpTx, tcpAckTx, ipTx, ipTxFrag, udpTx, ipFrag, driverTx, driverTxPerPkt, gsoSeg, vxlanEncap;
  public final long syscall, pollSyscall, memcpyPerKib, copyToUserPerKib, skbFree, appPerMessage, timer;
  /**
   * Waking and blocking a thread: try_to_wake_up on the waker's core, the blocking thread's schedule(), the woken
   * thread's schedule() and the idle loop's exit on its core (CPU, ns), and an idle core's C-state exit (a delay).
   */
  public final long tryToWakeUpNanos, schedOutNanos, schedInNanos, idleExitNanos, idleExitLatencyNanos;
  /** The local APIC timer's interrupt that ends a thread's timed sleep (entry, hrtimer_interrupt, exit; CPU, ns). */
  public final long timerIrqNanos;
  /**
   * The scheduler tick on each busy core: its period (1 s / kernel.tick-hz; 0: no tick) and its interrupt's cost
   * (costs.tick-irq, hard IRQ time), ns.
   */
  public final long tickPeriodNanos, tickIrqNanos;
  public final long txClean, netTxAction, qdisc, cacheLineTransfer;
  /** Connection set-up and teardown costs (connection = "per-request" workloads). */
  public final long tcpConnect, tcpSynRx, tcpSynAckRx, tcpChildCreate, tcpAccept, tcpClose, tcpDestroy;
  /** net.core.somaxconn. */
  public final int somaxconn;
  /** net.ipv4.tcp_tw_reuse (over the fabric). */
  public final boolean twReuse;

  public Profile(String name, Config p) {
    this.name = name;
    cpus = p.getInt("cpus");
    Config n = p.getConfig("nic");
    nicRateBps = Units.bitsPerSec(n, "rate");
    nicQueues = n.getInt("queues");
    ringSize = n.getInt("ring");
    ringRefillBulk = n.getInt("ring-refill-bulk");
    rxUsecs = Units.nanos(n, "rx-usecs");
    rxFrames = n.getInt("rx-frames");
    rssUdpPorts = n.getBoolean("rss-udp-ports");
    Config a = n.getConfig("adaptive-rx");
    adaptiveRx = a.getBoolean("enabled");
    adaptiveRxSampleNanos = Units.nanos(a, "sample-interval");
    pktRateLow = a.getLong("pkt-rate-low");
    pktRateHigh = a.getLong("pkt-rate-high");
    rxUsecsLow = Units.nanos(a, "rx-usecs-low");
    rxUsecsHigh = Units.nanos(a, "rx-usecs-high");
    adaptiveRateThresh = a.getLong("rate-thresh");
    avgPktSmall = Units.bytes(a, "avg-pkt-small");
    txUsecs = Units.nanos(n, "tx-usecs");
    txFrames = n.getInt("tx-frames");
    txRing = n.getInt("tx-ring");
    txCqInterrupts = n.getBoolean("tx-cq-interrupts");
    tso = n.getBoolean("tso");
    gro = n.getBoolean("gro");
    tunnelOffload = n.getBoolean("tunnel-offload");
    mtu = (int) Units.bytes(n, "mtu");
    Config k = p.getConfig("kernel");
    netdevBudget = k.getInt("netdev-budget");
    netdevBudgetNanos = Units.nanos(k, "netdev-budget-usecs");
    napiWeight = k.getInt("napi-weight");
    maxSoftirqRestart = k.getInt("max-softirq-restart");
    maxSoftirqNanos = Units.nanos(k, "max-softirq-time");
    softirqWaitsForKsoftirqd = k.getBoolean("softirq-waits-for-ksoftirqd");
    conntrackEveryNetns = k.getBoolean("conntrack-every-netns");
    udpFragmentationOffload = k.getBoolean("udp-fragmentation-offload");
    containerSeccomp = k.getBoolean("container-seccomp");
    bridgeRxHeadroom = k.getBoolean("bridge-rx-headroom");
    netdevMaxBacklog = k.getInt("netdev-max-backlog");
    groMaxSegs = k.getInt("gro-max-segs");
    schedSliceNanos = Units.nanos(k, "sched-slice");
    schedLatencyNanos = Units.nanos(k, "sched-latency");
    schedWakeupGranularityNanos = Units.nanos(k, "sched-wakeup-granularity");
    tcpRmem = Units.bytes(k, "tcp-rmem");
    tcpRmemDefault = Units.bytes(k, "tcp-rmem-default");
    tcpWmem = Units.bytes(k, "tcp-wmem");
    udpRmem = Units.bytes(k, "udp-rmem");
    minRtoNanos = Units.nanos(k, "min-rto");
    delayedAckNanos = Units.nanos(k, "delayed-ack");
    jiffyNanos = 1_000_000_000L / k.getInt("hz");
    int tickHz = k.getInt("tick-hz");
    tickPeriodNanos = tickHz == 0 ? 0 : 1_000_000_000L / tickHz;
    Config t = k.getConfig("tcp");
    tcpLimitOutputBytes = Units.bytes(t, "limit-output-bytes");
    tcpAutocorking = t.getBoolean("autocorking");
    tcpPrequeue = t.getBoolean("prequeue");
    tcpReaderBacklog = t.getBoolean("reader-backlog");
    tcpRackTlp = t.getString("recovery").equals("rack-tlp");
    tcpReordering = t.getInt("reordering");
    tcpMaxReordering = t.getInt("max-reordering");
    tcpCompSackNr = t.getInt("comp-sack-nr");
    tcpCompSackDelayNanos = Units.nanos(t, "comp-sack-delay");
    Config cu = t.getConfig("cubic");
    cubicHystart = cu.getBoolean("hystart");
    cubicHystartLowWindow = cu.getInt("hystart-low-window");
    cubicHystartAckDeltaMs = cu.getInt("hystart-ack-delta-ms");
    Config c = p.getConfig("costs");
    retpoline = k.getBoolean("retpoline");
    retpolinePerCall = retpoline ? Units.nanos(c, "retpoline-per-call") : 0;
    indirectCalls = k.getConfig("indirect-calls");
    irq = stage(c, "irq");
    irqLatency = Units.nanos(c, "irq-latency");
    ipiSend = stage(c, "ipi-send");
    ipiLatency = Units.nanos(c, "ipi-latency");
    ipiRx = stage(c, "ipi-rx");
    netRxAction = stage(c, "net-rx-action");
    napiPoll = stage(c, "napi-poll");
    driverRx = stage(c, "driver-rx");
    groPerPkt = stage(c, "gro");
    groTunnel = stage(c, "gro-tunnel");
    ipRx = stage(c, "ip-rx");
    tcpRx = stage(c, "tcp-rx");
    tcpAckRx = stage(c, "tcp-ack-rx");
    tcpRxDeferred = stage(c, "tcp-rx-deferred");
    tcpRxPerSeg = Units.nanos(c, "tcp-rx-per-seg");
    udpRx = stage(c, "udp-rx");
    ipDefrag = stage(c, "ip-defrag");
    csumPerKib = Units.nanos(c, "csum-per-kib");
    vxlanDecap = stage(c, "vxlan-decap");
    groCellEnqueue = stage(c, "gro-cell-enqueue");
    bridge = stage(c, "bridge");
    veth = stage(c, "veth");
    netfilter = stage(c, "netfilter");
    containerNetfilter = conntrackEveryNetns ? netfilter : 0;
    backlogEnqueue = stage(c, "backlog-enqueue");
    backlogPoll = stage(c, "backlog-poll");
    tcpTx = stage(c, "tcp-tx");
    tcpAckTx = stage(c, "tcp-ack-tx");
    ipTx = stage(c, "ip-tx");
    ipTxFrag = stage(c, "ip-tx-frag");
    udpTx = stage(c, "udp-tx");
    ipFrag = stage(c, "ip-frag");
    driverTx = stage(c, "driver-tx");
    driverTxPerPkt = stage(c, "driver-tx-per-pkt");
    gsoSeg = stage(c, "gso-seg");
    vxlanEncap = stage(c, "vxlan-encap");
    // KPTI: every syscall (select() included) switches page tables on entry and exit
    pageTableIsolation = k.getBoolean("page-table-isolation");
    ptiSyscall = pageTableIsolation ? Units.nanos(c, "pti-syscall") : 0;
    syscall = stage(c, "syscall") + ptiSyscall;
    pollSyscall = stage(c, "poll-syscall") + ptiSyscall;
    memcpyPerKib = Units.nanos(c, "memcpy-per-kib");
    // measured as a whole (the filter's run with whatever indirect call it makes), not a stage with its own tax
    seccompSyscall = containerSeccomp ? Units.nanos(c, "seccomp-syscall") : 0;
    skbHeadRealloc = bridgeRxHeadroom ? 0 : Units.nanos(c, "skb-head-realloc");
    copyToUserPerKib = Units.nanos(c, "copy-to-user-per-kib");
    tryToWakeUpNanos = stage(c, "try-to-wake-up");
    schedOutNanos = stage(c, "sched-out");
    schedInNanos = stage(c, "sched-in");
    idleExitNanos = stage(c, "idle-exit");
    idleExitLatencyNanos = Units.nanos(c, "idle-exit-latency");
    timerIrqNanos = stage(c, "timer-irq");
    tickIrqNanos = Units.nanos(c, "tick-irq"); // measured as a whole
    skbFree = stage(c, "skb-free");
    appPerMessage = Units.nanos(c, "app-per-message");
    timer = stage(c, "timer");
    txClean = stage(c, "tx-clean");
    netTxAction = stage(c, "net-tx-action");
    qdisc = stage(c, "qdisc");
    cacheLineTransfer = Units.nanos(c, "cache-line-transfer");
    tcpConnect = stage(c, "tcp-connect");
    tcpSynRx = stage(c, "tcp-syn-rx");
    tcpSynAckRx = stage(c, "tcp-synack-rx");
    tcpChildCreate = stage(c, "tcp-child-create");
    tcpAccept = stage(c, "tcp-accept");
    tcpClose = stage(c, "tcp-close");
    tcpDestroy = stage(c, "tcp-destroy");
    Config cn = k.getConfig("connections");
    somaxconn = cn.getInt("somaxconn");
    twReuse = cn.getBoolean("tw-reuse");
  }

  /**
   * The CPU cost of the stage {@code key} of costs: its configured work plus, with retpolines on, the thunk of each
   * of the stage's indirect calls (kernel.indirect-calls.KEY, counted on the profile kernel's code path).
   */
  private long stage(Config costs, String key) {
    return Units.nanos(costs, key) + retpolineTax(key);
  }

  /** What retpolines add to the stage {@code key} of costs (0 when kernel.retpoline is off). */
  public long retpolineTax(String key) {
    return indirectCalls.getInt(key) * retpolinePerCall;
  }

  /** Loads {@code cnemu.profiles.NAME} from {@code root} with {@code overrides} (same shape) on top. */
  public static Profile load(Config root, String name, Config overrides) {
    String path = "cnemu.profiles." + name;
    if (!root.hasPath(path)) throw new IllegalArgumentException("unknown profile '" + name + "'");
    return new Profile(name, overrides.withFallback(root.getConfig(path)));
  }

  /**
   * A copy whose source is in the copying core's caches: the sender's copy_from_user of the buffer the
   * application reuses for every write, and the copies into and out of a shared-memory ring.
   */
  public long memcpy(long bytes) {
    return bytes * memcpyPerKib / 1024;
  }

  /**
   * A syscall's entry, exit and socket lock for a thread of a host with stack {@code s}: a Docker container's thread
   * also runs the seccomp filter (kernel.container-seccomp).
   */
  public long syscall(StackKind s) {
    return syscall + (s.veth() ? seccompSyscall : 0);
  }

  /** The app loop's select() for a thread of a host with stack {@code s}, as {@link #syscall(StackKind)}. */
  public long pollSyscall(StackKind s) {
    return pollSyscall + (s.veth() ? seccompSyscall : 0);
  }

  /**
   * vxlan_xmit's skb_cow_head of a container's UDP skb of {@code linearBytes} in its head (headroom, Ethernet, IP and
   * what the head holds beyond): pskb_expand_head allocates a larger head, copies the old one into it and frees it
   * (0 with kernel.bridge-rx-headroom, whose veth gives the skb room for the VXLAN headers from the start).
   */
  public long headRealloc(long linearBytes) {
    return bridgeRxHeadroom ? 0 : skbHeadRealloc + memcpy(linearBytes);
  }

  /**
   * From a waker's try_to_wake_up to the woken thread's first instruction when its core (another) is idle: the
   * waker's try_to_wake_up, the C-state exit, the idle loop's exit and the switch to the thread.
   */
  public long idleWakeupNanos() {
    return tryToWakeUpNanos + idleExitLatencyNanos + idleExitNanos + schedInNanos;
  }

  /** The receiver's copy_to_user of data the NIC wrote by DMA (where it lies decides the cost). */
  public long copyToUser(long bytes) {
    return bytes * copyToUserPerKib / 1024;
  }

  public long csum(long bytes) {
    return bytes * csumPerKib / 1024;
  }

  /**
   * A copy from the user that checksums what it copies (csum_and_copy_from_iter): x86_64's
   * csum_partial_copy_generic (arch/x86/lib/csum-copy_64.S) loads each 64 B, adds them into the sum with adc and
   * stores them in one loop, so the pass costs the slower of the copy and the checksum, not their sum.
   */
  public long copyAndCsum(long bytes) {
    return Math.max(memcpy(bytes), csum(bytes));
  }

  /**
   * What VXLAN over IPv4 adds to an inner Ethernet frame's IP packet: outer IP 20 + UDP 8 + VXLAN 8 + the inner
   * Ethernet header 14 (include/net/vxlan.h VXLAN_HEADROOM). A vxlan device with a lower device takes its MTU minus
   * this (drivers/net/vxlan.c vxlan_config_apply), and libnetwork's overlay driver gives the vxlan device and the
   * containers' veths 1500 - 50 (drivers/overlay vxlanEncap, vxlanVethMTU), so outer frames fit the physical MTU.
   */
  public static final int VXLAN_HEADROOM_BYTES = 50;

  /**
   * The MTU of a socket's route on a host of {@code stack}: the physical network's for a native socket, the
   * VXLAN device's (and a Docker container's veth's) for an overlay's: {@link #mtu} - {@link #VXLAN_HEADROOM_BYTES}.
   */
  public int mtuBytes(StackKind stack) {
    return stack.overlay() ? mtu - VXLAN_HEADROOM_BYTES : mtu;
  }

  /** TCP MSS on a host of {@code stack}: route MTU - IP 20 - TCP 20 - timestamps 12 (at 1500 B: 1448, overlay 1398). */
  public int mssBytes(StackKind stack) {
    return mtuBytes(stack) - 52;
  }

  /** UDP payload per IP fragment on a host of {@code stack}: route MTU - IP 20, down to 8 B (1480, overlay 1424). */
  public int fragPayloadBytes(StackKind stack) {
    return ((mtuBytes(stack) - 20) / 8) * 8;
  }

  /**
   * IP packets of a UDP datagram of {@code payloadBytes} sent on a host of {@code stack}: one when it fits the route
   * MTU with its UDP and IP headers, else its IP fragments of {@link #fragPayloadBytes} (an overlay's 1,422 B
   * datagram is one 1,450 B packet, though 1,430 B exceed a fragment's 1,424).
   */
  public int udpPackets(long payloadBytes, StackKind stack) {
    long total = payloadBytes + 8;
    if (total <= mtuBytes(stack) - 20) return 1;
    int fp = fragPayloadBytes(stack);
    return (int) ((total + fp - 1) / fp);
  }
}
