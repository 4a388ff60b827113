package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.util.List;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * What the kernel model's validation checks share: the experiment block, the merged reference.conf, the
 * problem list they add to (each at the key and line of the file), and the host view the workload and policy
 * checks both need.
 */
abstract class ExperimentChecks {
  final Config e;
  /** The merged reference.conf: profiles and the element templates of hosts and workloads. */
  final Config root;
  final List<ConfigProblem> out;

  ExperimentChecks(Config e, Config root, List<ConfigProblem> out) {
    this.e = e;
    this.root = root;
    this.out = out;
  }

  /** Runs one check; a wrong type or unit somewhere is the generic validator's to report at its key. */
  final void guard(Runnable check) {
    try {
      check.run();
    } catch (ConfigException | IllegalArgumentException | ArithmeticException ex) {
      // a wrong type or unit somewhere: the generic validator reports it at its key
    }
  }

  /** A host as the workload checks see it: its containers and cores. */
  record Host(List<String> containers, int cpus) {}

  /** Host {@code id}'s containers and cores, or null when the topology has no such host. */
  final Host host(String id, Config hostDefaults, Config root) {
    String q = Spec.quote(id);
    boolean named = e.hasPath("topology.hosts." + q);
    if (!named) {
      long count = ImpliedWork.leafSpine(e) ? ImpliedWork.hosts(e) : e.getLong("topology.host-count");
      if (!ImpliedWork.isGenerated(id, count)) return null;
    }
    Config h = named ? e.getConfig("topology.hosts." + q).withFallback(hostDefaults) : hostDefaults;
    String prof = h.getString("profile").isEmpty() ? e.getString("profile") : h.getString("profile");
    int cpus = h.getInt("cpus");
    if (cpus <= 0) {
      Config p = e.getConfig("overrides").withFallback(root.getConfig("cnemu.profiles." + Spec.quote(prof)));
      cpus = p.getInt("cpus");
    }
    return new Host(h.getStringList("containers"), cpus);
  }


  /** A problem at {@code key} of the experiment block (its line when the file sets it). */
  final void add(String key, String message) {
    ConfigOrigin o = e.hasPath(key) ? e.getValue(key).origin() : e.origin();
    addAt(o, key, message);
  }

  final void addAt(ConfigOrigin o, String key, String message) {
    out.add(new ConfigProblem(o == null ? null : (o.filename() != null ? o.filename() : o.description()),
        o == null ? 0 : Math.max(0, o.lineNumber()), "experiment." + key, message));
  }
}
