package org.cnemu.emulator.wire;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.cnemu.emulator.model.ModelProvider;

/**
 * The classes registered with Kryo, each with a fixed id. Engine classes have hand-assigned ids;
 * model classes (declared by each {@link ModelProvider#wireClasses()}) get ids from their sorted
 * names, so every JVM of the same cnemu version agrees without coordination.
 */
public final class WireClasses {
  private WireClasses() {}

  public static final int MODEL_BASE_ID = 1000;

  /** The models' own serializers for some of {@link #modelClasses()} (by class). */
  public static java.util.Map<Class<?>, com.esotericsoftware.kryo.Serializer<?>> modelSerializers() {
    java.util.Map<Class<?>, com.esotericsoftware.kryo.Serializer<?>> out = new java.util.HashMap<>();
    for (ModelProvider<?> p : ServiceLoader.load(ModelProvider.class)) out.putAll(p.wireSerializers());
    return out;
  }

  /** Model classes, sorted by name, without duplicates. */
  public static List<Class<?>> modelClasses() {
    List<Class<?>> out = new ArrayList<>();
    for (ModelProvider<?> p : ServiceLoader.load(ModelProvider.class)) {
      for (Class<?> c : p.wireClasses()) if (!out.contains(c)) out.add(c);
    }
    out.sort(Comparator.comparing(Class::getName));
    return out;
  }
}
