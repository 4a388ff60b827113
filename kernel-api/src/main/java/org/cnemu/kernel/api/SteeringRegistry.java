package org.cnemu.kernel.api;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The steering policies on the class path, by name (sorted). */
public final class SteeringRegistry {
  private final Map<String, SteeringPolicyProvider> byName = new TreeMap<>();

  public SteeringRegistry() {
    this(SteeringRegistry.class.getClassLoader());
  }

  public SteeringRegistry(ClassLoader loader) {
    for (SteeringPolicyProvider p : ServiceLoader.load(SteeringPolicyProvider.class, loader)) {
      byName.putIfAbsent(p.name(), p);
    }
  }

  public Map<String, SteeringPolicyProvider> all() {
    return byName;
  }

  public boolean has(String name) {
    return byName.containsKey(name);
  }

  /** The provider, or IllegalArgumentException listing the valid names. */
  public SteeringPolicyProvider get(String name) {
    SteeringPolicyProvider p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("unknown steering policy '" + name + "'; valid policies: "
          + (byName.isEmpty() ? "(none on the class path)" : String.join(", ", byName.keySet())));
    }
    return p;
  }
}
