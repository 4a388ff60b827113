package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ModelSpec;

/**
 * An experiment file parsed once, after validation ({@link ExperimentLoader}): the shared settings, the
 * sweep / comparison description and every point with its typed settings and its model's typed spec.
 * Every consumer (plan, jobs, the farm, validate, plan and bench commands) reads this; none re-reads a
 * raw config for settings. Immutable.
 *
 * @param settings the shared settings of the base configuration (the file without sweep and compare)
 * @param experiment the resolved {@code experiment} block as written (sweep and compare blocks included):
 *     echoed in a sweep's summary.json and in messages
 * @param pekkoOverrides the file's own {@code pekko { }} block (engine tuning; never changes results)
 * @param kamonOverrides the file's own {@code kamon { }} block (live metrics)
 * @param swept whether the file has a {@code sweep { }} or {@code compare { }} block
 * @param keys swept and compared keys, in point order (empty for a single configuration)
 * @param compared the compared key (its first value is the baseline), or null
 * @param points one for a single configuration, else one per point of the sweep, in point order
 */
public record ExperimentSpec(EngineSettings settings, Config experiment, Config pekkoOverrides, Config kamonOverrides,
    boolean swept, List<String> keys, String compared, List<Point> points) {
  public ExperimentSpec {
    keys = List.copyOf(keys);
    points = List.copyOf(points);
  }

  /**
   * One configuration: the file itself, or one point of its sweep, parsed once and shared by all its runs.
   *
   * @param values swept and compared values as written, in key order (empty for a single configuration)
   * @param baseline index of the point this one is compared with (itself for a baseline), -1 without compare
   * @param settings its shared settings (a sweep may vary them)
   * @param model its model with the model's typed spec
   * @param experiment its resolved experiment block (no sweep or compare block): echoed in results.json's
   *     {@code config}, and the text a cluster node parses for itself
   */
  public record Point(int index, Map<String, Object> values, int baseline, EngineSettings settings,
      ModelSpec<?> model, Config experiment) {}
}
