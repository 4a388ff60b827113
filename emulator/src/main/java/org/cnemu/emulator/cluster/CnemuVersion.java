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
    return override != null ? override : Built.VERSION;
  }

  /**
   * The version of this JVM's build, computed once: it depends only on the class path, and computing it
   * reads every jar's service list (~6 ms warm), which a node paid on each driver's hello and first job
   * and a driver on each node's answer, on their actors' threads (docs/benchmarks.md, "Farmed plans").
   */
  private static final class Built {
    static final String VERSION = compute();

    private static String compute() {
      String v = CnemuVersion.class.getPackage().getImplementationVersion();
      return (v != null ? v : "0.1.0-SNAPSHOT") + "+" + wireFingerprint();
    }
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
