package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * The workload rules between keys ({@link KernelChecks} runs them): at least one workload; endpoints name a
 * container of their host and app cores exist on it; UDP datagrams fit in 65507 B; patterns and their hosts fit
 * the topology; load keys (empirical lists, arrivals, rates) are consistent; flow ids are unique; a workload's
 * flows start early enough for a first packet to be delivered before the run ends ({@link FirstPacket}'s bound),
 * and so does some flow in every run (its start drawn as the model draws it).
 */
final class WorkloadChecks extends ExperimentChecks {
  /** The largest UDP payload in one IPv4 datagram: 65535 - 20 (IP) - 8 (UDP). */
  static final long UDP_MAX_PAYLOAD_BYTES = 65_507;

  /** The least time to a flow's first delivered packet, from the hosts' profiles. */
  private final FirstPacket firstPacket;

  WorkloadChecks(Config e, Config root, List<ConfigProblem> out) {
    super(e, root, out);
    firstPacket = new FirstPacket(e, root);
  }

  void check() {
    Config hostDefaults = root.getConfig("cnemu.schema.experiment.topology.hosts").getConfig("\"*\"");
    long duration = Units.nanos(e, "duration");
    Map<String, Host> hosts = new TreeMap<>();
    List<? extends Config> list = e.getConfigList("workloads");
    if (list.isEmpty()) {
      // the model has no traffic of its own: every event of a run comes from a workload
      add("workloads", "no workload: nothing would be sent and every figure would be zero; add one, e.g."
          + " workloads = [ { src = \"h1/c1\", dst = \"h2/c1\" } ]");
    }
    for (int i = 0; i < list.size(); i++) {
      Config w = list.get(i);
      String at = "workloads[" + i + "]";
      String pattern = w.hasPath("pattern") ? w.getString("pattern") : "";
      List<String> ends = pattern.isEmpty() ? List.of("src", "dst") : pattern.equals("incast") ? List.of("dst") : List.of();
      for (String end : ends) {
        guard(() -> endpoint(w, at, end, hosts, hostDefaults, root));
      }
      if (!pattern.isEmpty()) guard(() -> pattern(w, at, pattern, hostDefaults, root));
      guard(() -> load(w, at, root));
      guard(() -> unused(w, at, pattern, root));
      guard(() -> {
        // as Spec reads it: the element over the workload template's defaults
        Config c = w.withFallback(root.getConfig("cnemu.schema.experiment.workloads"));
        boolean udp = c.getString("protocol").equals("udp");
        if (c.getString("kind").equals("iperf") && udp && Units.bytes(c, "message-size") > UDP_MAX_PAYLOAD_BYTES) {
          boolean set = w.hasPath("message-size");
          String key = set ? "message-size" : "protocol";
          // unset, the size is the template's default (iperf3's TCP -l): name it, or the user looks for a key never written
          addAt(w.getValue(key).origin(), at + "." + key, "a UDP datagram carries at most " + UDP_MAX_PAYLOAD_BYTES
              + " B (65535 minus the IP and UDP headers), got message-size " + c.getString("message-size")
              + (set ? "" : " (the default, sized for TCP); set message-size, e.g. 1472B (one datagram per 1500 B IP"
              + " packet; 1422B in an overlay, whose MTU is 1450 B)"));
        }
      });
      int index = i;
      guard(() -> {
        if (!w.hasPath("start")) return;
        long start = Units.nanos(w, "start");
        if (start >= duration) {
          addAt(w.getValue("start").origin(), at + ".start", "the flow would start at " + w.getString("start")
              + ", not before the end of the run (duration " + e.getString("duration") + "); expected a start before "
              + e.getString("duration") + " or a longer duration");
          return;
        }
        FirstPacket.Bound b = firstPacket.of(index, w.withFallback(root.getConfig("cnemu.schema.experiment.workloads")), start);
        if (b != null && start + b.totalNanos() >= duration) {
          addAt(w.getValue("start").origin(), at + ".start", "the flow would start at " + w.getString("start")
              + " and its first packet needs at least " + FirstPacket.nanos(b.totalNanos()) + " to be delivered ("
              + b.parts() + "): none could be before the end of the run (duration " + e.getString("duration")
              + "); expected a start before " + FirstPacket.nanos(duration - b.totalNanos()) + " or a duration above "
              + FirstPacket.nanos(start + b.totalNanos()));
        }
      });
    }
    guard(() -> flowIds(list));
    guard(() -> firstArrival(list, duration));
  }

  /** The least time from a flow of workload {@code i} starting at {@code startNanos} to its first packet delivered. */
  private long firstNanos(int i, Config c, long startNanos) {
    FirstPacket.Bound b = firstPacket.of(i, c, startNanos);
    return b == null ? 0 : b.totalNanos();
  }

  /**
   * A run in which no packet could be delivered before the end would report zeros everywhere: each flow starts at
   * start + its draw in [0, start-jitter] from its own stream of the run (the draw Spec.addWorkload makes: seed +
   * run index, "flow/ID", "start"), and its first packet then needs at least {@link FirstPacket}'s bound, which
   * grows with the start. So every run of the file (seed + i) must have a flow whose first packet can be delivered
   * before the end. The draws are looked at only when no workload is sure to (its start + start-jitter + that bound
   * before the end), which a duration of milliseconds always is.
   */
  private void firstArrival(List<? extends Config> list, long duration) {
    Config template = root.getConfig("cnemu.schema.experiment.workloads");
    List<Integer> open = new java.util.ArrayList<>(); // the workloads whose flows may start too late to deliver
    for (int i = 0; i < list.size(); i++) {
      Config c = list.get(i).withFallback(template);
      long start = Units.nanos(c, "start");
      if (start + firstNanos(i, c, start) >= duration && list.get(i).hasPath("start")) continue; // at its start key
      long latest = start + Units.nanos(c, "start-jitter");
      if (latest + firstNanos(i, c, latest) < duration) return; // every flow of it can deliver in time
      open.add(i);
    }
    if (open.isEmpty()) return;
    long hosts = ImpliedWork.hosts(e);
    long seed = e.getLong("seed");
    int runs = e.getInt("runs");
    for (int r = 0; r < runs; r++) {
      org.cnemu.emulator.RandomStreams streams = new org.cnemu.emulator.RandomStreams(seed + r, r);
      long first = Long.MAX_VALUE; // the earliest delivery of a first packet in run r
      long firstStart = 0;
      String firstId = null;
      int firstWorkload = -1;
      for (int k = 0; k < open.size() && first >= duration; k++) {
        int i = open.get(k);
        Config c = list.get(i).withFallback(template);
        long start = Units.nanos(c, "start");
        long jitter = Units.nanos(c, "start-jitter");
        long[] earliest = {first, firstStart};
        String[] earliestId = {firstId};
        eachFlowId(c, i, hosts, id -> {
          long at = start + streams.stream("flow/" + id, "start").nextLong(jitter + 1);
          long arrives = at + firstNanos(i, c, at);
          if (arrives < earliest[0]) {
            earliest[0] = arrives;
            earliest[1] = at;
            earliestId[0] = id;
          }
          return earliest[0] >= duration; // one flow in time is enough
        });
        if (earliest[0] < first) {
          first = earliest[0];
          firstStart = earliest[1];
          firstId = earliestId[0];
          firstWorkload = i;
        }
      }
      if (first < duration || firstId == null) continue;
      Config c = list.get(firstWorkload).withFallback(template);
      long latest = Units.nanos(c, "start") + Units.nanos(c, "start-jitter");
      long sure = latest + firstNanos(firstWorkload, c, latest);
      FirstPacket.Bound b = firstPacket.of(firstWorkload, c, firstStart);
      add("duration", e.getString("duration") + " ends before any packet could be delivered in run " + (r + 1) + " (seed "
          + (seed + r) + "): its first flow, " + firstId + ", starts at " + FirstPacket.nanos(firstStart) + " (start "
          + c.getString("start") + " + its draw in [0, start-jitter " + c.getString("start-jitter") + "]) and its first"
          + " packet needs at least " + FirstPacket.nanos(first - firstStart) + " to be delivered" + (b == null ? "" : " ("
          + b.parts() + ")") + "; expected a duration above " + FirstPacket.nanos(first) + " (above "
          + FirstPacket.nanos(sure) + " every flow of its workload starts in time, whatever the seed)");
      return;
    }
  }

  /**
   * The ids of workload {@code i}'s flows as Spec names them (its pattern's pairs over the first pattern-hosts of
   * {@code hosts}, times its streams, in expansion order), each given to {@code visit} until it returns false.
   */
  private static void eachFlowId(Config c, int i, long hosts, java.util.function.Predicate<String> visit) {
    String base = KernelSpec.workloadBase(c, i);
    String pattern = c.getString("pattern");
    long n = c.getLong("pattern-hosts") > 0 ? Math.min(c.getLong("pattern-hosts"), hosts) : hosts;
    long pairs = pattern.isEmpty() ? 1 : Patterns.flows(pattern, n, c.getLong("pattern-count"));
    int streams = c.getInt("streams");
    for (long p = 0; p < pairs; p++) {
      for (int st = 0; st < streams; st++) {
        if (!visit.test(Spec.flowId(base, !pattern.isEmpty(), (int) p, streams, st))) return;
      }
    }
  }

  /**
   * Flow ids, named as Spec names them (id or w&lt;n&gt;, -&lt;pair&gt; of a pattern, -s&lt;stream&gt;, .resp),
   * are unique: they key the flows of results.json and seed each flow's random streams, so two flows of one
   * id would share their draws and their metrics' names.
   */
  private void flowIds(List<? extends Config> list) {
    Config template = root.getConfig("cnemu.schema.experiment.workloads");
    long hosts = ImpliedWork.hosts(e);
    Map<String, Integer> owner = new java.util.HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      Config c = list.get(i).withFallback(template);
      boolean twoWay = !c.getString("kind").equals("iperf");
      int index = i;
      Integer[] clashWith = {null};
      String[] clashId = {null};
      eachFlowId(c, i, hosts, id -> {
        for (String f : twoWay ? List.of(id, id + Spec.RESPONSE_SUFFIX) : List.of(id)) {
          Integer was = owner.putIfAbsent(f, index);
          if (was != null && was != index) {
            clashWith[0] = was;
            clashId[0] = f;
            return false;
          }
        }
        return true;
      });
      Integer clash = clashWith[0];
      if (clash != null) {
        ConfigOrigin o = list.get(i).hasPath("id") ? list.get(i).getValue("id").origin() : list.get(i).origin();
        addAt(o, "workloads[" + i + "].id", "flow id '" + clashId[0] + "' is also a flow of workloads[" + clash + "]:"
            + " ids name the flows in results and seed their random streams; give each workload its own id");
      }
    }
  }

  /**
   * A pattern: at least two hosts take part; incast and random-pairs have flows to make; the pattern's
   * container exists on every host taking part and they agree on overlay vs native (hosts not named
   * under topology.hosts are alike, so only the named ones are looked at).
   */
  private void pattern(Config w, String at, String pattern, Config hostDefaults, Config root) {
    long total = ImpliedWork.hosts(e);
    if (total < 0) return;
    long n = w.hasPath("pattern-hosts") && w.getLong("pattern-hosts") > 0 ? w.getLong("pattern-hosts") : total;
    ConfigOrigin where = w.getValue("pattern").origin();
    if (n > total) {
      addAt(w.getValue("pattern-hosts").origin(), at + ".pattern-hosts", n + " hosts, but the topology has " + total);
      return;
    }
    if (n < 2) {
      addAt(where, at + ".pattern", "a pattern needs at least two hosts, got " + n);
      return;
    }
    long count = w.hasPath("pattern-count") ? w.getLong("pattern-count") : 0;
    if (pattern.equals("random-pairs") && count == 0) {
      addAt(where, at + ".pattern-count", "random-pairs makes pattern-count flows: set it (at least 1)");
    }
    if (pattern.equals("incast") && count > n - 1) {
      addAt(w.getValue("pattern-count").origin(), at + ".pattern-count", "incast of " + count + " senders, but only "
          + (n - 1) + " other hosts take part (pattern-hosts " + n + ")");
    }
    Config c = w.withFallback(root.getConfig("cnemu.schema.experiment.workloads"));
    String ct = c.getString("pattern-container");
    long generated = ImpliedWork.leafSpine(e) ? total : e.getLong("topology.host-count");
    List<String> ids = new java.util.ArrayList<>();
    for (long h = 1; h <= generated; h++) ids.add("h" + h);
    for (String id : e.getConfig("topology.hosts").root().keySet()) if (!ImpliedWork.isGenerated(id, generated)) ids.add(id);
    ids.sort(Patterns.NATURAL);
    List<String> taking = ids.subList(0, (int) Math.min(n, ids.size()));
    String defaultStack = e.getString("topology.stack");
    Boolean overlay = null;
    String firstId = null;
    boolean unnamedSeen = false;
    for (String id : taking) {
      boolean named = e.hasPath("topology.hosts." + Spec.quote(id));
      if (!named && unnamedSeen) continue; // hosts not named are alike: one is checked
      if (!named) unnamedSeen = true;
      Host h = host(id, hostDefaults, root);
      if (h == null) continue;
      if (!ct.isEmpty() && !h.containers().contains(ct)) {
        addAt(w.hasPath("pattern-container") ? w.getValue("pattern-container").origin() : where, at + ".pattern-container",
            "no container '" + ct + "' on host " + id + ", which takes part in the pattern (its containers: "
                + String.join(", ", h.containers()) + "; \"\" = the host namespace)");
        return;
      }
      String st = named && e.hasPath("topology.hosts." + Spec.quote(id) + ".stack")
          ? e.getString("topology.hosts." + Spec.quote(id) + ".stack") : "";
      boolean ov = !(st.isEmpty() ? defaultStack : st).equals("native");
      if (overlay == null) {
        overlay = ov;
        firstId = id;
      } else if (overlay != ov) {
        addAt(where, at + ".pattern", "hosts " + firstId + " and " + id + " take part in the pattern but one is an overlay"
            + " host and the other native: both ends of a flow must be overlay hosts or both native (set pattern-hosts)");
        return;
      }
    }
  }

  /** The keys of request-response alone: memcached's GET/SET sizes and mix. */
  private static final List<String> REQUEST_RESPONSE_KEYS = List.of("key-size", "value-size", "get-ratio");
  /** The keys of request-response and ping-pong: their size and think-time draws, reply timeout, per-request backlog. */
  private static final List<String> TWO_WAY_KEYS = List.of("size-distribution", "size-values", "think-time",
      "think-distribution", "think-values", "reply-timeout", "listen-backlog");

  /**
   * Keys the file sets on workload {@code w} that its pattern or kind never reads (KernelSpec.Workload.of, Load.of,
   * Patterns): a run would silently go without them (all-to-all with src = h1 still runs every ordered pair), so
   * each is refused at its line. Only keys the element sets: the template's defaults are not the author's.
   */
  private void unused(Config w, String at, String pattern, Config root) {
    String p = "pattern = \"" + pattern + "\"";
    if (!pattern.isEmpty() && w.hasPath("src")) {
      unusedAt(w, at, "src", p + " chooses every sender among its hosts, so src is unused: remove it (the pattern's"
          + " endpoints are pattern-container on each host), or remove the pattern for one src -> dst flow");
    }
    if (!pattern.isEmpty() && !pattern.equals("incast") && w.hasPath("dst")) {
      unusedAt(w, at, "dst", p + " chooses every receiver among its hosts, so dst is unused (only incast has one"
          + " receiver, dst): remove it, or remove the pattern for one src -> dst flow");
    }
    if (!pattern.equals("incast") && !pattern.equals("random-pairs") && w.hasPath("pattern-count")) {
      unusedAt(w, at, "pattern-count", (pattern.isEmpty() ? "no pattern (one src -> dst flow)" : p
          + (pattern.equals("all-to-all") ? " makes every ordered pair" : " gives every host one flow out"))
          + ", so pattern-count is unused (it counts incast's senders and random-pairs' flows): remove it"
          + (pattern.isEmpty() ? ", or set pattern = \"incast\" or \"random-pairs\"" : ", or set pattern-hosts to"
          + " take fewer hosts"));
    }
    if (pattern.isEmpty()) {
      for (String key : List.of("pattern-hosts", "pattern-container")) {
        if (w.hasPath(key)) {
          unusedAt(w, at, key, "no pattern (one src -> dst flow), so " + key + " is unused: remove it, or set a"
              + " pattern");
        }
      }
    }
    Config c = w.withFallback(root.getConfig("cnemu.schema.experiment.workloads"));
    String kind = c.getString("kind");
    for (String key : REQUEST_RESPONSE_KEYS) {
      if (!kind.equals("request-response") && w.hasPath(key)) {
        unusedAt(w, at, key, (kind.equals("iperf") ? "an iperf flow sends message-size at rate" : "a ping-pong"
            + " message is message-size each way") + ", so " + key + " (memcached's GET/SET) is unused: remove it, or"
            + " set kind = \"request-response\"");
      }
    }
    for (String key : TWO_WAY_KEYS) {
      if (kind.equals("iperf") && w.hasPath(key)) {
        unusedAt(w, at, key, "an iperf flow sends message-size at rate, so " + key + " is unused (it is for"
            + " request-response and ping-pong): remove it, or set kind = \"request-response\" or \"ping-pong\"");
      }
    }
    // KernelSpec.Workload.of: a request-response flow's sizes are key-size and value-size (memcached's)
    if (kind.equals("request-response") && w.hasPath("message-size")) {
      unusedAt(w, at, "message-size", "a request-response flow sends key-size (GET) or key-size + value-size (SET)"
          + " and is answered with value-size (GET) or a header (SET), so message-size is unused: set value-size,"
          + " or set kind = \"ping-pong\" for message-size each way");
    }
    // only an iperf flow is paced by rate and iperf3's throttle (SocketDriver, Pacing); the others by request-rate
    if (!kind.equals("iperf")) {
      for (String key : List.of("rate", "pacing-timer")) {
        if (w.hasPath(key)) {
          unusedAt(w, at, key, "a " + kind + " flow sends a request after each response (closed loop) or at"
              + " request-rate (open loop), so " + key + " (iperf's pacing) is unused: remove it, or set request-rate");
        }
      }
    }
    if (c.getString("protocol").equalsIgnoreCase("udp")) {
      // TcpSetup alone reads them: a UDP socket has neither Nagle nor a congestion window
      for (String key : List.of("nodelay", "congestion-control")) {
        if (w.hasPath(key)) {
          unusedAt(w, at, key, "protocol = \"udp\" has no " + (key.equals("nodelay") ? "Nagle algorithm" : "congestion"
              + " control") + ", so " + key + " is unused (it is for TCP): remove it, or set protocol = \"tcp\"");
        }
      }
    }
    // RequestResponse: a UDP closed-loop request is given up after reply-timeout; TCP retransmits instead
    if (!kind.equals("iperf") && w.hasPath("reply-timeout")) {
      if (!c.getString("protocol").equalsIgnoreCase("udp")) {
        unusedAt(w, at, "reply-timeout", "protocol = \"tcp\" retransmits a lost request, so reply-timeout (a UDP"
            + " request given up as lost) is unused: remove it, or set protocol = \"udp\"");
      } else if (c.getDouble("request-rate") > 0) {
        unusedAt(w, at, "reply-timeout", "open loop (request-rate " + c.getString("request-rate") + ") sends on"
            + " schedule and never waits for a reply, so reply-timeout is unused: remove it, or set request-rate = 0");
      }
    }
    // Churn alone listens: persistent connections are set up before the run, not accepted from a backlog
    if (!kind.equals("iperf") && w.hasPath("listen-backlog") && !c.getString("connection").equals("per-request")) {
      unusedAt(w, at, "listen-backlog", "connection = \"" + c.getString("connection") + "\" sets its connections up"
          + " before the run, so listen-backlog (the accept queue of per-request connections) is unused: remove it,"
          + " or set connection = \"per-request\"");
    }
  }

  private void unusedAt(Config w, String at, String key, String message) {
    addAt(w.getValue(key).origin(), at + "." + key, message);
  }

  /** The load keys: empirical lists parse and lie in their ranges; an empirical distribution has values. */
  private void load(Config w, String at, Config root) {
    Config c = w.withFallback(root.getConfig("cnemu.schema.experiment.workloads"));
    for (String[] d : new String[][] {{"size-distribution", "size-values"}, {"think-distribution", "think-values"}}) {
      boolean sizes = d[1].equals("size-values");
      if (c.getString(d[0]).equals("empirical") && c.getList(d[1]).isEmpty()) {
        ConfigOrigin o = w.hasPath(d[0]) ? w.getValue(d[0]).origin() : w.origin();
        addAt(o, at + "." + d[1], "an empirical distribution draws from " + d[1] + ": give at least one value");
      }
      List<? extends ConfigValue> l = c.getList(d[1]);
      for (int j = 0; j < l.size(); j++) {
        ConfigValue v = l.get(j);
        Config one = ConfigFactory.empty().withValue("v", v);
        try {
          long x = sizes ? Units.bytes(one, "v") : Units.nanos(one, "v");
          long lo = sizes ? 1 : 0;
          long hi = sizes ? Load.MAX_SIZE_BYTES : Load.MAX_THINK_NANOS;
          if (x < lo || x > hi) {
            addAt(v.origin(), at + "." + d[1] + "[" + j + "]", "must be between " + (sizes ? "1B and 1MiB" : "0ns and 3600s")
                + ", got " + v.unwrapped());
          }
        } catch (ConfigException | IllegalArgumentException ex) {
          addAt(v.origin(), at + "." + d[1] + "[" + j + "]", (sizes ? "expected a size with a unit (64B, 1KB)"
              : "expected a duration with a unit (10us)") + ", got " + v.unwrapped());
        }
      }
    }
    String kind = c.getString("kind");
    if (kind.equals("iperf") && c.getDouble("request-rate") > 0) {
      addAt(w.getValue("request-rate").origin(), at + ".request-rate", "an iperf flow is paced by rate; request-rate"
          + " is for request-response and ping-pong");
    }
    if (c.getString("arrival").equals("poisson") && kind.equals("iperf") && Units.bitsPerSec(c, "rate") == 0) {
      addAt(w.getValue("arrival").origin(), at + ".arrival", "poisson arrivals of an iperf flow need a rate (the mean"
          + " gap is message-size / rate)");
    }
    if (c.getString("arrival").equals("poisson") && !kind.equals("iperf") && c.getDouble("request-rate") == 0) {
      addAt(w.getValue("arrival").origin(), at + ".arrival", "poisson arrivals of " + kind + " need a request-rate"
          + " (closed loop sends after each response)");
    }
    if (c.getBoolean("fan-in") && c.getString("pattern").isEmpty() && c.getInt("streams") == 1) {
      addAt(w.getValue("fan-in").origin(), at + ".fan-in", "fan-in serves several flows by one thread: give streams > 1"
          + " or a pattern (incast)");
    }
    if (c.getString("connection").equals("per-request")) { // Churn: one TCP connection per request, closed loop
      String why = kind.equals("iperf") ? "is for request-response and ping-pong"
          : c.getString("protocol").equalsIgnoreCase("udp") ? "needs protocol = tcp (UDP has no connections)"
          : c.getDouble("request-rate") > 0 ? "is closed loop: one connection per stream at a time (give more streams,"
              + " not a request-rate)" : null;
      if (why != null) addAt(w.getValue("connection").origin(), at + ".connection", "per-request " + why);
    }
  }


  private void endpoint(Config w, String at, String end, Map<String, Host> hosts, Config hostDefaults, Config root) {
    if (!w.hasPath(end)) return;
    ConfigValue v = w.getValue(end);
    String ep = w.getString(end);
    int slash = ep.indexOf('/');
    String host = slash < 0 ? ep : ep.substring(0, slash);
    String container = slash < 0 ? null : ep.substring(slash + 1);
    if (host.isEmpty() || (container != null && (container.isEmpty() || container.contains("/")))) {
      addAt(v.origin(), at + "." + end, "an endpoint is \"host/container\" or \"host\", got '" + ep + "'");
      return;
    }
    Host h = hosts.computeIfAbsent(host, id -> host(id, hostDefaults, root));
    if (h == null) return; // unknown host: KernelModelProvider reports it
    if (container != null && !h.containers().contains(container)) {
      addAt(v.origin(), at + "." + end, "no container '" + container + "' on host " + host + " (its containers: "
          + String.join(", ", h.containers()) + "; add it to topology.hosts." + host + ".containers)");
    }
    String cpuKey = end + "-cpu";
    if (w.hasPath(cpuKey) && w.getInt(cpuKey) >= h.cpus()) {
      addAt(w.getValue(cpuKey).origin(), at + "." + cpuKey, "core " + w.getInt(cpuKey) + ", but host " + host
          + " has " + h.cpus() + " cores (0.." + (h.cpus() - 1) + "; -1 = choose one)");
    }
  }

}
