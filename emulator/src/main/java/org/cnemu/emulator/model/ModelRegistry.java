package org.cnemu.emulator.model;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The models on the class path, by name. */
public final class ModelRegistry {
  private final Map<String, ModelProvider<?>> byName = new TreeMap<>();

  public ModelRegistry() {
    for (ModelProvider<?> p : ServiceLoader.load(ModelProvider.class)) byName.put(p.name(), p);
  }

  public Map<String, ModelProvider<?>> all() {
    return byName;
  }

  /** The provider, or an error message listing the valid names. */
  public ModelProvider<?> get(String name) {
    ModelProvider<?> p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("unknown model '" + name + "'; valid models: " + String.join(", ", byName.keySet()));
    }
    return p;
  }

  /** Parses {@code experiment} with {@code provider}: the typed spec with its provider, or the problems. */
  public static <S> Parsed<ModelSpec<?>> parse(ModelProvider<S> provider, com.typesafe.config.Config experiment,
      com.typesafe.config.Config reference) {
    Parsed<S> p = provider.parse(experiment, reference);
    return p.ok() ? Parsed.of(new ModelSpec<>(provider, p.spec())) : Parsed.failed(p.problems());
  }
}
