package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;

/**
 * The hosts and flows an experiment block implies, computed from its keys without building anything (patterns
 * counted, not expanded; products in long arithmetic), so that {@link KernelChecks} can refuse a file over its
 * limits before any check walks every host or flow.
 */
final class ImpliedWork {
  private ImpliedWork() {}

  static boolean leafSpine(Config e) {
    return e.getValue("topology.fabric").valueType() == ConfigValueType.STRING
        && e.getString("topology.fabric").equals(FabricSpec.LEAF_SPINE);
  }

  /** Hosts the topology of experiment block {@code e} implies, in long arithmetic (a leaf-spine's product may not fit an int); -1: unknown. */
  static long hosts(Config e) {
    try {
      if (leafSpine(e)) {
        return Math.multiplyExact(e.getLong("topology.leaf-spine.leaves"), e.getLong("topology.leaf-spine.hosts-per-leaf"));
      }
      long n = e.getLong("topology.host-count");
      for (String h : e.getConfig("topology.hosts").root().keySet()) {
        if (!isGenerated(h, n)) n++;
      }
      return n;
    } catch (ConfigException | ArithmeticException ex) {
      return -1;
    }
  }

  /** Whether host id {@code id} is one of the {@code count} generated hosts h1..hN (not one the file adds). */
  static boolean isGenerated(String id, long count) {
    if (id.length() < 2 || id.charAt(0) != 'h' || id.charAt(1) == '0') return false;
    for (int i = 1; i < id.length(); i++) if (!Character.isDigit(id.charAt(i))) return false;
    return id.length() <= 19 && Long.parseLong(id.substring(1)) <= count;
  }

  /** Flows the workloads of {@code e} imply (patterns counted, not expanded); -1: unknown. */
  static long flows(Config e) {
    try {
      long n = 0;
      long hosts = hosts(e);
      for (Config w : e.getConfigList("workloads")) {
        long streams = w.hasPath("streams") ? w.getLong("streams") : 1;
        if (streams < 0) return -1; // out of its range: the generic validator reports it
        String kind = w.hasPath("kind") ? w.getString("kind") : "iperf";
        long pairs = pairs(w, hosts);
        if (pairs < 0) return -1;
        long perPair = kind.equals("iperf") ? streams : 2 * streams; // a connection = request + response flow
        n = saturatingAdd(n, pairs > 0 && perPair > Long.MAX_VALUE / pairs ? Long.MAX_VALUE : pairs * perPair);
      }
      return n;
    } catch (ConfigException ex) {
      return -1;
    }
  }

  private static long saturatingAdd(long a, long b) {
    return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
  }

  /** Endpoint pairs of workload {@code w} (1 without a pattern), over a topology of {@code hosts} hosts. */
  private static long pairs(Config w, long hosts) {
    String pattern = w.hasPath("pattern") ? w.getString("pattern") : "";
    long n = w.hasPath("pattern-hosts") && w.getLong("pattern-hosts") > 0 ? Math.min(w.getLong("pattern-hosts"), hosts) : hosts;
    long count = w.hasPath("pattern-count") ? w.getLong("pattern-count") : 0;
    return Patterns.flows(pattern, n, count);
  }
}
