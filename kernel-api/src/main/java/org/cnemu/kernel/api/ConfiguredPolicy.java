package org.cnemu.kernel.api;

/**
 * A steering policy with its parsed settings: what a model keeps in its typed spec (once per
 * configuration) and builds each host's instance from. Immutable when {@code S} is.
 */
public record ConfiguredPolicy<S>(SteeringPolicyProvider<S> provider, S settings) {
  public String name() {
    return provider.name();
  }

  /** The policy instance of one host (each host has its own state). */
  public SteeringPolicy create(int cpus, String hostId) {
    return provider.create(settings, cpus, hostId);
  }
}
