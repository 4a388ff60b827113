package org.cnemu.emulator.model;

import com.typesafe.config.Config;
import java.util.List;
import org.cnemu.emulator.SimulationBuilder;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.ServiceLoader;

/**
 * A named model that an experiment selects with {@code experiment.model = NAME}. Found through
 * {@link ServiceLoader} (META-INF/services/org.cnemu.emulator.model.ModelProvider), so the
 * runner never imports a model.
 */
public interface ModelProvider<S> {
  /** The name used in experiment files. */
  String name();

  /** One line for {@code bin/cnemu list-models}. */
  String description();

  /**
   * Parses the model's part of an experiment into its typed spec, checking what generic type checks
   * against reference.conf cannot (ranges, cross-key rules, names of other things): the spec, or every
   * problem ({@code file:line: key: message}). {@code experiment} is the resolved {@code experiment} block
   * of one configuration (no sweep); {@code reference} the merged reference.conf, the only defaults the
   * model reads (profiles, element templates). Called once per configuration, never per run.
   */
  Parsed<S> parse(Config experiment, Config reference);

  /**
   * The model's tags on every live series of a run of {@code spec}, after the runner's {@code experiment}
   * and {@code run}, in iteration order (a LinkedHashMap for several), e.g. the kernel model's
   * {@code policy}. Dashboards select on their names and values: keep both stable. None by default.
   */
  default Map<String, String> tags(S spec) {
    return Map.of();
  }

  /**
   * Roughly how many events one run of {@code spec} processes in {@code durationNanos} of virtual time, or
   * empty when the model cannot tell (the default). Only the order in which a plan starts its jobs reads it
   * (the costliest first, so that the plan's last jobs do not run alone beside idle slots): it never reaches
   * a result, so a guess within a factor of two is plenty. Called once per configuration, before any run.
   */
  default OptionalDouble expectedEvents(S spec, long durationNanos) {
    return OptionalDouble.empty();
  }

  /**
   * Classes of the model's messages that may cross partitions and of its entity reports: they are
   * registered with Kryo (ids assigned from sorted names) for runs that span JVMs.
   */
  default List<Class<?>> wireClasses() {
    return List.of();
  }

  /**
   * Hand-written Kryo serializers for some of {@link #wireClasses()} (the rest use Kryo's defaults).
   * Worth it for what crosses JVMs every window: Kryo's record serializer reads and writes each
   * component reflectively, ~6x slower for a packet than plain field writes.
   */
  default Map<Class<?>, com.esotericsoftware.kryo.Serializer<?>> wireSerializers() {
    return Map.of();
  }

  /**
   * The comparable figures of one finished run's results document (results.json as a map, the
   * model's own sections included), in a stable order. Summaries give each its mean and confidence
   * interval over repetitions and its ratio to a comparison's baseline; only the model knows which
   * figures mean something. Absent inputs give absent metrics, never zeros. A metric declares the values it
   * can take ({@link ModelMetric#within}: intervals are clipped to them) and, for a percentile, its level and
   * samples ({@link ModelMetric#percentile}: one its samples cannot resolve is shown as such, not as a figure).
   */
  default List<ModelMetric> metrics(Map<String, Object> results) {
    return List.of();
  }

  /**
   * One of this model's metric names in words without its unit, for chart titles and axes
   * (e.g. {@code flow[rr].latency_p99_us} -> "p99 round-trip latency of flow rr"); null when the name is not this
   * model's (the report then spells the name out itself).
   */
  default String metricWords(String metric) {
    return null;
  }

  /**
   * Adds one run's entities to {@code builder} from a spec {@link #parse} gave (the builder's seed and
   * run index give the run's random streams). Must be deterministic: every JVM of a run calls it.
   */
  BuiltModel build(S spec, SimulationBuilder builder);
}
