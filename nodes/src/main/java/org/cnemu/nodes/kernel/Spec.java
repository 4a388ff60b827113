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
import org.cnemu.kernel.api.ConfiguredPolicy;

/** One kernel-model run: its configuration's {@link KernelSpec} expanded into flows with the run's random streams (deterministic order everywhere). */
final class Spec {
  /**
   * One host: its cores, containers, hardware profile (the experiment's unless the host names its own,
   * with the experiment's {@code overrides} and the host's {@code nic} overrides on top), stack kind and
   * the rate of its link (its NIC transmits and its switch port serializes at it).
   */
  record HostSpec(String id, int index, int cpus, List<String> containers, Profile profile, StackKind stack,
      long linkRateBps, long rssKey) {}

  /**
   * One flow. {@code portHash}: the hash of its 5-tuple, whose ephemeral source port the run draws
   * (so runs hash a flow to different queues and cores, as reboots do); {@code load}: its arrival,
   * size and think-time processes; {@code fanInServer}: the flow whose server socket and thread this
   * flow's server side shares (fan-in; its own index when it is that flow or has no fan-in).
   */
  record FlowSpec(int index, String id, boolean udp, String kind, int srcHost, int dstHost, String src, String dst,
      long messageBytes, long rateBps, int prio, String prioName, int srcCpu, int dstCpu, long startNanos,
      Rr rr, int pair, String congestionControl, int portHash, Load load, int fanInServer) {
    /** A flow with a fixed hash, plain load and its own server (unit tests of the core's machinery). */
    FlowSpec(int index, String id, boolean udp, String kind, int srcHost, int dstHost, String src, String dst,
        long messageBytes, long rateBps, int prio, String prioName, int srcCpu, int dstCpu, long startNanos,
        Rr rr, int pair, String congestionControl) {
      this(index, id, udp, kind, srcHost, dstHost, src, dst, messageBytes, rateBps, prio, prioName, srcCpu, dstCpu,
          startNanos, rr, pair, congestionControl, index, Load.PLAIN, index);
    }

    /** An equal spec (and load) in new objects: a host keeps its flows' specs beside its own state (HostKernel). */
    FlowSpec copy() {
      return new FlowSpec(index, id, udp, kind, srcHost, dstHost, src, dst, messageBytes, rateBps, prio, prioName,
          srcCpu, dstCpu, startNanos, rr, pair, congestionControl, portHash, load == null ? null : load.copy(), fanInServer);
    }

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
  /** The steering policy with its settings (parsed once per configuration); each host builds its instance. */
  final ConfiguredPolicy<?> steering;
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

  /**
   * One run of a configuration: its typed spec expanded with the run's random streams.
   *
   * @param streamsOf the run's random streams (seed + run index): every stochastic element of the
   *     workloads draws from its flow's own stream, so runs differ, and the arms of an A/B or sweep
   *     point (same seed and run) see the same draws (common random numbers)
   */
  Spec(KernelSpec k, RandomStreams streamsOf) {
    durationNanos = k.durationNanos;
    warmupNanos = k.warmupNanos;
    profile = k.profile;
    stack = k.stack;
    steering = k.steering;
    fabric = k.fabric;
    linkRateBps = k.linkRateBps;
    linkDelayNanos = k.linkDelayNanos;
    switchQueueBytes = k.switchQueueBytes;
    for (HostSpec h : k.hosts) {
      hostIndex.put(h.id(), hosts.size());
      // the NIC's Toeplitz key: drivers fill it with random bytes at load (netdev_rss_key_fill)
      long rssKey = streamsOf.stream("host/" + h.id(), "rss-key").nextLong();
      hosts.add(new HostSpec(h.id(), h.index(), h.cpus(), h.containers(), h.profile(), h.stack(), h.linkRateBps(),
          rssKey));
    }
    seriesNanos = k.seriesNanos;
    journeyEvery = k.journeyEvery;
    journeyFirst = k.journeyFirst;
    journeySeed = org.cnemu.emulator.StableIds.combine(org.cnemu.emulator.StableIds.mix(streamsOf.seed()),
        streamsOf.runIndex());
    this.streams = streamsOf;
    for (KernelSpec.Workload w : k.workloads) addWorkload(w, k.hostIds);
    indexFlowsByHost();
  }

  /** The run's random streams (seed + run index): the apps draw their arrivals, sizes and think times from them. */
  final RandomStreams streams;

  /** What a request flow's id gains for its response flow. */
  static final String RESPONSE_SUFFIX = ".resp";

  /**
   * The id of the flow of workload {@code base}'s endpoint pair {@code pair} (0-based; -&lt;pair + 1&gt; with a
   * pattern) and stream {@code stream} of {@code streamCount} (0-based; -s&lt;stream + 1&gt; with more than one).
   */
  static String flowId(String base, boolean patterned, int pair, int streamCount, int stream) {
    String pairId = patterned ? base + "-" + (pair + 1) : base;
    return streamCount == 1 ? pairId : pairId + "-s" + (stream + 1);
  }

  /** Adds the flows of workload {@code c}: each endpoint pair of its pattern, times its streams. */
  private void addWorkload(KernelSpec.Workload c, List<String> ids) {
    String base = c.base();
    int streamCount = c.streams();
    boolean udp = c.udp();
    String prioName = c.prioName();
    int prio = prioName.equals("high") ? 1 : 0;
    String kind = c.kind();
    String cc = c.congestionControl();
    Load load = c.load();
    Rr rr = c.rr();
    long jitter = c.startJitterNanos();
    List<Patterns.Pair> pairs = Patterns.pairs(c, ids, streams.stream("workload/" + base, "pattern"));
    boolean patterned = !c.pattern().isEmpty();
    java.util.Map<String, Integer> servers = new java.util.HashMap<>(); // fan-in: dst endpoint -> server flow
    for (int pi = 0; pi < pairs.size(); pi++) {
      Patterns.Pair pr = pairs.get(pi);
      int src = hostOf(pr.src());
      int dst = hostOf(pr.dst());
      for (int s = 0; s < streamCount; s++) {
        String id = flowId(base, patterned, pi, streamCount, s);
        // the flow's (connection's) start: start + U[0, start-jitter], from the flow's own stream of this run
        long start = c.startNanos()
            + (jitter > 0 ? streams.stream("flow/" + id, "start").nextLong(jitter + 1) : 0);
        // the ephemeral source port the kernel picks for this run's connection: the 5-tuple's hash
        int portHash = streams.stream("flow/" + id, "source-port").nextInt();
        int fi = flows.size();
        int server = load.fanIn() ? servers.computeIfAbsent(pr.dst(), d -> fi) : fi;
        if (rr == null) {
          flows.add(new FlowSpec(fi, id, udp, kind, src, dst, pr.src(), pr.dst(), c.messageBytes(),
              c.rateBps(), prio, prioName, c.srcCpu(), c.dstCpu(), start, null, -1,
              cc, portHash, load, server));
        } else { // one connection = the request flow + its response flow
          Rr cr = new Rr(rr.getReq(), rr.getResp(), rr.setReq(), rr.setResp(), rr.getRatio(), rr.thinkNanos(),
              streams.stream("flow/" + id, "request-mix").nextLong());
          flows.add(new FlowSpec(fi, id, udp, kind, src, dst, pr.src(), pr.dst(), Math.max(cr.getReq(), cr.setReq()),
              0, prio, prioName, c.srcCpu(), c.dstCpu(), start, cr, fi + 1, cc, portHash, load,
              server));
          flows.add(new FlowSpec(fi + 1, id + RESPONSE_SUFFIX, udp, kind, dst, src, pr.dst(), pr.src(),
              Math.max(cr.getResp(), cr.setResp()), 0, prio, prioName, c.dstCpu(), c.srcCpu(), start,
              cr, fi, cc, org.cnemu.devices.Hashing.mix32(portHash), load, server + 1));
        }
      }
    }
  }

  private void indexFlowsByHost() {
    int[] count = new int[hosts.size()];
    int[] srcSlot = new int[flows.size()];
    int[] dstSlot = new int[flows.size()];
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
  static Profile hostProfile(Config h, String experimentProfile, Config overrides, java.util.Map<String, Profile> cache,
      Config reference) {
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
      p = Profile.load(reference, name, ov);
      cache.put(key, p);
    }
    return p;
  }

  /**
   * A host's link rate: the fabric's host link, capped by the host's own {@code nic.rate} when it sets one; a fabric
   * rate of 0 means each host's NIC rate ({@code p}'s, which already holds {@code nic.rate}: hostProfile).
   */
  static long hostLinkRateBps(long fabricRateBps, Config h, Profile p) {
    long nicRate = Units.bitsPerSec(h, "nic.rate");
    return fabricRateBps == 0 ? p.nicRateBps : nicRate > 0 ? Math.min(nicRate, fabricRateBps) : fabricRateBps;
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
