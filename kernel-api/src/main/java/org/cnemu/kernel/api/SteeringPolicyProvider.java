package org.cnemu.kernel.api;

import com.typesafe.config.Config;

/**
 * Creates a {@link SteeringPolicy}; found through {@link java.util.ServiceLoader}
 * (META-INF/services/org.cnemu.kernel.api.SteeringPolicyProvider), so models never import a
 * policy.
 */
public interface SteeringPolicyProvider {
  /** Name used in experiment files ({@code experiment.steering = NAME}). */
  String name();

  /** One line for {@code bin/cnemu list-policies}. */
  String description();

  /**
   * Builds one policy instance for one host.
   *
   * @param settings the policy's settings block ({@code experiment.steering-settings.NAME}, falling
   *     back to the provider's defaults); may be empty
   * @param cpus cores of the host
   * @param hostId the host's id (for per-host settings)
   */
  SteeringPolicy create(Config settings, int cpus, String hostId);
}
