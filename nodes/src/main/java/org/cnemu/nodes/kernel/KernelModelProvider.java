package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
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
import org.cnemu.emulator.steering.SteeringPolicy;
import org.cnemu.emulator.steering.SteeringPolicyProvider;
import org.cnemu.emulator.steering.SteeringRegistry;

/** {@code experiment.model = kernel}: Linux hosts (native / Linux overlay / Docker overlay) around a switch. */
public final class KernelModelProvider implements ModelProvider {
  @Override
  public String name() {
    return "kernel";
  }

  @Override
  public String description() {
    return "Linux host data path (NIC queues, IRQs, NAPI/softirq per core, VXLAN/bridge/veth, TCP/UDP apps) on a star fabric";
  }

  /**
   * Everything that may travel between partitions (fabric trains and their packets) or come back
   * as an entity report. Local messages are listed too, so that a future placement that splits a
   * host across partitions still serializes.
   */
  @Override
  public List<Class<?>> wireClasses() {
    return List.of(Msgs.WireTrain.class, org.cnemu.devices.Packet.class, org.cnemu.devices.Packet[].class,
        Msgs.Tx.class, Msgs.Irq.class, Msgs.ModTimer.class, Msgs.TxIrq.class, Msgs.TxModTimer.class, Msgs.AutoModer.class, Msgs.Done.class, Msgs.RemoteEnqueue.class,
        Msgs.SockData.class, Msgs.Wake.class, Msgs.AppTimer.class, Msgs.TcpTimer.class,
        HostKernel.HostReport.class, HostKernel.FlowSide.class, HostKernel.FlowSide[].class,
        CoreEntity.CoreReport.class, SwitchEntity.SwitchReport.class, double[].class, boolean[].class);
  }

  @Override
  public List<ConfigProblem> validate(Config e) {
    List<ConfigProblem> out = new ArrayList<>();
    Config root = ConfigFactory.defaultReference();
    String profile = e.hasPath("profile") ? e.getString("profile") : "";
    if (!root.hasPath("cnemu.profiles." + Spec.quote(profile))) {
      List<String> valid = new ArrayList<>(root.getConfig("cnemu.profiles").root().keySet());
      valid.sort(null);
      out.add(problem(e, "profile", "unknown profile '" + profile + "'; valid profiles: " + String.join(", ", valid)));
      return out;
    }
    int profileCpus = root.getInt("cnemu.profiles." + Spec.quote(profile) + ".cpus");
    try {
      StackKind.parse(e.getString("topology.stack"));
    } catch (IllegalArgumentException ex) {
      out.add(problem(e, "topology.stack", ex.getMessage()));
    }
    SteeringRegistry reg = new SteeringRegistry();
    if (!reg.has(e.getString("steering"))) {
      out.add(problem(e, "steering", "unknown steering policy '" + e.getString("steering") + "'; valid policies: "
          + String.join(", ", reg.all().keySet())));
    }
    java.util.TreeSet<String> hosts = new java.util.TreeSet<>(e.getConfig("topology.hosts").root().keySet());
    if (hosts.isEmpty()) for (int i = 1; i <= e.getInt("topology.host-count"); i++) hosts.add("h" + i);
    for (String h : e.getConfig("topology.hosts").root().keySet()) {
      String path = "topology.hosts." + Spec.quote(h) + ".cpus";
      if (e.hasPath(path) && e.getInt(path) > profileCpus) {
        out.add(problem(e, path, e.getInt(path) + " cores, but profile " + profile + " has " + profileCpus));
      }
    }
    for (String k : List.of("topology.link.rate", "topology.link.delay", "topology.link.queue")) {
      try {
        if (k.endsWith("rate")) Units.bitsPerSec(e, k);
        else if (k.endsWith("delay")) Units.nanos(e, k);
        else Units.bytes(e, k);
      } catch (ConfigException ex) {
        out.add(problem(e, k, ex.getMessage()));
      }
    }
    int i = 0;
    for (Config w : e.getConfigList("workloads")) {
      for (String end : List.of("src", "dst")) {
        if (!w.hasPath(end)) {
          out.add(new ConfigProblem(file(w.origin()), w.origin().lineNumber(), "workloads[" + i + "]." + end, "missing"));
          continue;
        }
        String h = Spec.hostPart(w.getString(end));
        if (!hosts.contains(h)) {
          out.add(new ConfigProblem(file(w.getValue(end).origin()), w.getValue(end).origin().lineNumber(),
              "workloads[" + i + "]." + end, "unknown host '" + h + "'; hosts: " + String.join(", ", hosts)));
        }
      }
      String kind = w.hasPath("kind") ? w.getString("kind") : "iperf";
      if (!List.of("iperf", "request-response", "ping-pong").contains(kind)) {
        out.add(new ConfigProblem(file(w.getValue("kind").origin()), w.getValue("kind").origin().lineNumber(),
            "workloads[" + i + "].kind", "unknown workload kind '" + kind + "'; valid: iperf, request-response, ping-pong"));
      } else if (!kind.equals("iperf") && w.hasPath("protocol") && w.getString("protocol").equalsIgnoreCase("udp")) {
        out.add(new ConfigProblem(file(w.getValue("protocol").origin()), w.getValue("protocol").origin().lineNumber(),
            "workloads[" + i + "].protocol", kind + " runs over tcp only"));
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
    return out;
  }

  private static String file(ConfigOrigin o) {
    return o == null ? null : (o.filename() != null ? o.filename() : o.description());
  }

  private static ConfigProblem problem(Config e, String key, String msg) {
    ConfigOrigin o = e.hasPath(key) ? e.getValue(key).origin() : e.origin();
    return new ConfigProblem(file(o), o.lineNumber(), key, msg);
  }

  @Override
  @SuppressWarnings("unchecked")
  public BuiltModel build(Config e, SimulationBuilder b) {
    Spec spec = new Spec(e);
    SteeringPolicyProvider pp = new SteeringRegistry().get(spec.steering);
    b.expectGroups(spec.hosts.size() + 1);
    int nh = spec.hosts.size();
    EntityRef<Object>[] nicRefs = new EntityRef[nh];
    HostKernel[] hks = new HostKernel[nh];
    // sockets and app cores
    for (Spec.HostSpec hs : spec.hosts) {
      SteeringPolicy pol = pp.create(spec.steeringSettings, hs.cpus(), hs.id());
      hks[hs.index()] = new HostKernel(spec, hs, pol);
    }
    int[] nextAuto = new int[nh];
    for (Spec.FlowSpec f : spec.flows) {
      for (int role = 0; role < 2; role++) {
        boolean sender = role == 0;
        HostKernel hk = hks[sender ? f.srcHost() : f.dstHost()];
        int want = sender ? f.srcCpu() : f.dstCpu();
        Sock owner = null; // request-response: the response flow's sockets share the request flow's threads
        if (f.reverse()) owner = sender ? hk.rxSockByFlow[f.pair()] : hk.txSockByFlow[f.pair()];
        int cpu = owner != null ? owner.cpu
            : want >= 0 ? want % hk.cpus : hk.cpus - 1 - (nextAuto[hk.hs.index()]++ % hk.cpus);
        Sock k = new Sock(hk.socks.size(), f, sender, cpu);
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
        if (f.rr() != null && !f.reverse() && sender) {
          k.rng = new java.util.SplittableRandom(f.rr().seed());
          k.latency = new org.HdrHistogram.Histogram(3_600_000_000_000L, 3);
        }
        if (!f.udp()) {
          if (sender) k.tx = new Tcp.Sender(spec.profile.mss(), spec.profile.groMaxSegs, spec.profile.tcpWmem,
              spec.profile.tcpRmem / 2);
          else k.rx = new Tcp.Receiver(spec.profile.tcpRmem, spec.profile.tcpRmemDefault, spec.profile.mss());
        }
        hk.socks.add(k);
        if (sender) hk.txSockByFlow[f.index()] = k;
        else hk.rxSockByFlow[f.index()] = k;
      }
    }
    EntityRef<Object> sw = null;
    // hosts
    for (Spec.HostSpec hs : spec.hosts) {
      HostKernel hk = hks[hs.index()];
      EntityRef<Object>[] coreRefs = new EntityRef[hk.cpus];
      for (int c = 0; c < hk.cpus; c++) {
        final int cpu = c;
        coreRefs[c] = b.add(hs.id() + "/cpu" + c, hs.id(), () -> new CoreEntity(hk, cpu));
      }
      hk.coreRefs = coreRefs;
    }
    final EntityRef<Object>[] swHolder = new EntityRef[1];
    org.cnemu.emulator.Channel[] up = new org.cnemu.emulator.Channel[nh];
    org.cnemu.emulator.Channel[] down = new org.cnemu.emulator.Channel[nh];
    for (Spec.HostSpec hs : spec.hosts) {
      HostKernel hk = hks[hs.index()];
      int idx = hs.index();
      nicRefs[idx] = b.add(hs.id() + "/nic", hs.id(), () -> {
        NicEntity n = new NicEntity(hk, swHolder[0], spec.linkDelayNanos);
        n.uplink = up[idx];
        return n;
      });
      hk.nicRef = nicRefs[idx];
    }
    sw = b.add("switch", "switch", () -> {
      SwitchEntity s = new SwitchEntity(nicRefs, spec.linkRateBps, spec.linkDelayNanos, spec.switchQueueBytes);
      System.arraycopy(down, 0, s.ports, 0, down.length);
      return s;
    });
    swHolder[0] = sw;
    // channels: each uplink (host -> switch) and each switch port (switch -> host), lookahead = propagation
    for (Spec.HostSpec hs : spec.hosts) {
      up[hs.index()] = b.channel(nicRefs[hs.index()], hs.id() + "/uplink", spec.linkDelayNanos);
      down[hs.index()] = b.channel(sw, "switch/port-" + hs.id(), spec.linkDelayNanos);
    }
    // the channel arrays are read by the factories, which run later in the partitions
    return new KernelResults(spec);
  }
}
