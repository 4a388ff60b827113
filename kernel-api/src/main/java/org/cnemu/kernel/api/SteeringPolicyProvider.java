package org.cnemu.kernel.api;

import com.typesafe.config.Config;
import java.util.Set;

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
   * typed settings, or every problem, each at its key (relative to the block) and its value's origin.
   * Everything {@link #create} could refuse is refused here, so a configuration that parses builds on
   * every host.
   *
   * @param settings {@code experiment.steering-settings.NAME} over the module's reference.conf defaults
   * @param hostCpus the distinct core counts of the hosts the policy will run on: core lists are checked
   *     against each
   */
  ParsedSettings<S> parse(Config settings, Set<Integer> hostCpus);

  /**
   * Builds one policy instance for one host from settings {@link #parse} gave.
   *
   * @param cpus cores of the host (one of the counts given to {@link #parse})
   * @param hostId the host's id (for per-host settings)
   */
  SteeringPolicy create(S settings, int cpus, String hostId);
}
