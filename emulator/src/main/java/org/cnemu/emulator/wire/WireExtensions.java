package org.cnemu.emulator.wire;

import com.esotericsoftware.kryo.Kryo;

/** Hook for engine-level wire classes added by the cluster layer (ids 200-999). */
final class WireExtensions {
  private WireExtensions() {}

  static void register(Kryo k) {
    for (var e : ClusterWire.classes().entrySet()) k.register(e.getValue(), e.getKey());
  }
}
