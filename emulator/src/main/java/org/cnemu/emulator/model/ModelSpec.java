package org.cnemu.emulator.model;

/**
 * A model and its typed spec of one experiment (one point of a sweep): parsed once, shared by every run
 * of the point. Immutable; {@link #build} adds one run's entities.
 */
public record ModelSpec<S>(ModelProvider<S> provider, S spec) {
  public String name() {
    return provider.name();
  }

  /** The model's tags on the live series of this spec's runs ({@link ModelProvider#tags}). */
  public java.util.Map<String, String> tags() {
    return provider.tags(spec);
  }

  /** Roughly the events of one run of {@code durationNanos}, or empty ({@link ModelProvider#expectedEvents}). */
  public java.util.OptionalDouble expectedEvents(long durationNanos) {
    return provider.expectedEvents(spec, durationNanos);
  }

  /** Adds the run's entities to {@code builder} (its seed and run index give the run's random streams). */
  public BuiltModel build(org.cnemu.emulator.SimulationBuilder builder) {
    return provider.build(spec, builder);
  }
}
