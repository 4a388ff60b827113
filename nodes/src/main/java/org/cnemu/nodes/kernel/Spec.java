package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.emulator.RandomStreams;
import org.cnemu.emulator.config.Units;

/** The parsed {@code experiment} block of a kernel-model run (deterministic order everywhere). */
final class Spec {
  /**
   * One host: its cores, containers, hardware profile (the experiment's unless the host names its own,
   * with the experiment's {@code overrides} and the host's {@code nic} overrides on top), stack kind and
   * the rate of its link (its NIC transmits and its switch port serializes at it).
   */
  record HostSpec(String id, int index, int cpus, List<String> containers, Profile profile, StackKind stack,
      long linkRateBps) {}

  record FlowSpec(int index, String id, boolean udp, String kind, int srcHost, int dstHost, String src, String dst,
      long messageBytes, long rateBps, int prio, String prioName, int srcCpu, int dstCpu, long startNanos,
      Rr rr, int pair, String congestionControl) {
    /** The response direction of a request-response / ping-pong connection (its {@code pair} is the request flow). */
    boolean reverse() {
      return rr != null && pair >= 0 && pair < index;
    }
  }

  /**
   * Request-response (memcached-like binary protocol: 24 B header) or ping-pong message sizes. A GET
   * sends header+key and gets header+value; a SET sends header+key+value and gets a header. Client
   * and server draw the same GET/SET sequence from one seed (the header carries the opcode).
   */
  record Rr(long getReq, long getResp, long setReq, long setResp, double getRatio, long thinkNanos, long seed) {}

  final long seriesNanos;
  /** Journeys: one in this many skbs of each flow is sampled (0: off); the selection's seed (run seed and index). */
  final int journeyEvery;
  final int journeyFirst;
  final long journeySeed;

  final long durationNanos;
  final long warmupNanos;
  final Profile profile;
  final StackKind stack;
  final String steering;
  final Config steeringSettings;
  final List<HostSpec> hosts = new ArrayList<>();
  final TreeMap<String, Integer> hostIndex = new TreeMap<>();
  /** Star: the one link setting (rate 0 = each host's NIC rate), kept for the star's callers. */
  final long linkRateBps;
  final long linkDelayNanos;
  final long switchQueueBytes;
  final FabricSpec fabric;
  final List<FlowSpec> flows = new ArrayList<>();
  /**
   * Per host, the flows it sends or receives (ascending index). A host keeps per-flow state only for
   * these, at their position here (its slot): state sized by the experiment's flow count would make
   * a 10,000-host run with a flow per host quadratic in memory.
   */
  private int[][] flowsOfHost;
  private int[] srcSlot;
  private int[] dstSlot;

  /** The experiment of run 0 (validation and tests); a run reads it with its own streams ({@link #Spec(Config, RandomStreams)}). */
  Spec(Config e) {
    this(e, new RandomStreams(e.getLong("seed"), 0));
  }

  /**
   * @param streamsOf the run's random streams (seed + run index): every stochastic element of the
   *     workloads draws from its flow's own stream, so runs differ, and the arms of an A/B or sweep
   *     point (same seed and run) see the same draws (common random numbers)
   */
  Spec(Config e, RandomStreams streamsOf) {
    durationNanos = Units.nanos(e, "duration");
    warmupNanos = Units.nanos(e, "warmup");
    Config overrides = e.hasPath("overrides") ? e.getConfig("overrides") : ConfigFactory.empty();
    profile = Profile.load(ConfigFactory.defaultReference(), e.getString("profile"), overrides);
    Config t = e.getConfig("topology");
    stack = StackKind.parse(t.getString("stack"));
    steering = e.getString("steering");
    String ss = "steering-settings." + steering;
    steeringSettings = e.hasPath(ss) ? e.getConfig(ss) : ConfigFactory.empty();
    fabric = new FabricSpec(t);
    Config hs = t.getConfig("hosts");
    List<String> ids = hostIds(t, fabric);
    Config l = t.getConfig("link");
    long r = Units.bitsPerSec(l, "rate");
    linkRateBps = r == 0 ? profile.nicRateBps : r;
    linkDelayNanos = Math.max(1, Units.nanos(l, "delay"));
    switchQueueBytes = Units.bytes(l, "queue");
    long fabricRate = fabric.leafSpine() ? fabric.hostLink.rateBps() : r; // 0 = the host's NIC rate
    java.util.Map<String, Profile> profiles = new java.util.HashMap<>();
    profiles.put(e.getString("profile") + "|0|0|0", profile);
    long[] rates = new long[ids.size()];
    for (String id : ids) {
      Config h = hs.hasPath(quote(id)) ? hs.getConfig(quote(id)).withFallback(defaultsOf(e)) : defaultsOf(e);
      Profile hp = hostProfile(h, e.getString("profile"), overrides, profiles);
      int cpus = h.getInt("cpus");
      if (cpus <= 0) cpus = hp.cpus;
      String st = h.getString("stack");
      StackKind kind = st.isEmpty() ? stack : StackKind.parse(st);
      long nicRate = Units.bitsPerSec(h, "nic.rate");
      long rate = fabricRate == 0 ? hp.nicRateBps : nicRate > 0 ? Math.min(nicRate, fabricRate) : fabricRate;
      rates[hosts.size()] = rate;
      hostIndex.put(id, hosts.size());
      hosts.add(new HostSpec(id, hosts.size(), cpus, h.getStringList("containers"), hp, kind, rate));
    }
    fabric.build(ids, rates);
    seriesNanos = Math.max(1, Units.nanos(e, "throughput-interval"));
    journeyEvery = e.hasPath("journeys.sample-every") ? e.getInt("journeys.sample-every") : 0;
    journeyFirst = e.hasPath("journeys.first") ? e.getInt("journeys.first") : 0;
    journeySeed = org.cnemu.emulator.StableIds.combine(org.cnemu.emulator.StableIds.mix(streamsOf.seed()),
        streamsOf.runIndex());
    int fi = 0;
    int w = 0;
    for (Config wc : e.getConfigList("workloads")) {
      Config c = wc.withFallback(ConfigFactory.defaultReference().getConfig("cnemu.schema.experiment.workloads"));
      w++;
      String base = c.getString("id").isEmpty() ? "w" + w : c.getString("id");
      int streams = c.getInt("streams");
      boolean udp = c.getString("protocol").toLowerCase(Locale.ROOT).equals("udp");
      String prioName = c.getString("priority");
      int prio = prioName.equals("high") ? 1 : 0;
      String kind = c.getString("kind");
      String cc = c.getString("congestion-control").toLowerCase(Locale.ROOT);
      Rr rr = null;
      if (kind.equals("request-response") || kind.equals("ping-pong")) {
        long hdr = 24;
        long key = Units.bytes(c, "key-size");
        long val = Units.bytes(c, "value-size");
        long think = Units.nanos(c, "think-time");
        rr = kind.equals("ping-pong")
            ? new Rr(Units.bytes(c, "message-size"), Units.bytes(c, "message-size"), 0, 0, 1.0, think, 0)
            : new Rr(hdr + key, hdr + val, hdr + key + val, hdr, c.getDouble("get-ratio"), think, 0);
      }
      long jitter = Units.nanos(c, "start-jitter");
      for (int s = 0; s < streams; s++) {
        String id = streams == 1 ? base : base + "-s" + (s + 1);
        int src = hostOf(c.getString("src"));
        int dst = hostOf(c.getString("dst"));
        // the flow's (connection's) start: start + U[0, start-jitter], from the flow's own stream of this run
        long start = Units.nanos(c, "start")
            + (jitter > 0 ? streamsOf.stream("flow/" + id, "start").nextLong(jitter + 1) : 0);
        if (rr == null) {
          flows.add(new FlowSpec(fi++, id, udp, kind, src, dst, c.getString("src"), c.getString("dst"),
              Units.bytes(c, "message-size"), Units.bitsPerSec(c, "rate"), prio, prioName, c.getInt("src-cpu"),
              c.getInt("dst-cpu"), start, null, -1, cc));
        } else { // one connection = the request flow + its response flow
          Rr cr = new Rr(rr.getReq(), rr.getResp(), rr.setReq(), rr.setResp(), rr.getRatio(), rr.thinkNanos(),
              streamsOf.stream("flow/" + id, "request-mix").nextLong());
          int req = fi++;
          flows.add(new FlowSpec(req, id, false, kind, src, dst, c.getString("src"), c.getString("dst"),
              Math.max(cr.getReq(), cr.setReq()), 0, prio, prioName, c.getInt("src-cpu"), c.getInt("dst-cpu"),
              start, cr, req + 1, cc));
          flows.add(new FlowSpec(fi++, id + ".resp", false, kind, dst, src, c.getString("dst"), c.getString("src"),
              Math.max(cr.getResp(), cr.setResp()), 0, prio, prioName, c.getInt("dst-cpu"), c.getInt("src-cpu"),
              start, cr, req, cc));
        }
      }
    }
    indexFlowsByHost();
  }

  private void indexFlowsByHost() {
    int[] count = new int[hosts.size()];
    srcSlot = new int[flows.size()];
    dstSlot = new int[flows.size()];
    for (FlowSpec f : flows) {
      srcSlot[f.index()] = count[f.srcHost()]++;
      dstSlot[f.index()] = f.dstHost() == f.srcHost() ? srcSlot[f.index()] : count[f.dstHost()]++;
    }
    flowsOfHost = new int[hosts.size()][];
    for (int h = 0; h < count.length; h++) flowsOfHost[h] = new int[count[h]];
    for (FlowSpec f : flows) {
      flowsOfHost[f.srcHost()][srcSlot[f.index()]] = f.index();
      flowsOfHost[f.dstHost()][dstSlot[f.index()]] = f.index();
    }
  }

  /** The flows host {@code host} sends or receives, ascending (index = the flow's slot there). */
  int[] flowsOf(int host) {
    return flowsOfHost[host];
  }

  /** Flow {@code flow}'s slot on host {@code host} (see {@link #flowsOf}); -1: the flow does not touch it. */
  int slot(int flow, int host) {
    if (flow < 0 || flow >= srcSlot.length) return -1;
    FlowSpec f = flows.get(flow);
    return f.srcHost() == host ? srcSlot[flow] : f.dstHost() == host ? dstSlot[flow] : -1;
  }

  /**
   * Host ids, sorted: star: h1..h{@code host-count} and every host named under {@code hosts};
   * leaf-spine: h1..h(leaves * hosts-per-leaf) ({@code hosts} may only tune those).
   */
  static List<String> hostIds(Config t, FabricSpec fabric) {
    java.util.TreeSet<String> ids = new java.util.TreeSet<>();
    if (fabric.leafSpine()) {
      ids.addAll(fabric.generatedHosts());
    } else {
      for (int i = 1; i <= t.getInt("host-count"); i++) ids.add("h" + i);
      ids.addAll(t.getConfig("hosts").root().keySet());
    }
    return new ArrayList<>(ids);
  }

  /**
   * A host's profile: {@code profile} ("" = the experiment's), the experiment's overrides, then the
   * host's nic overrides ({@code queues}, {@code rate}, {@code ring-size}; 0 = the profile's). One
   * instance per distinct setting.
   */
  static Profile hostProfile(Config h, String experimentProfile, Config overrides, java.util.Map<String, Profile> cache) {
    String name = h.getString("profile").isEmpty() ? experimentProfile : h.getString("profile");
    Config n = h.getConfig("nic");
    int queues = n.getInt("queues");
    long rate = Units.bitsPerSec(n, "rate");
    int ring = n.getInt("ring-size");
    String key = name + "|" + queues + "|" + rate + "|" + ring;
    Profile p = cache.get(key);
    if (p == null) {
      Config ov = overrides;
      if (queues > 0) ov = ov.withValue("nic.queues", com.typesafe.config.ConfigValueFactory.fromAnyRef(queues));
      if (rate > 0) ov = ov.withValue("nic.rate", com.typesafe.config.ConfigValueFactory.fromAnyRef(rate + "bps"));
      if (ring > 0) ov = ov.withValue("nic.ring", com.typesafe.config.ConfigValueFactory.fromAnyRef(ring));
      p = Profile.load(ConfigFactory.defaultReference(), name, ov);
      cache.put(key, p);
    }
    return p;
  }

  private static Config defaultsOf(Config e) {
    return ConfigFactory.defaultReference().getConfig("cnemu.schema.experiment.topology.hosts").getConfig("\"*\"");
  }

  static String quote(String id) {
    return "\"" + id + "\"";
  }

  static String hostPart(String endpoint) {
    int i = endpoint.indexOf('/');
    return i < 0 ? endpoint : endpoint.substring(0, i);
  }

  int hostOf(String endpoint) {
    Integer i = hostIndex.get(hostPart(endpoint));
    if (i == null) throw new IllegalArgumentException("unknown host in '" + endpoint + "'");
    return i;
  }
}
