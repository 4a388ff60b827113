package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.cnemu.devices.StackKind;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * The model rules of {@code experiment.topology} (called by {@link KernelModelProvider#parse}):
 * fabric kind and leaf-spine sizes, link rates/delays/queues, per-host profile, cores, NIC queues
 * and stack, and that the two ends of each workload agree on overlay vs native. Every problem is
 * reported with the file and line of its key.
 */
final class TopologyChecks {
  private final Config e;
  /** The merged reference.conf: profiles and the element templates of hosts and workloads. */
  private final Config root;
  private final List<ConfigProblem> out;
  /** Host id -> its stack (null: unknown stack, already reported). */
  final TreeMap<String, StackKind> hostStacks = new TreeMap<>();

  TopologyChecks(Config e, Config root, List<ConfigProblem> out) {
    this.e = e;
    this.root = root;
    this.out = out;
  }

  /** Checks the topology; returns the host ids (for the workload endpoint checks). */
  TreeSet<String> check(String profile, StackKind defaultStack) {
    String fabric = e.getString("topology.fabric");
    boolean leafSpine = fabric.equals(FabricSpec.LEAF_SPINE);
    if (!leafSpine && !fabric.equals(FabricSpec.STAR)) {
      add("topology.fabric", "unknown fabric '" + fabric + "'; valid: star, leaf-spine");
    }
    TreeSet<String> hosts = new TreeSet<>();
    if (leafSpine) {
      boolean sizesOk = true;
      for (String k : List.of("leaves", "spines", "hosts-per-leaf")) {
        int v = e.getInt("topology.leaf-spine." + k);
        if (v < 1) {
          add("topology.leaf-spine." + k, "at least 1, got " + v);
          sizesOk = sizesOk && k.equals("spines");
        }
      }
      link("topology.leaf-spine.host-link", true);
      link("topology.leaf-spine.uplink", false);
      int n = Math.max(0, e.getInt("topology.leaf-spine.leaves")) * Math.max(0, e.getInt("topology.leaf-spine.hosts-per-leaf"));
      for (int i = 1; i <= n; i++) hosts.add("h" + i);
      for (String h : e.getConfig("topology.hosts").root().keySet()) {
        if (!sizesOk) {
          hosts.add(h); // the sizes are wrong: still check the host's own settings
        } else if (!hosts.contains(h)) {
          add("topology.hosts." + Spec.quote(h), "no host '" + h + "' in this leaf-spine fabric (" + n
              + " hosts: h1..h" + n + ")");
        }
      }
    } else {
      link("topology.link", true);
      for (int i = 1; i <= e.getInt("topology.host-count"); i++) hosts.add("h" + i);
      hosts.addAll(e.getConfig("topology.hosts").root().keySet());
      if (hosts.isEmpty()) {
        add("topology.host-count", "no hosts: set host-count to 1 or more, or name hosts under topology.hosts");
      }
    }
    int mtu = (int) Units.bytes(root, "cnemu.profiles." + Spec.quote(profile) + ".nic.mtu");
    for (String h : hosts) {
      String base = "topology.hosts." + Spec.quote(h);
      hostStacks.put(h, defaultStack);
      if (!e.hasPath(base)) continue;
      try {
        host(root, h, base, profile, defaultStack, mtu);
      } catch (ConfigException ex) {
        // a wrong type: the generic pass reports it
      }
    }
    return hosts;
  }

  private void host(Config root, String h, String base, String expProfile, StackKind defaultStack, int mtu) {
    Config c = e.getConfig(base);
    String prof = c.hasPath("profile") && !c.getString("profile").isEmpty() ? c.getString("profile") : expProfile;
    String pp = "cnemu.profiles." + Spec.quote(prof);
    if (!root.hasPath(pp)) {
      List<String> valid = new ArrayList<>(root.getConfig("cnemu.profiles").root().keySet());
      valid.sort(null);
      String close = org.cnemu.emulator.config.Suggestions.closest(prof, valid);
      add(base + ".profile", "unknown profile '" + prof + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
          + "; valid profiles: " + String.join(", ", valid));
      return;
    }
    Config p = e.getConfig("overrides").withFallback(root.getConfig(pp));
    if (c.hasPath("cpus")) {
      int cpus = c.getInt("cpus");
      if (cpus > p.getInt("cpus")) add(base + ".cpus", cpus + " cores, but profile " + prof + " has " + p.getInt("cpus"));
      if (cpus < 0) add(base + ".cpus", "must not be negative, got " + cpus);
    }
    if (c.hasPath("nic.queues")) {
      int q = c.getInt("nic.queues");
      if (q > p.getInt("nic.queues")) {
        add(base + ".nic.queues", q + " NIC queues, but profile " + prof + " has " + p.getInt("nic.queues"));
      }
      if (q < 0) add(base + ".nic.queues", "must not be negative, got " + q);
    }
    if (c.hasPath("nic.ring-size") && c.getInt("nic.ring-size") < 0) {
      add(base + ".nic.ring-size", "must not be negative, got " + c.getInt("nic.ring-size"));
    }
    if (c.hasPath("nic.ring-size") && c.getInt("nic.ring-size") > 0
        && c.getInt("nic.ring-size") < p.getInt("nic.ring-refill-bulk")) { // the ring would never be refilled
      add(base + ".nic.ring-size", "must not be below the profile's nic.ring-refill-bulk ("
          + p.getInt("nic.ring-refill-bulk") + "), got " + c.getInt("nic.ring-size"));
    }
    if (c.hasPath("nic.rate")) {
      try {
        if (Units.bitsPerSec(c, "nic.rate") < 0) add(base + ".nic.rate", "must not be negative");
      } catch (ConfigException | IllegalArgumentException ex) {
        add(base + ".nic.rate", ex.getMessage());
      }
    }
    if (c.hasPath("stack") && !c.getString("stack").isEmpty()) {
      try {
        hostStacks.put(h, StackKind.parse(c.getString("stack")));
      } catch (IllegalArgumentException ex) {
        add(base + ".stack", ex.getMessage());
        hostStacks.put(h, null);
      }
    }
    if (!prof.equals(expProfile) && (int) Units.bytes(p, "nic.mtu") != mtu) {
      add(base + ".profile", "profile " + prof + " has MTU " + Units.bytes(p, "nic.mtu") + " B, the experiment's "
          + expProfile + " " + mtu + " B: all hosts need one MTU");
    }
  }

  /** A link block: rate (0 = the host's NIC rate where {@code zeroRateOk}), delay > 0, queue > 0. */
  private void link(String path, boolean zeroRateOk) {
    try {
      long r = Units.bitsPerSec(e, path + ".rate");
      if (r < 0 || (r == 0 && !zeroRateOk)) add(path + ".rate", "a positive rate, got " + e.getValue(path + ".rate").unwrapped());
    } catch (ConfigException | IllegalArgumentException ex) {
      add(path + ".rate", ex.getMessage());
    }
    try {
      if (Units.nanos(e, path + ".delay") <= 0) {
        if (!path.equals("topology.link")) add(path + ".delay", "a positive delay (it is the lookahead between switches)");
      }
    } catch (ConfigException | IllegalArgumentException ex) {
      add(path + ".delay", ex.getMessage());
    }
    try {
      if (Units.bytes(e, path + ".queue") <= 0) add(path + ".queue", "a positive queue size");
    } catch (ConfigException | IllegalArgumentException ex) {
      add(path + ".queue", ex.getMessage());
    }
  }

  /**
   * Workload {@code i}'s two ends must both be overlay hosts or both native, and two ends on one host must be
   * two containers of a docker-overlay host (bridge + veth between them): the model has no loopback device, so
   * a flow to its own endpoint, or between two ends of a native or linux-overlay host (both in the host's
   * namespace), would leave through the NIC and come back through the switch, which Linux never does.
   */
  void checkEnds(Config w, int i) {
    if (!w.hasPath("src") || !w.hasPath("dst")) return;
    String src = w.getString("src").trim();
    String dst = w.getString("dst").trim();
    StackKind a = hostStacks.get(Spec.hostPart(src));
    StackKind b = hostStacks.get(Spec.hostPart(dst));
    ConfigOrigin o = w.getValue("dst").origin();
    if (a != null && Spec.hostPart(src).equals(Spec.hostPart(dst))) {
      String why = src.equals(dst) ? "src and dst are the same endpoint '" + src + "'"
          : !a.veth() ? "src and dst are both on host " + Spec.hostPart(src) + ", whose stack is " + a.id
          + " (one network namespace)" : null;
      if (why != null) {
        out.add(new ConfigProblem(file(o), o.lineNumber(), "workloads[" + i + "].dst", why + ": the model has no"
            + " loopback path, so the flow would leave through the NIC and come back through the switch; put the"
            + " ends on two hosts, or in two containers of a docker-overlay host"));
      }
      return;
    }
    if (a == null || b == null || a.overlay() == b.overlay()) return;
    out.add(new ConfigProblem(file(o), o.lineNumber(), "workloads[" + i + "].dst", "host "
        + Spec.hostPart(w.getString("src")) + " is " + a.id + " but " + Spec.hostPart(w.getString("dst")) + " is " + b.id
        + ": both ends of a flow must be overlay hosts (VXLAN needs a VTEP at both ends) or both native"));
  }

  private void add(String key, String msg) {
    ConfigOrigin o = e.hasPath(key) ? e.getValue(key).origin() : e.origin();
    out.add(new ConfigProblem(file(o), o.lineNumber(), key, msg));
  }

  private static String file(ConfigOrigin o) {
    return o == null ? null : (o.filename() != null ? o.filename() : o.description());
  }
}
