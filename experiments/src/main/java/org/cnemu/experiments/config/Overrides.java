package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * Command-line overrides of an experiment file: named options ({@code --seed}) and {@code --set KEY=VALUE}.
 * KEY is a path under {@code experiment} ({@code duration}, {@code phold.lps}, {@code workloads.0.rate}
 * is not: lists are set whole) or a full path starting with {@code experiment.}, {@code pekko.} or
 * {@code kamon.}; VALUE is HOCON ({@code 4ms}, {@code [vanilla, falcon]}, {@code "a b"}). Each value
 * keeps {@code --set KEY} as its origin, so validation names it the way the file's keys are named by
 * file and line.
 */
public final class Overrides {
  private Overrides() {}

  /** The result: the overrides, or the problems of malformed {@code --set} arguments. */
  public record Parsed(Config config, List<ConfigProblem> problems) {}

  /** {@code named}: path -> value (e.g. experiment.seed); {@code sets}: the --set arguments in order. */
  public static Parsed of(Map<String, Object> named, List<String> sets) {
    List<ConfigProblem> problems = new ArrayList<>();
    Config c = named.isEmpty() ? ConfigFactory.empty() : ConfigFactory.parseMap(named, "command line");
    for (String s : sets == null ? List.<String>of() : sets) {
      int eq = s.indexOf('=');
      String key = eq < 0 ? s.strip() : s.substring(0, eq).strip();
      String where = "--set " + key;
      if (eq <= 0 || key.isEmpty()) {
        problems.add(new ConfigProblem("--set " + s, 0, null, "expected KEY=VALUE, e.g. --set duration=4ms"));
        continue;
      }
      String path = key.startsWith("experiment.") || key.equals("experiment") || key.startsWith("pekko.")
          || key.startsWith("kamon.") ? key : "experiment." + key;
      ConfigValue value;
      try {
        ConfigFactory.parseString(path + " = 0"); // the key must be a HOCON path
      } catch (ConfigException e) {
        problems.add(new ConfigProblem(where, 0, null, "not a valid key path"));
        continue;
      }
      String text = s.substring(eq + 1);
      try {
        value = ConfigFactory.parseString("v = " + text).resolve().getValue("v");
      } catch (ConfigException e) {
        value = ConfigValueFactory.fromAnyRef(text); // not HOCON: the text itself, as a string
      }
      c = ConfigFactory.empty().withValue(path, ConfigValueFactory.fromAnyRef(value.unwrapped(), where)).withFallback(c);
    }
    return new Parsed(c, problems);
  }
}
