package org.cnemu.kernel.api;

import org.cnemu.emulator.model.Parsed;

/**
 * Creates a {@link SteeringPolicy}; found through {@link java.util.ServiceLoader}
 * (META-INF/services/org.cnemu.kernel.api.SteeringPolicyProvider), so models never import a
 * policy. Settings are read once per configuration ({@link #parse}) into the policy's own immutable
 * record {@code S}; {@link #create} builds each host's instance from it and reads no config.
 *
 * @param <S> the policy's typed settings
 */
public interface SteeringPolicyProvider<S> {
  /** Name used in experiment files ({@code experiment.steering = NAME}). */
  String name();

  /** One line for {@code bin/cnemu list-policies}. */
  String description();

  /**
   * Reads and checks the policy's settings block, once per configuration (never per host or run): the
   * typed settings, or every problem, each at its key (relative to the block) and its value's file and
   * line (file null: a default of the policy's module); {@link SettingsReader#result} gives either.
   * Everything {@link #create} could refuse is refused here, so a configuration that parses builds on
   * every host.
   *
   * @param settings the block {@code experiment.steering-settings.NAME} over the module's reference.conf
   *     defaults, read against the keys' declared domains; core lists are checked against every core count
   *     of the hosts the policy will run on ({@link SettingsReader#hostCpus})
   */
  Parsed<S> parse(SettingsReader settings);

  /**
   * Builds one policy instance for one host from settings {@link #parse} gave.
   *
   * @param cpus cores of the host (one of the counts given to {@link #parse})
   * @param hostId the host's id (for per-host settings)
   */
  SteeringPolicy create(S settings, int cpus, String hostId);
}
