package org.cnemu.nodes.policies;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.nodes.kernel.KernelModelProvider;
import org.cnemu.nodes.kernel.KernelModels;

/** Runs the experiment files of experiments/policies/ (all arms of their A/B) with the kernel model. */
final class PolicyRuns {
  private PolicyRuns() {}

  /** The experiment block of {@code experiments/policies/NAME.conf} over the reference defaults. */
  static Config load(String name) {
    return ConfigFactory.parseFile(new File("../experiments/policies/" + name + ".conf"))
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  /** {@code e} with {@code path} set; a string starting with '[' or '{' is parsed as HOCON. */
  static Config with(Config e, String path, Object value) {
    if (value instanceof String v && (v.startsWith("[") || v.startsWith("{"))) {
      return e.withValue(path, ConfigFactory.parseString("x = " + v).getValue("x"));
    }
    return e.withValue(path, ConfigValueFactory.fromAnyRef(value));
  }

  static Map<String, Object> run(Config e, int partitions) {
    SimulationBuilder b = new SimulationBuilder(e.getLong("seed"), 0, partitions, SimulationBuilder.Placement.BLOCK);
    BuiltModel m = KernelModels.build(e, b);
    SimulationResult r = Simulation.run(b, Units.nanos(e, "duration"), 1);
    return m.results(r);
  }

  /** Every arm of the file's {@code compare { steering = [...] }} (label -> results), in the listed order. */
  static LinkedHashMap<String, Map<String, Object>> ab(Config e) {
    LinkedHashMap<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (String arm : e.getStringList("compare.steering")) {
      out.put(arm, run(with(e.withoutPath("compare"), "steering", arm), 1));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> flow(Map<String, Object> r, String id) {
    for (Map<String, Object> f : (List<Map<String, Object>>) r.get("flows")) if (f.get("id").equals(id)) return f;
    throw new IllegalArgumentException(id);
  }

  static double gbps(Map<String, Object> r, String id) {
    return ((Number) flow(r, id).get("throughput_gbps")).doubleValue();
  }

  /** Transactions per second of request-response / ping-pong connection {@code id}. */
  static double rate(Map<String, Object> r, String id) {
    return ((Number) flow(r, id).get("transactions_per_sec")).doubleValue();
  }

  /** Round-trip latency percentile {@code q} (p50, p99, ...) of connection {@code id}, us. */
  static double rtt(Map<String, Object> r, String id, String q) {
    return ((Number) ((Map<?, ?>) flow(r, id).get("latency_us")).get(q)).doubleValue();
  }

  static long num(Map<String, Object> r, String id, String key) {
    return ((Number) flow(r, id).get(key)).longValue();
  }

  /**
   * hosts[host].steering[key]; fails the test when the host or the counter is missing (a counter that a
   * mechanism stopped reporting must not read as a number that passes a bound).
   */
  @SuppressWarnings("unchecked")
  static long steer(Map<String, Object> r, String host, String key) {
    for (Map<String, Object> h : (List<Map<String, Object>>) r.get("hosts")) {
      if (!h.get("id").equals(host)) continue;
      Map<String, Object> s = (Map<String, Object>) h.get("steering");
      Object v = s == null ? null : s.get(key);
      if (v == null) throw new AssertionError("host " + host + " reports no steering counter " + key + ": " + s);
      return ((Number) v).longValue();
    }
    throw new AssertionError("no host " + host);
  }

  @SuppressWarnings("unchecked")
  static boolean balanced(Map<String, Object> r) {
    return Boolean.TRUE.equals(((Map<String, Object>) r.get("conservation")).get("balanced"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> host(Map<String, Object> r, String id) {
    for (Map<String, Object> h : (List<Map<String, Object>>) r.get("hosts")) if (h.get("id").equals(id)) return h;
    throw new IllegalArgumentException(id);
  }
}
