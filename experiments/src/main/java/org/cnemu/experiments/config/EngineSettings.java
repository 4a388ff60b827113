package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * The experiment-level settings every model shares (name, seed, runs, duration, engine, output), read
 * from a validated {@code experiment} block.
 *
 * @param threadsSetting 0 = one per available processor (execution detail: never changes results)
 * @param outputDir empty = results/&lt;name&gt;/
 */
public record EngineSettings(String name, long seed, int runs, long durationNanos, long warmupNanos,
    String model, int partitions, int threadsSetting, SimulationBuilder.Placement placement, String outputDir) {

  public static EngineSettings from(Config experiment) {
    return new EngineSettings(
        experiment.getString("name"),
        experiment.getLong("seed"),
        experiment.getInt("runs"),
        Units.nanos(experiment, "duration"),
        Units.nanos(experiment, "warmup"),
        experiment.getString("model"),
        experiment.getInt("engine.partitions"),
        experiment.getInt("engine.threads"),
        SimulationBuilder.Placement.valueOf(experiment.getString("engine.placement").toUpperCase(Locale.ROOT)),
        experiment.getString("output.dir"));
  }

  /** Range and cross-key checks on the shared settings (types are already checked). */
  static List<ConfigProblem> check(Config experiment, String file) {
    List<ConfigProblem> problems = new ArrayList<>();
    if (experiment.getInt("runs") < 1) problem(problems, experiment, "runs", file, "must be at least 1");
    if (experiment.getInt("engine.partitions") < 1) {
      problem(problems, experiment, "engine.partitions", file, "must be at least 1");
    }
    long duration = Units.nanos(experiment, "duration");
    if (duration <= 0) problem(problems, experiment, "duration", file, "must be longer than 0ns");
    if (Units.nanos(experiment, "warmup") >= duration && duration > 0) {
      problem(problems, experiment, "warmup", file, "must be shorter than duration (" + experiment.getString("duration") + ")");
    }
    String placement = experiment.getString("engine.placement");
    boolean known = false;
    for (SimulationBuilder.Placement p : SimulationBuilder.Placement.values()) {
      known |= p.name().equalsIgnoreCase(placement);
    }
    if (!known) problem(problems, experiment, "engine.placement", file, "unknown placement '" + placement + "'; valid: block, hash");
    if (experiment.getString("name").isBlank()) problem(problems, experiment, "name", file, "must not be empty");
    return problems;
  }

  private static void problem(List<ConfigProblem> problems, Config experiment, String key, String file, String message) {
    problems.add(Problems.at(experiment.getValue(key).origin(), file, "experiment." + key, message));
  }
}
