package org.cnemu.experiments.run;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a run was executed, measured on the wall clock: the only part of results.json allowed to differ
 * between two runs of the same file and seed.
 */
public record Wall(double seconds, double eventsPerSecond, int threads, double barrierWaitShare, String outDir) {
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seconds", round(seconds, 3));
    m.put("events_per_second", Math.round(eventsPerSecond));
    m.put("threads", threads);
    m.put("barrier_wait_share", round(barrierWaitShare, 3));
    m.put("out_dir", outDir);
    return m;
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
