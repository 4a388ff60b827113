package org.cnemu.emulator.phold;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelProvider;

/** `model = phold`: the engine's self-test workload as an experiment model. */
public final class PholdModel implements ModelProvider<PholdParams> {
  @Override
  public String name() {
    return "phold";
  }

  @Override
  public String description() {
    return "PHOLD synthetic benchmark (engine self-test): LPs exchanging events with exponential delays";
  }

  /** The {@code phold} block's parameters, after the range and work-limit checks. */
  @Override
  public org.cnemu.emulator.model.Parsed<PholdParams> parse(Config experiment, Config reference) {
    List<ConfigProblem> problems = problems(experiment);
    if (!problems.isEmpty()) return org.cnemu.emulator.model.Parsed.failed(problems);
    return org.cnemu.emulator.model.Parsed.of(PholdParams.from(experiment.getConfig("phold")));
  }

  private static List<ConfigProblem> problems(Config experiment) {
    List<ConfigProblem> problems = new ArrayList<>();
    Config c = experiment.getConfig("phold");
    check(problems, c, "lps", () -> c.getInt("lps") >= 1, "expected an integer >= 1");
    check(problems, c, "population", () -> c.getInt("population") >= 1, "expected an integer >= 1");
    check(problems, c, "remote", () -> c.getDouble("remote") >= 0 && c.getDouble("remote") <= 1,
        "expected a fraction between 0 and 1");
    check(problems, c, "lookahead", () -> Units.nanos(c, "lookahead") >= 1,
        "expected a duration of at least 1ns");
    // A run that ends before the first event would report nothing: every event, the first ones too, comes at
    // least the least delay after the one before it (PholdRules.delayNanos), so the first at that time or later.
    try {
      String leastKey = Units.nanos(c, "actual-min-delay") > 0 ? "actual-min-delay" : "lookahead";
      long least = Units.nanos(c, leastKey);
      long duration = Units.nanos(experiment, "duration");
      check(problems, experiment, "duration", () -> duration > least, experiment.getString("duration")
          + " ends before the first event: every event comes at least phold." + leastKey + " (" + c.getString(leastKey)
          + ") after the one before it, the first ones after the start; expected a duration above " + c.getString(leastKey));
    } catch (ConfigException | IllegalArgumentException e) {
      // type and unit errors are reported by the generic validator
    }
    // Work limits: events in circulation, and no partition without an LP (each LP is a placement group).
    try {
      long events = c.getLong("lps") * c.getLong("population");
      long limit = experiment.getLong("limits.phold-events");
      check(problems, c, "population", () -> events <= limit, events + " events in circulation (lps x population),"
          + " over the limit of " + limit + "; set experiment.limits.phold-events higher to run it anyway (and give"
          + " the JVM the heap: JAVA_OPTS=-Xmx...)");
      long lps = Math.max(1, c.getLong("lps"));
      check(problems, experiment, "engine.partitions", () -> experiment.getLong("engine.partitions") <= lps,
          "more partitions than LPs: at most " + lps + " (each LP is a placement group; the result is the same for"
              + " any count)");
    } catch (ConfigException e) {
      // type errors are reported by the generic validator
    }
    return problems;
  }

  private static void check(List<ConfigProblem> out, Config c, String key, java.util.function.BooleanSupplier ok,
      String expected) {
    try {
      if (ok.getAsBoolean()) return;
    } catch (ConfigException e) {
      // type and unit errors are reported by the generic validator
      return;
    }
    var origin = c.getValue(key).origin();
    out.add(new ConfigProblem(origin.filename() != null ? origin.filename() : origin.description(),
        origin.lineNumber(), "experiment." + (key.startsWith("engine.") || key.equals("duration") ? key : "phold." + key), expected));
  }

  /**
   * Exact in expectation: each of the {@code lps x population} events in circulation schedules its successor
   * after the minimum delay plus an exponential draw of the mean delay.
   */
  @Override
  public java.util.OptionalDouble expectedEvents(PholdParams p, long durationNanos) {
    double perEventNanos = Math.max(1, p.actualMinDelayNanos() + p.meanDelayNanos());
    return java.util.OptionalDouble.of((double) p.lps() * p.population() * durationNanos / perEventNanos);
  }

  @Override
  public List<Class<?>> wireClasses() {
    return List.of(PholdLp.Job.class, PholdLp.Report.class);
  }

  @Override
  public BuiltModel build(PholdParams p, SimulationBuilder builder) {
    Phold.build(p, builder);
    return result -> {
      Map<String, Object> sections = new LinkedHashMap<>();
      sections.put("phold", Phold.section(p, Phold.outcome(result, p.lps())));
      return sections;
    };
  }

  /** PHOLD's one figure: events processed by the LPs (the engine's own counts are the runner's). */
  @Override
  public List<org.cnemu.emulator.model.ModelMetric> metrics(Map<String, Object> results) {
    if (results.get("phold") instanceof Map<?, ?> m && m.get("events") instanceof Number n) {
      return List.of(org.cnemu.emulator.model.ModelMetric.headline("phold.events", n.doubleValue(), "events",
          org.cnemu.emulator.model.ModelMetric.Better.NEITHER).within(0, Double.POSITIVE_INFINITY)); // a count
    }
    return List.of();
  }
}
