package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.emulator.config.Units;

/** The parsed {@code experiment} block of a kernel-model run (deterministic order everywhere). */
final class Spec {
  record HostSpec(String id, int index, int cpus, List<String> containers) {}

  record FlowSpec(int index, String id, boolean udp, String kind, int srcHost, int dstHost, String src, String dst,
      long messageBytes, long rateBps, int prio, String prioName, int srcCpu, int dstCpu, long startNanos) {}

  final long seed;
  final long durationNanos;
  final long warmupNanos;
  final Profile profile;
  final StackKind stack;
  final String steering;
  final Config steeringSettings;
  final List<HostSpec> hosts = new ArrayList<>();
  final TreeMap<String, Integer> hostIndex = new TreeMap<>();
  final long linkRateBps;
  final long linkDelayNanos;
  final long switchQueueBytes;
  final List<FlowSpec> flows = new ArrayList<>();

  Spec(Config e) {
    seed = e.getLong("seed");
    durationNanos = Units.nanos(e, "duration");
    warmupNanos = Units.nanos(e, "warmup");
    Config overrides = e.hasPath("overrides") ? e.getConfig("overrides") : ConfigFactory.empty();
    profile = Profile.load(ConfigFactory.defaultReference(), e.getString("profile"), overrides);
    Config t = e.getConfig("topology");
    stack = StackKind.parse(t.getString("stack"));
    steering = e.getString("steering");
    String ss = "steering-settings." + steering;
    steeringSettings = e.hasPath(ss) ? e.getConfig(ss) : ConfigFactory.empty();
    Config hs = t.getConfig("hosts");
    List<String> ids = new ArrayList<>(hs.root().keySet());
    if (ids.isEmpty()) {
      for (int i = 1; i <= t.getInt("host-count"); i++) ids.add("h" + i);
    }
    ids.sort(null);
    for (String id : ids) {
      Config h = hs.hasPath(quote(id)) ? hs.getConfig(quote(id)).withFallback(defaultsOf(e)) : defaultsOf(e);
      int cpus = h.getInt("cpus");
      if (cpus <= 0) cpus = profile.cpus;
      hostIndex.put(id, hosts.size());
      hosts.add(new HostSpec(id, hosts.size(), cpus, h.getStringList("containers")));
    }
    Config l = t.getConfig("link");
    long r = Units.bitsPerSec(l, "rate");
    linkRateBps = r == 0 ? profile.nicRateBps : r;
    linkDelayNanos = Math.max(1, Units.nanos(l, "delay"));
    switchQueueBytes = Units.bytes(l, "queue");
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
      for (int s = 0; s < streams; s++) {
        String id = streams == 1 ? base : base + "-s" + (s + 1);
        flows.add(new FlowSpec(fi++, id, udp, c.getString("kind"), hostOf(c.getString("src")), hostOf(c.getString("dst")),
            c.getString("src"), c.getString("dst"), Units.bytes(c, "message-size"), Units.bitsPerSec(c, "rate"), prio,
            prioName, c.getInt("src-cpu"), c.getInt("dst-cpu"), Units.nanos(c, "start")));
      }
    }
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
