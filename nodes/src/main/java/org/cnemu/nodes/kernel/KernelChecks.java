package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.util.List;
import java.util.Set;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.ConfiguredPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;
import org.cnemu.kernel.api.SteeringRegistry;

/**
 * The kernel model's work limits and cross-key rules, checked when a file is validated so that a file
 * that passes runs meaningfully: no run-time division by zero, no silently wrapped core index, no
 * endpoint in a container that does not exist, no partition without a host. Each key's own range is
 * its declared domain (reference.conf, {@code cnemu.domain}); these are the rules between keys:
 * <ul>
 *   <li>limits ({@code experiment.limits}): hosts, flows and throughput_series bins the file implies,
 *       computed without building anything (products in long arithmetic);
 *   <li>engine.partitions at most the placement groups (hosts and switches, or racks and spines);
 *   <li>the workloads' rules between keys ({@link WorkloadChecks});
 *   <li>link queues hold at least two MTU-sized packets; profile keys that bound each other;
 *   <li>the selected policy's settings parse ({@link #policy}: once per configuration, checked against every
 *       host's core count, not at run time; a compare arm is checked as its own point).
 * </ul>
 * A key with a wrong type is skipped here: the generic validator reports it.
 */
final class KernelChecks extends ExperimentChecks {
  /** Looked up once: a sweep validates hundreds of points. */
  private static final SteeringRegistry REGISTRY = new SteeringRegistry();

  private KernelChecks(Config e, Config root, List<ConfigProblem> out) {
    super(e, root, out);
  }

  /**
   * Adds the problems of {@code e} (the experiment block) to {@code out}. Returns true when the file
   * implies more work than its limits allow: checks that walk every host or flow must then be skipped.
   */
  static boolean check(Config e, Config root, List<ConfigProblem> out) {
    KernelChecks k = new KernelChecks(e, root, out);
    if (!k.withinLimits()) return true;
    k.guard(k::partitions);
    k.guard(new WorkloadChecks(e, root, out)::check);
    k.guard(k::queues);
    k.guard(k::profileBounds);
    return false;
  }

  // ---- limits ---------------------------------------------------------------------------------------

  private boolean withinLimits() {
    boolean ok = true;
    long hosts = ImpliedWork.hosts(e);
    long hostLimit = limit("hosts");
    if (hosts > hostLimit) {
      String key = ImpliedWork.leafSpine(e) ? "topology.leaf-spine.hosts-per-leaf" : "topology.host-count";
      add(key, hosts + " hosts" + (ImpliedWork.leafSpine(e) ? " (leaves x hosts-per-leaf)" : "") + ", over the limit of "
          + hostLimit + raise("hosts"));
      ok = false;
    }
    long flows = ImpliedWork.flows(e);
    long flowLimit = limit("flows");
    if (flows > flowLimit) {
      add("workloads", flows + " flows (streams of every workload; a request-response or ping-pong stream is two),"
          + " over the limit of " + flowLimit + raise("flows"));
      ok = false;
    }
    try {
      long interval = Units.nanos(e, "throughput-interval");
      long duration = Units.nanos(e, "duration");
      if (interval > 0 && duration > 0 && flows > 0) {
        long perFlow = (duration + interval - 1) / interval;
        long bins = perFlow > Long.MAX_VALUE / flows ? Long.MAX_VALUE : perFlow * flows;
        long binLimit = limit("series-bins");
        if (bins > binLimit) {
          add("throughput-interval", e.getString("throughput-interval") + " bins over " + e.getString("duration")
              + " make " + bins + " throughput_series bins for " + flows + " flow" + (flows == 1 ? "" : "s")
              + ", over the limit of " + binLimit + "; use a longer interval, or" + raise("series-bins").substring(1));
          ok = false;
        }
      }
    } catch (ConfigException | IllegalArgumentException ex) {
      // reported by the generic validator
    }
    return ok;
  }

  private long limit(String name) {
    try {
      return e.getLong("limits." + name);
    } catch (ConfigException ex) {
      return Long.MAX_VALUE; // a wrong type: reported by the generic validator
    }
  }

  private static String raise(String name) {
    return "; set experiment.limits." + name + " higher to run it anyway (and give the JVM the heap: JAVA_OPTS=-Xmx...)";
  }

  // ---- engine ---------------------------------------------------------------------------------------

  /** Partitions beyond the placement groups would hold nothing and only add synchronization. */
  private void partitions() {
    long partitions = e.getLong("engine.partitions");
    long groups;
    String what;
    if (ImpliedWork.leafSpine(e)) {
      long leaves = e.getLong("topology.leaf-spine.leaves");
      long spines = e.getLong("topology.leaf-spine.spines");
      groups = leaves + spines;
      what = leaves + " racks (a leaf with its hosts) and " + spines + " spines";
    } else {
      long hosts = ImpliedWork.hosts(e);
      if (hosts < 0) return;
      groups = hosts + 1;
      what = hosts + " hosts and the switch";
    }
    if (partitions > groups) {
      add("engine.partitions", partitions + " partitions, but this topology has " + groups + " placement groups ("
          + what + "): at most " + groups + " (the result is the same for any count)");
    }
  }

  // ---- fabric and profile ---------------------------------------------------------------------------

  /** Every link queue of the fabric in use holds two MTU-sized packets, or it drops every full-size one. */
  private void queues() {
    Config p = e.getConfig("overrides").withFallback(root.getConfig("cnemu.profiles." + Spec.quote(e.getString("profile"))));
    long mtu = Units.bytes(p, "nic.mtu");
    List<String> links = ImpliedWork.leafSpine(e)
        ? List.of("topology.leaf-spine.host-link", "topology.leaf-spine.uplink") : List.of("topology.link");
    for (String l : links) {
      guard(() -> {
        if (Units.bytes(e, l + ".queue") < 2 * mtu) {
          add(l + ".queue", "must hold at least two MTU-sized packets (2 x " + mtu + " B = " + 2 * mtu
              + " B), got " + e.getString(l + ".queue"));
        }
      });
    }
  }

  /** Profile keys that bound each other, after the experiment's overrides. */
  private void profileBounds() {
    Config p = e.getConfig("overrides").withFallback(root.getConfig("cnemu.profiles." + Spec.quote(e.getString("profile"))));
    if (p.getLong("nic.adaptive-rx.pkt-rate-low") >= p.getLong("nic.adaptive-rx.pkt-rate-high")) {
      addOverride("nic.adaptive-rx.pkt-rate-high", "must be above pkt-rate-low (" + p.getLong("nic.adaptive-rx.pkt-rate-low")
          + "): the moderation interpolates between them, got " + p.getLong("nic.adaptive-rx.pkt-rate-high"));
    }
    if (Units.nanos(p, "nic.adaptive-rx.rx-usecs-low") > Units.nanos(p, "nic.adaptive-rx.rx-usecs-high")) {
      addOverride("nic.adaptive-rx.rx-usecs-low", "must not be above rx-usecs-high ("
          + p.getString("nic.adaptive-rx.rx-usecs-high") + ")");
    }
    if (p.getInt("nic.ring-refill-bulk") > p.getInt("nic.ring")) {
      // the driver would wait for more missing descriptors than the ring has: once full, it never refills
      addOverride("nic.ring-refill-bulk", "must not be above ring (" + p.getInt("nic.ring") + "), got "
          + p.getInt("nic.ring-refill-bulk"));
    }
    if (Units.bytes(p, "kernel.tcp-rmem-default") > Units.bytes(p, "kernel.tcp-rmem")) {
      addOverride("kernel.tcp-rmem-default", "must not be above tcp-rmem (" + p.getString("kernel.tcp-rmem")
          + "): tcp_rmem[1] <= tcp_rmem[2]");
    }
  }

  /** A problem at an override key when the file sets it, else at {@code overrides}. */
  private void addOverride(String key, String message) {
    add(e.hasPath("overrides." + key) ? "overrides." + key : "overrides", key + " " + message);
  }

  // ---- policies -----------------------------------------------------------------------------------

  /**
   * The selected policy with its settings parsed once ({@link SteeringPolicyProvider#parse}), checked
   * against every distinct core count of the hosts, so that a policy's own checks (core lists, split
   * points, batch sizes) fail here with the key and line of the setting, not in the middle of a run. Null
   * with its problems added to {@code out}, or when a key it needs has a wrong type (the generic validator
   * reports that one) or the name is unknown (reported by the caller).
   */
  static ConfiguredPolicy<?> policy(Config e, Config root, List<ConfigProblem> out) {
    KernelChecks k = new KernelChecks(e, root, out);
    try {
      String name = e.getString("steering");
      if (!REGISTRY.has(name)) return null;
      String ss = ConfigUtil.joinPath("steering-settings", name);
      Config settings = e.hasPath(ss) ? e.getConfig(ss) : ConfigFactory.empty();
      Parsed<ConfiguredPolicy<?>> p = REGISTRY.configure(name, settings, k.distinctCpus());
      for (ConfigProblem pr : p.problems()) {
        if (pr.file() == null) {
          // a default of the policy module (not in the file): the choice of policy is where to look
          k.add("steering", "policy " + name + ": " + ss + "." + pr.key() + ": " + pr.message());
        } else {
          out.add(new ConfigProblem(pr.file(), pr.line(), "experiment." + ss + "." + pr.key(), pr.message()));
        }
      }
      return p.spec();
    } catch (ConfigException | IllegalArgumentException ex) {
      return null;
    }
  }

  /** The distinct core counts of the hosts (within the limits, so this walks at most limits.hosts). */
  private Set<Integer> distinctCpus() {
    Config hostDefaults = root.getConfig("cnemu.schema.experiment.topology.hosts").getConfig("\"*\"");
    Set<Integer> counts = new java.util.TreeSet<>();
    Config p = e.getConfig("overrides").withFallback(root.getConfig("cnemu.profiles." + Spec.quote(e.getString("profile"))));
    counts.add(p.getInt("cpus"));
    for (String id : e.getConfig("topology.hosts").root().keySet()) {
      Host h = host(id, hostDefaults, root);
      if (h != null) counts.add(h.cpus());
    }
    return counts;
  }

}
