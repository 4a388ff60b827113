package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.emulator.config.Units;
import org.cnemu.kernel.api.ConfiguredPolicy;

/**
 * The kernel model's typed spec of one experiment configuration: everything the {@code experiment} block
 * says, read once ({@link KernelModelProvider#parse}) and shared by every run of the configuration.
 * Immutable. What a run draws (RSS keys, pattern assignments, start jitter, source ports, request mixes)
 * is not here: {@link Spec} expands it with the run's random streams.
 */
public final class KernelSpec {
  /**
   * One workload line as written over the template's defaults (before its pattern and streams expand it
   * into flows). {@code rr}: its request-response / ping-pong message sizes (seed 0), null otherwise.
   */
  record Workload(String base, int streams, boolean udp, String kind, String prioName, String congestionControl,
      Load load, Spec.Rr rr, long startNanos, long startJitterNanos, String pattern, int patternHosts,
      String patternContainer, int patternCount, String src, String dst, long messageBytes, long rateBps, int srcCpu,
      int dstCpu) {

    /** Workload {@code c} (over the template's defaults); {@code base}: its id, or w1, w2, ... by position. */
    static Workload of(Config c, String base) {
      String kind = c.getString("kind");
      boolean pingPong = kind.equals("ping-pong");
      Load load = Load.of(c, pingPong ? "message-size" : "value-size");
      Spec.Rr rr = null;
      if (kind.equals("request-response") || pingPong) {
        long hdr = 24;
        long key = Units.bytes(c, "key-size");
        long val = load.size().largest();
        long think = Units.nanos(c, "think-time");
        rr = pingPong ? new Spec.Rr(val, val, 0, 0, 1.0, think, 0) : new Spec.Rr(hdr + key, hdr + val,
            hdr + key + val, hdr, c.getDouble("get-ratio"), think, 0);
      }
      String pattern = c.getString("pattern");
      return new Workload(base, c.getInt("streams"), c.getString("protocol").toLowerCase(Locale.ROOT).equals("udp"),
          kind, c.getString("priority"), c.getString("congestion-control").toLowerCase(Locale.ROOT), load, rr,
          Units.nanos(c, "start"), Units.nanos(c, "start-jitter"), pattern,
          pattern.isEmpty() ? 0 : c.getInt("pattern-hosts"), pattern.isEmpty() ? "" : c.getString("pattern-container"),
          pattern.isEmpty() ? 0 : c.getInt("pattern-count"), pattern.isEmpty() ? c.getString("src") : "",
          pattern.isEmpty() || pattern.equals("incast") ? c.getString("dst") : "", Units.bytes(c, "message-size"),
          Units.bitsPerSec(c, "rate"), c.getInt("src-cpu"), c.getInt("dst-cpu"));
    }
  }

  final long durationNanos;
  final long warmupNanos;
  final long seriesNanos;
  final int journeyEvery;
  final int journeyFirst;
  final Profile profile;
  final StackKind stack;
  /** The steering policy with its typed settings, parsed once here; each host of each run builds its instance. */
  final ConfiguredPolicy<?> steering;
  /** Hosts by index (sorted ids), without their run's RSS key (0 here). */
  final List<Spec.HostSpec> hosts;
  final List<String> hostIds;
  final long linkRateBps;
  final long linkDelayNanos;
  final long switchQueueBytes;
  /** Built (switches, ports, routes) here and only read afterwards. */
  final FabricSpec fabric;
  final List<Workload> workloads;

  /**
   * Reads experiment block {@code e} (validated by {@link KernelModelProvider#parse}, which parsed its
   * {@code steering} policy's settings); {@code reference} gives the hardware profiles and the templates of a
   * host and a workload.
   */
  KernelSpec(Config e, Config reference, ConfiguredPolicy<?> steering) {
    durationNanos = Units.nanos(e, "duration");
    warmupNanos = Units.nanos(e, "warmup");
    Config overrides = e.hasPath("overrides") ? e.getConfig("overrides") : ConfigFactory.empty();
    profile = Profile.load(reference, e.getString("profile"), overrides);
    Config t = e.getConfig("topology");
    stack = StackKind.parse(t.getString("stack"));
    this.steering = steering;
    fabric = new FabricSpec(t);
    Config hs = t.getConfig("hosts");
    hostIds = List.copyOf(Spec.hostIds(t, fabric));
    Config l = t.getConfig("link");
    long r = Units.bitsPerSec(l, "rate");
    linkRateBps = r == 0 ? profile.nicRateBps : r;
    linkDelayNanos = Math.max(1, Units.nanos(l, "delay"));
    switchQueueBytes = Units.bytes(l, "queue");
    long fabricRate = fabric.leafSpine() ? fabric.hostLink.rateBps() : r; // 0 = the host's NIC rate
    java.util.Map<String, Profile> profiles = new java.util.HashMap<>();
    profiles.put(e.getString("profile") + "|0|0|0", profile);
    Config hostDefaults = reference.getConfig("cnemu.schema.experiment.topology.hosts").getConfig("\"*\"");
    List<Spec.HostSpec> hl = new ArrayList<>(hostIds.size());
    long[] rates = new long[hostIds.size()];
    for (String id : hostIds) {
      Config h = hs.hasPath(Spec.quote(id)) ? hs.getConfig(Spec.quote(id)).withFallback(hostDefaults) : hostDefaults;
      Profile hp = Spec.hostProfile(h, e.getString("profile"), overrides, profiles, reference);
      int cpus = h.getInt("cpus");
      if (cpus <= 0) cpus = hp.cpus;
      String st = h.getString("stack");
      StackKind kind = st.isEmpty() ? stack : StackKind.parse(st);
      long rate = Spec.hostLinkRateBps(fabricRate, h, hp);
      rates[hl.size()] = rate;
      hl.add(new Spec.HostSpec(id, hl.size(), cpus, List.copyOf(h.getStringList("containers")), hp, kind, rate, 0));
    }
    hosts = List.copyOf(hl);
    fabric.build(hostIds, rates);
    seriesNanos = Math.max(1, Units.nanos(e, "throughput-interval"));
    journeyEvery = e.hasPath("journeys.sample-every") ? e.getInt("journeys.sample-every") : 0;
    journeyFirst = e.hasPath("journeys.first") ? e.getInt("journeys.first") : 0;
    Config workloadDefaults = reference.getConfig("cnemu.schema.experiment.workloads");
    List<Workload> wl = new ArrayList<>();
    for (Config wc : e.getConfigList("workloads")) {
      Config c = wc.withFallback(workloadDefaults);
      wl.add(Workload.of(c, workloadBase(c, wl.size())));
    }
    workloads = List.copyOf(wl);
  }

  /** The name workload {@code index} (0-based) gives its flows: its {@code id}, or w&lt;index + 1&gt; without one. */
  static String workloadBase(Config c, int index) {
    return c.getString("id").isEmpty() ? "w" + (index + 1) : c.getString("id");
  }
}
