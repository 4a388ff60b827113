package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
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

  private static final java.util.regex.Pattern PLAIN_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._+-]{1,200}");

  /** Only the loader reads these, once per configuration ({@link ExperimentSpec}). */
  static EngineSettings from(Config experiment) {
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

  /**
   * Range and cross-key checks on the shared settings. Each check is skipped when its values have the
   * wrong type (the generic pass has reported that already), so every other problem still shows.
   */
  static List<ConfigProblem> check(Config experiment, String file) {
    List<ConfigProblem> problems = new ArrayList<>();
    check(problems, experiment, "runs", file, () -> experiment.getInt("runs") >= 1, "must be at least 1");
    check(problems, experiment, "engine.partitions", file, () -> experiment.getInt("engine.partitions") >= 1,
        "must be at least 1");
    check(problems, experiment, "duration", file, () -> Units.nanos(experiment, "duration") > 0,
        "must be longer than 0ns");
    check(problems, experiment, "warmup", file,
        () -> Units.nanos(experiment, "warmup") < Units.nanos(experiment, "duration")
            || Units.nanos(experiment, "duration") <= 0,
        () -> "must be shorter than duration (" + experiment.getString("duration") + "); got "
            + experiment.getString("warmup"));
    check(problems, experiment, "engine.placement", file, () -> {
      for (SimulationBuilder.Placement p : SimulationBuilder.Placement.values()) {
        if (p.name().equalsIgnoreCase(experiment.getString("engine.placement"))) return true;
      }
      return false;
    }, "unknown placement; valid: block, hash");
    check(problems, experiment, "name", file, () -> !experiment.getString("name").isBlank(), "must not be empty");
    // the default results folder is results/<name>: a name must never lead out of it
    check(problems, experiment, "name", file, () -> experiment.getString("name").isBlank()
        || PLAIN_NAME.matcher(experiment.getString("name")).matches() && !experiment.getString("name").matches("\\.+"),
        "must be a plain file name (letters, digits, '.', '_', '-', '+'; no '/' or '..'): it names the results folder");
    return problems;
  }

  private static void check(List<ConfigProblem> problems, Config experiment, String key, String file,
      BooleanSupplier ok, String message) {
    check(problems, experiment, key, file, ok, () -> message);
  }

  /** As above, with a message made only when the check fails (it may quote the values that fail it). */
  private static void check(List<ConfigProblem> problems, Config experiment, String key, String file,
      BooleanSupplier ok, java.util.function.Supplier<String> message) {
    try {
      if (ok.getAsBoolean()) return;
    } catch (RuntimeException e) {
      return; // wrong type or unit: reported by the generic validator
    }
    problem(problems, experiment, key, file, message.get());
  }

  private static void problem(List<ConfigProblem> problems, Config experiment, String key, String file, String message) {
    problems.add(Problems.at(experiment.getValue(key).origin(), file, "experiment." + key, message));
  }
}
