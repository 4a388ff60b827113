package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.emulator.EntityReport;
import org.cnemu.emulator.EntityRef;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelProvider;
import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.ConfiguredPolicy;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringRegistry;

/** {@code experiment.model = kernel}: Linux hosts (native / Linux overlay / Docker overlay) around a switch. */
public final class KernelModelProvider implements ModelProvider<KernelSpec> {
  @Override
  public String name() {
    return "kernel";
  }

  @Override
  public String description() {
    return "Linux host data path (NIC queues, IRQs, NAPI/softirq per core, VXLAN/bridge/veth, TCP/UDP apps) on a star or leaf-spine fabric";
  }

  /**
   * Everything that may travel between partitions (fabric trains and their packets) or come back
   * as an entity report. Local messages are listed too, so that a future placement that splits a
   * host across partitions still serializes.
   */
  @Override
  public List<Class<?>> wireClasses() {
    return List.of(SwitchEntity.WireTrain.class, org.cnemu.devices.Packet.class, org.cnemu.devices.Packet[].class,
        NicEntity.Tx.class, NicEntity.TxModTimer.class, NicQueue.ModTimer.class, NicQueue.NapiComplete.class,
        NicQueue.AutoModer.class, CoreEntity.Irq.class, CoreEntity.TxIrq.class, CoreEntity.Done.class,
        CoreEntity.Handed.class, CoreEntity.NapiIpi.class, CoreEntity.PolicyTick.class, CoreEntity.MergeTimer.class, CoreEntity.ShmData.class,
        CoreEntity.ShmSpace.class, CoreEntity.ShmConnected.class, CoreEntity.SockData.class, CoreEntity.Wake.class,
        CoreEntity.Resched.class, CoreEntity.AppTimer.class, CoreEntity.SchedTick.class, CoreEntity.TcpTimer.class, boolean[].class, int[].class,
        HostResults.HostReport.class, HostResults.FlowSide.class, HostResults.FlowSide[].class,
        JourneyRecorder.FlowJourneys.class, JourneyRecorder.FlowJourneys[].class,
        CoreEntity.CoreReport.class, SwitchEntity.SwitchReport.class, double[].class);
  }

  @Override
  public Map<Class<?>, com.esotericsoftware.kryo.Serializer<?>> wireSerializers() {
    return WireSerializers.all();
  }

  /** {@code policy}: the steering policy's name (the dashboards' Policy selector). */
  @Override
  public Map<String, String> tags(KernelSpec spec) {
    return Map.of("policy", spec.steering.name());
  }

  /** From the flows' offered rates, capped by the profile's per-message costs ({@link ExpectedWork}). */
  @Override
  public java.util.OptionalDouble expectedEvents(KernelSpec spec, long durationNanos) {
    return java.util.OptionalDouble.of(ExpectedWork.events(spec, durationNanos));
  }

  @Override
  public String metricWords(String metric) {
    String journey = JourneyMetrics.words(metric);
    return journey != null ? journey : KernelMetrics.words(metric);
  }

  @Override
  public List<org.cnemu.emulator.model.ModelMetric> metrics(Map<String, Object> results) {
    List<org.cnemu.emulator.model.ModelMetric> out = new ArrayList<>(KernelMetrics.of(results));
    out.addAll(JourneyMetrics.of(results));
    return KernelMetrics.bounded(out);
  }

  /**
   * The experiment's typed spec, or every problem of its kernel-model keys (ranges, names of profiles,
   * policies, hosts and workload kinds, cross-key rules): a block without problems is read once here.
   */
  @Override
  public Parsed<KernelSpec> parse(Config e, Config reference) {
    List<ConfigProblem> out = new ArrayList<>();
    ConfiguredPolicy<?> policy = problems(e, reference, out);
    if (!out.isEmpty()) return Parsed.failed(out);
    if (policy == null) throw new IllegalStateException("the steering policy's settings were not parsed");
    return Parsed.of(new KernelSpec(e, reference, policy));
  }

  /** Adds every problem of {@code e} to {@code out}; the selected policy with its parsed settings, or null. */
  private static ConfiguredPolicy<?> problems(Config e, Config root, List<ConfigProblem> out) {
    if (KernelChecks.check(e, root, out)) return null; // over the limits: the checks below would walk every host
    String profile = e.hasPath("profile") ? e.getString("profile") : "";
    if (!root.hasPath("cnemu.profiles." + Spec.quote(profile))) {
      List<String> valid = new ArrayList<>(root.getConfig("cnemu.profiles").root().keySet());
      valid.sort(null);
      String close = org.cnemu.emulator.config.Suggestions.closest(profile, valid);
      out.add(problem(e, "profile", "unknown profile '" + profile + "'" + (close == null ? "" : " (did you mean '" + close
          + "'?)") + "; valid profiles: " + String.join(", ", valid)));
      // keep checking the rest against the first valid profile, so every problem is reported at once
      profile = valid.get(0);
    }
    StackKind stack = StackKind.NATIVE;
    try {
      stack = StackKind.parse(e.getString("topology.stack"));
    } catch (IllegalArgumentException ex) {
      out.add(problem(e, "topology.stack", ex.getMessage()));
    }
    SteeringRegistry reg = new SteeringRegistry();
    if (!reg.has(e.getString("steering"))) out.add(problem(e, "steering", reg.unknown(e.getString("steering"))));
    ConfiguredPolicy<?> policy = KernelChecks.policy(e, root, out);
    TopologyChecks topo = new TopologyChecks(e, root, out);
    java.util.TreeSet<String> hosts = topo.check(profile, stack);
    int i = 0;
    for (Config w : e.getConfigList("workloads")) {
      String pattern = w.hasPath("pattern") ? w.getString("pattern") : "";
      // a pattern names its own endpoints: src is unused, dst only incast's receiver
      List<String> ends = pattern.isEmpty() ? List.of("src", "dst") : pattern.equals("incast") ? List.of("dst") : List.of();
      for (String end : ends) {
        if (!w.hasPath(end)) {
          out.add(new ConfigProblem(file(w.origin()), w.origin().lineNumber(), "workloads[" + i + "]." + end, "missing"));
          continue;
        }
        String h = Spec.hostPart(w.getString(end));
        if (!hosts.isEmpty() && !hosts.contains(h)) { // no hosts at all: the topology's own problem says why
          out.add(new ConfigProblem(file(w.getValue(end).origin()), w.getValue(end).origin().lineNumber(),
              "workloads[" + i + "]." + end, "unknown host '" + h + "'; hosts: " + String.join(", ", hosts)));
        }
      }
      if (pattern.isEmpty()) topo.checkEnds(w, i);
      String kind = w.hasPath("kind") ? w.getString("kind") : "iperf";
      if (!List.of("iperf", "request-response", "ping-pong").contains(kind)) {
        out.add(new ConfigProblem(file(w.getValue("kind").origin()), w.getValue("kind").origin().lineNumber(),
            "workloads[" + i + "].kind", "unknown workload kind '" + kind + "'; valid: iperf, request-response, ping-pong"));
      }
      if (w.hasPath("congestion-control")
          && !List.of("cubic", "reno").contains(w.getString("congestion-control").toLowerCase(java.util.Locale.ROOT))) {
        out.add(new ConfigProblem(file(w.getValue("congestion-control").origin()),
            w.getValue("congestion-control").origin().lineNumber(), "workloads[" + i + "].congestion-control",
            "unknown congestion control '" + w.getString("congestion-control") + "'; valid: cubic, reno"));
      }
      if (w.hasPath("get-ratio") && (w.getDouble("get-ratio") < 0 || w.getDouble("get-ratio") > 1)) {
        out.add(new ConfigProblem(file(w.getValue("get-ratio").origin()), w.getValue("get-ratio").origin().lineNumber(),
            "workloads[" + i + "].get-ratio", "a share between 0 and 1"));
      }
      if (w.hasPath("rate")) {
        try {
          Units.bitsPerSec(w, "rate");
        } catch (ConfigException ex) {
          out.add(new ConfigProblem(file(w.origin()), w.origin().lineNumber(), "workloads[" + i + "].rate", ex.getMessage()));
        }
      }
      i++;
    }
    List<ConfigProblem> keyed = keyed(out);
    out.clear();
    out.addAll(keyed);
    return policy;
  }

  /**
   * Keys as the generic validator writes them (experiment.workloads[0].rate), so that a problem both
   * report is printed once.
   */
  private static List<ConfigProblem> keyed(List<ConfigProblem> out) {
    List<ConfigProblem> keyed = new ArrayList<>(out.size());
    for (ConfigProblem p : out) {
      String key = p.key() == null || p.key().isEmpty() || p.key().startsWith("experiment.") ? p.key() : "experiment." + p.key();
      keyed.add(new ConfigProblem(p.file(), p.line(), key, p.message()));
    }
    return keyed;
  }

  private static String file(ConfigOrigin o) {
    return o == null ? null : (o.filename() != null ? o.filename() : o.description());
  }

  private static ConfigProblem problem(Config e, String key, String msg) {
    ConfigOrigin o = e.hasPath(key) ? e.getValue(key).origin() : e.origin();
    return new ConfigProblem(file(o), o.lineNumber(), key, msg);
  }

  /**
   * Placement weights: a host's expected work, and a switch port's. Measured on star-1000 with 2
   * partitions (per-partition thread CPU time and events, docs/benchmarks.md): the switch's trains are
   * ~12% of the run's events and it costs about as much CPU as 80 of the 1,000 hosts, i.e. ~0.08 host per
   * port (a forwarded train is one cheap event; a host runs the whole kernel path per packet).
   */
  static final long HOST_WEIGHT = 100;
  static final long SWITCH_PORT_WEIGHT = 8;

  @Override
  @SuppressWarnings("unchecked")
  public BuiltModel build(KernelSpec parsed, SimulationBuilder b) {
    Spec spec = new Spec(parsed, b.streams());
    int nh = spec.hosts.size();
    // Placement groups. Leaf-spine: a rack (a leaf switch and its hosts) is one group, so only the
    // uplinks to the spines cross partitions and the windows grow to the uplink delay; star: each
    // host and the switch on its own. Each group weighs its expected work, so that the partition holding
    // a star's switch gets fewer hosts. Results never depend on it, only speed does.
    String[] hostGroup = new String[nh];
    java.util.Map<String, Long> groups = new java.util.LinkedHashMap<>();
    for (Spec.HostSpec hs : spec.hosts) {
      hostGroup[hs.index()] = spec.fabric.leafSpine()
          ? spec.fabric.switches.get(spec.fabric.hostSwitch[hs.index()]).id() : hs.id();
      groups.merge(hostGroup[hs.index()], HOST_WEIGHT, Long::sum);
    }
    for (FabricSpec.Switch fs : spec.fabric.switches) {
      groups.merge(fs.id(), SWITCH_PORT_WEIGHT * Math.max(1, fs.ports().size()), Long::sum);
    }
    b.expectGroups(groups);
    EntityRef<NicEntity.Msg>[] nicRefs = new EntityRef[nh];
    HostKernel[] hks = new HostKernel[nh];
    // sockets and app cores
    for (Spec.HostSpec hs : spec.hosts) {
      SteeringPolicy pol = spec.steering.create(hs.cpus(), hs.id());
      hks[hs.index()] = new HostKernel(spec, hs, pol);
    }
    int[] nextAuto = new int[nh];
    int[] appThreads = new int[nh]; // per host: the run reports a host whose threads outnumber its cores
    for (Spec.FlowSpec f : spec.flows) {
      for (int role = 0; role < 2; role++) {
        boolean sender = role == 0;
        HostKernel hk = hks[sender ? f.srcHost() : f.dstHost()];
        int want = sender ? f.srcCpu() : f.dstCpu();
        Sock owner = null; // request-response: the response flow's sockets share the request flow's threads
        if (f.reverse()) owner = sender ? hk.rxSockByFlow[hk.slot(f.pair())] : hk.txSockByFlow[hk.slot(f.pair())];
        // fan-in: the server side of a flow that is not its group's first joins the first's socket and thread
        // (iperf / a request receiver: same core, one receive buffer; a response sender: the first's thread)
        boolean joins = f.fanInServer() != f.index() && (f.reverse() ? sender : !sender);
        Sock first = !joins ? null
            : f.reverse() ? hk.txSockByFlow[hk.slot(f.fanInServer())] : hk.rxSockByFlow[hk.slot(f.fanInServer())];
        int cpu = first != null ? first.cpu : owner != null ? owner.cpu
            : want >= 0 ? want % hk.cpus : hk.cpus - 1 - (nextAuto[hk.hs.index()]++ % hk.cpus);
        Sock k = new Sock(hk.socks.size(), hk.local(f), sender, cpu);
        if (first == null && owner == null) appThreads[hk.hs.index()]++; // else it shares another socket's thread
        k.series = new long[(int) Math.max(1, (spec.durationNanos + spec.seriesNanos - 1) / spec.seriesNanos)];
        if (owner != null) {
          // server: the response sender's thread serves the request receiver; client: the request
          // sender's thread reads the response receiver
          Sock th = sender ? k : owner;
          Sock data = sender ? owner : k;
          th.peer = data;
          data.thread = th;
          if (sender) k.rng = new java.util.SplittableRandom(f.rr().seed());
        }
        if (first != null) {
          // one server thread serves this socket too (iperf3 -P into one server; sockperf with several
          // clients); UDP: one server socket, whose receive buffer holds every client's datagrams
          if (f.rr() == null || f.reverse()) {
            Sock[] ms = first.members == null ? new Sock[] {first} : first.members;
            first.members = java.util.Arrays.copyOf(ms, ms.length + 1);
            first.members[ms.length] = k;
            k.thread = first;
            if (f.reverse()) k.peer.thread = first;
          }
          if (!f.reverse()) k.buffer = first;
        }
        if (f.rr() != null && !f.reverse() && sender) {
          k.rng = new java.util.SplittableRandom(f.rr().seed());
          k.latency = new org.HdrHistogram.Histogram(3_600_000_000_000L, 3);
        }
        if (sender) { // the arrival and think-time streams of the run (the policy draws from neither)
          k.arrivals = spec.streams.stream("flow/" + f.id(), "arrival");
          k.thinks = spec.streams.stream("flow/" + f.id(), "think");
        }
        if (!f.udp()) {
          org.cnemu.nodes.tcp.TcpConfig tc =
              TcpSetup.config(hk.p, hk.stack, f.congestionControl(), f.load().nodelay(), hk.wallClockPhaseNanos);
          if (sender) k.tx = new org.cnemu.nodes.tcp.TcpSender(tc);
          else k.rx = new org.cnemu.nodes.tcp.TcpReceiver(tc);
        }
        hk.socks.add(k);
        hk.churn.attach(k);
        if (sender) hk.txSockByFlow[hk.slot(f.index())] = k;
        else hk.rxSockByFlow[hk.slot(f.index())] = k;
      }
    }
    // hosts
    for (Spec.HostSpec hs : spec.hosts) {
      HostKernel hk = hks[hs.index()];
      EntityRef<CoreEntity.Msg>[] coreRefs = new EntityRef[hk.cpus];
      KernelCoreHost cores = new KernelCoreHost(hk);
      for (int c = 0; c < hk.cpus; c++) {
        final int cpu = c;
        coreRefs[c] = b.add(hs.id() + "/cpu" + c, hostGroup[hs.index()], () -> cores.core(cpu));
      }
      hk.coreAddr = new long[hk.cpus];
      for (int c = 0; c < hk.cpus; c++) hk.coreAddr[c] = coreRefs[c].address();
    }
    // fabric: each host's NIC sends to its switch (star: `switch`; leaf-spine: its leaf), each switch
    // is an entity in its own group; every link is a channel to its one peer, lookahead = its
    // propagation delay (a link inside one partition does not constrain the windows)
    FabricSpec fab = spec.fabric;
    int ns = fab.switches.size();
    EntityRef<SwitchEntity.Msg>[] swRefs = new EntityRef[ns];
    org.cnemu.emulator.Channel[] up = new org.cnemu.emulator.Channel[nh];
    org.cnemu.emulator.Channel[][] down = new org.cnemu.emulator.Channel[ns][];
    for (Spec.HostSpec hs : spec.hosts) {
      HostKernel hk = hks[hs.index()];
      int idx = hs.index();
      int home = fab.hostSwitch[idx];
      nicRefs[idx] = b.add(hs.id() + "/nic", hostGroup[idx], () -> {
        NicEntity n = new NicEntity(hk, swRefs[home], Math.max(1, fab.hostLink.delayNanos()));
        n.uplink = up[idx];
        return n;
      });
      hk.nicAddr = nicRefs[idx].address();
      // one entity per RX queue, only on hosts that terminate a flow (no other host ever receives a packet):
      // an idle host keeps none (ScaleTest's per-host budget)
      if (spec.flowsOf(idx).length > 0) {
        EntityRef<NicQueue.Msg>[] qRefs = new EntityRef[hk.rxQueues.length];
        for (int q = 0; q < qRefs.length; q++) {
          final int queue = q;
          qRefs[q] = b.add(hs.id() + "/nic/rx" + q, hostGroup[idx], () -> new NicQueue(hk, queue));
        }
        hk.rxQueueAddr = new long[qRefs.length];
        for (int q = 0; q < qRefs.length; q++) hk.rxQueueAddr[q] = qRefs[q].address();
      }
    }
    int[] flowSrc = spec.flows.stream().mapToInt(Spec.FlowSpec::srcHost).toArray();
    int[] flowDst = spec.flows.stream().mapToInt(Spec.FlowSpec::dstHost).toArray();
    boolean[] overlay = new boolean[nh];
    for (Spec.HostSpec hs : spec.hosts) overlay[hs.index()] = hs.stack().overlay();
    for (FabricSpec.Switch fs : fab.switches) {
      int si = fs.index();
      swRefs[si] = b.add(fs.id(), fs.id(), () -> {
        int np = fs.ports().size();
        EntityRef<? super SwitchEntity.WireTrain>[] next = new EntityRef[np];
        long[] rate = new long[np];
        long[] prop = new long[np];
        long[] queue = new long[np];
        String[] peers = new String[np];
        for (int i = 0; i < np; i++) {
          FabricSpec.Port pt = fs.ports().get(i);
          next[i] = pt.host() >= 0 ? nicRefs[pt.host()] : swRefs[pt.sw()];
          rate[i] = pt.rateBps();
          prop[i] = pt.delayNanos();
          queue[i] = pt.queueBytes();
          peers[i] = pt.peer();
        }
        SwitchEntity s = new SwitchEntity(fs.id(), next, down[si], rate, prop, queue, fs.routes(), flowSrc, flowDst,
            overlay);
        s.hostIds = peers;
        return s;
      });
    }
    for (Spec.HostSpec hs : spec.hosts) {
      up[hs.index()] = b.channel(nicRefs[hs.index()], swRefs[fab.hostSwitch[hs.index()]], hs.id() + "/uplink",
          Math.max(1, fab.hostLink.delayNanos()));
    }
    for (FabricSpec.Switch fs : fab.switches) {
      down[fs.index()] = new org.cnemu.emulator.Channel[fs.ports().size()];
      for (int i = 0; i < fs.ports().size(); i++) {
        FabricSpec.Port pt = fs.ports().get(i);
        down[fs.index()][i] = b.channel(swRefs[fs.index()], pt.host() >= 0 ? nicRefs[pt.host()] : swRefs[pt.sw()],
            fs.id() + "/port-" + pt.peer(), pt.delayNanos());
      }
    }
    // the channel arrays are read by the factories, which run later in the partitions
    return new KernelResults(spec, appThreads);
  }
}
