package org.cnemu.experiments.run;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a run was executed, measured on the wall clock: the only part of results.json allowed to differ
 * between two runs of the same file and seed.
 *
 * @param seconds the whole job: the model build, the simulation and the results (what a user waits for)
 * @param simulationSeconds the engine's part of it: from building the partitions' entities to their
 *     end reports (the span of {@code events_per_second}); the model build and the results are outside
 * @param node the cluster node that ran the job of a farmed plan; null when the plan's own JVM did
 */
public record Wall(double seconds, double simulationSeconds, double eventsPerSecond, int threads,
    double barrierWaitShare, String outDir, String node) {
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seconds", round(seconds, 3));
    m.put("simulation_seconds", round(simulationSeconds, 3));
    m.put("events_per_second", Math.round(eventsPerSecond));
    m.put("threads", threads);
    m.put("barrier_wait_share", round(barrierWaitShare, 3));
    m.put("out_dir", outDir);
    if (node != null) m.put("node", node);
    return m;
  }

  /** The wall section of a results document back as a record (zeros where it lacks a field). */
  static Wall of(Object section) {
    Map<?, ?> m = section instanceof Map<?, ?> x ? x : Map.of();
    return new Wall(number(m.get("seconds")), number(m.get("simulation_seconds")), number(m.get("events_per_second")),
        (int) number(m.get("threads")),
        number(m.get("barrier_wait_share")), m.get("out_dir") == null ? null : String.valueOf(m.get("out_dir")),
        m.get("node") == null ? null : String.valueOf(m.get("node")));
  }

  private static double number(Object v) {
    return v instanceof Number n ? n.doubleValue() : 0;
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
