package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * The keys an experiment file may set in its {@code pekko { }} and {@code kamon { }} blocks: tuning
 * only (dispatcher throughput and executor sizes, Artery queue, lane and frame sizes, log levels,
 * Kamon's tick and histogram settings). A file never changes the security posture: listeners, their
 * addresses and ports, the transport, TLS, serialization (Java serialization above all) and the
 * metrics endpoints are set by the command line and the cluster configuration, never by an
 * experiment someone handed over. Anything else in those blocks is a problem at its own line.
 */
final class TuningKeys {
  /** Allowed paths; a trailing {@code *} allows every key below that path. */
  static final List<String> ALLOWED = List.of(
      "pekko.loglevel",
      "pekko.stdout-loglevel",
      "pekko.log-dead-letters",
      "pekko.log-dead-letters-during-shutdown",
      "pekko.actor.default-dispatcher.throughput",
      "pekko.actor.default-dispatcher.throughput-deadline-time",
      "pekko.actor.default-dispatcher.fork-join-executor.*",
      "pekko.remote.artery.advanced.outbound-message-queue-size",
      "pekko.remote.artery.advanced.outbound-control-queue-size",
      "pekko.remote.artery.advanced.outbound-large-message-queue-size",
      "pekko.remote.artery.advanced.system-message-buffer-size",
      "pekko.remote.artery.advanced.inbound-lanes",
      "pekko.remote.artery.advanced.outbound-lanes",
      "pekko.remote.artery.advanced.maximum-frame-size",
      "pekko.remote.artery.advanced.buffer-pool-size",
      "pekko.remote.artery.advanced.maximum-large-frame-size",
      "pekko.remote.artery.advanced.large-buffer-pool-size",
      "kamon.metric.tick-interval",
      "kamon.metric.factory.*",
      // which JVM/process/host series are collected: no listener is involved (the reporter and status page are not here)
      "kamon.modules.jvm-metrics.enabled",
      "kamon.modules.process-metrics.enabled",
      "kamon.modules.host-metrics.enabled",
      "kamon.prometheus.buckets.*");

  private TuningKeys() {}

  /** Problems for every key of {@code block} ("pekko" or "kamon") of {@code parsed} that is not allowed. */
  static List<ConfigProblem> check(Config parsed, String block, String file) {
    List<ConfigProblem> problems = new ArrayList<>();
    if (!parsed.hasPathOrNull(block)) return problems;
    ConfigValue top = parsed.root().get(block);
    if (!(top instanceof com.typesafe.config.ConfigObject o)) {
      problems.add(Problems.at(top.origin(), file, block, "expected an object { ... } of tuning keys"));
      return problems;
    }
    walk(List.of(block), o, file, problems);
    return problems;
  }

  /** Every leaf below {@code path}, nulls included (a null would unset a setting). */
  private static void walk(List<String> path, com.typesafe.config.ConfigObject o, String file,
      List<ConfigProblem> problems) {
    for (Map.Entry<String, ConfigValue> e : new java.util.TreeMap<>(o).entrySet()) {
      List<String> p = new ArrayList<>(path);
      p.add(e.getKey());
      if (e.getValue() instanceof com.typesafe.config.ConfigObject child && !allowed(p)) {
        if (child.isEmpty()) continue;
        walk(p, child, file, problems);
      } else if (e.getValue().valueType() == com.typesafe.config.ConfigValueType.NULL) {
        problems.add(Problems.at(e.getValue().origin(), file, ConfigUtil.joinPath(p),
            "null would remove a setting the actor system needs; set a value or leave the key out"));
      } else if (!allowed(p)) {
        problems.add(Problems.at(e.getValue().origin(), file, ConfigUtil.joinPath(p), "not a tuning key an"
            + " experiment may set; listeners, addresses, ports, transport, TLS, serialization and metrics endpoints"
            + " come from the command line and the cluster configuration. Allowed here: " + String.join(", ", ALLOWED)));
      }
    }
  }

  static boolean allowed(List<String> path) {
    for (String a : ALLOWED) {
      List<String> p = ConfigUtil.splitPath(a.endsWith(".*") ? a.substring(0, a.length() - 2) : a);
      boolean prefix = a.endsWith(".*");
      if (prefix ? path.size() > p.size() && path.subList(0, p.size()).equals(p) : path.equals(p)) return true;
    }
    return false;
  }
}
