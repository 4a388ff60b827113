package org.cnemu.emulator.cluster;

import java.util.List;
import org.cnemu.emulator.StableIds;
import org.cnemu.emulator.wire.WireClasses;

/**
 * What a node must agree on to join a run: the cnemu version and a fingerprint of the wire
 * registrations (class names in id order, and the models' own serializers), so two builds that would
 * decode each other's bytes differently never run together.
 */
public final class CnemuVersion {
  private CnemuVersion() {}

  /** Release version; {@code -Dcnemu.version.override} exists only so tests can fake a mismatch. */
  public static String current() {
    String override = System.getProperty("cnemu.version.override");
    if (override != null) return override;
    String v = CnemuVersion.class.getPackage().getImplementationVersion();
    return (v != null ? v : "0.1.0-SNAPSHOT") + "+" + wireFingerprint();
  }

  static String wireFingerprint() {
    long h = 0;
    List<Class<?>> model = WireClasses.modelClasses();
    var own = WireClasses.modelSerializers();
    for (Class<?> c : model) {
      h = StableIds.combine(h, StableIds.key(c.getName()));
      // a class written by a model's own serializer is another format than Kryo's default for it
      if (own.containsKey(c)) h = StableIds.combine(h, StableIds.key(own.get(c).getClass().getName()));
    }
    return String.format("%08x", (int) (h ^ (h >>> 32)));
  }
}
