package org.cnemu.kernel.api;

import com.typesafe.config.Config;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/** The steering policies on the class path, by name (sorted). */
public final class SteeringRegistry {
  private final Map<String, SteeringPolicyProvider<?>> byName = new TreeMap<>();

  public SteeringRegistry() {
    this(SteeringRegistry.class.getClassLoader());
  }

  public SteeringRegistry(ClassLoader loader) {
    for (SteeringPolicyProvider<?> p : ServiceLoader.load(SteeringPolicyProvider.class, loader)) {
      byName.putIfAbsent(p.name(), p);
    }
  }

  public Map<String, SteeringPolicyProvider<?>> all() {
    return byName;
  }

  public boolean has(String name) {
    return byName.containsKey(name);
  }

  /** The provider, or IllegalArgumentException listing the valid names. */
  public SteeringPolicyProvider<?> get(String name) {
    SteeringPolicyProvider<?> p = byName.get(name);
    if (p == null) throw new IllegalArgumentException(unknown(name));
    return p;
  }

  /** "unknown steering policy 'x'; valid policies: a, b, ...". */
  public String unknown(String name) {
    return "unknown steering policy '" + name + "'; valid policies: "
        + (byName.isEmpty() ? "(none on the class path)" : String.join(", ", byName.keySet()));
  }

  /**
   * Policy {@code name} with its settings parsed ({@link SteeringPolicyProvider#parse}): what a model keeps
   * in its spec, or every problem of the settings. IllegalArgumentException for an unknown name.
   */
  public ParsedSettings<ConfiguredPolicy<?>> configure(String name, Config settings, Set<Integer> hostCpus) {
    return configure(get(name), settings, hostCpus);
  }

  private static <S> ParsedSettings<ConfiguredPolicy<?>> configure(SteeringPolicyProvider<S> p, Config settings,
      Set<Integer> hostCpus) {
    ParsedSettings<S> s = p.parse(settings, hostCpus);
    return s.ok() ? ParsedSettings.of(new ConfiguredPolicy<>(p, s.settings())) : ParsedSettings.failed(s.problems());
  }
}
