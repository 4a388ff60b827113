package org.cnemu.kernel.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.cnemu.emulator.config.Domains;
import org.cnemu.emulator.model.Parsed;

/** The steering policies on the class path, by name (sorted). */
public final class SteeringRegistry {
  private final Map<String, SteeringPolicyProvider<?>> byName = new TreeMap<>();
  /** The declared domains of the settings (the merged reference.conf of the loader's class path). */
  private final Domains domains;

  public SteeringRegistry() {
    this(SteeringRegistry.class.getClassLoader());
  }

  public SteeringRegistry(ClassLoader loader) {
    domains = new Domains(ConfigFactory.defaultReference(loader));
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
    String close = org.cnemu.emulator.config.Suggestions.closest(name, byName.keySet());
    return "unknown steering policy '" + name + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
        + "; valid policies: "
        + (byName.isEmpty() ? "(none on the class path)" : String.join(", ", byName.keySet()));
  }

  /**
   * Policy {@code name} with its settings parsed ({@link SteeringPolicyProvider#parse}): what a model keeps
   * in its spec, or every problem of the settings. IllegalArgumentException for an unknown name.
   */
  public Parsed<ConfiguredPolicy<?>> configure(String name, Config settings, Set<Integer> hostCpus) {
    return configure(get(name), new SettingsReader(settings, hostCpus, domains, name));
  }

  private static <S> Parsed<ConfiguredPolicy<?>> configure(SteeringPolicyProvider<S> p, SettingsReader settings) {
    Parsed<S> s = p.parse(settings);
    return s.ok() ? Parsed.of(new ConfiguredPolicy<>(p, s.spec())) : Parsed.failed(s.problems());
  }
}
