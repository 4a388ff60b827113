package org.cnemu.emulator.wire;

import java.util.Map;
import java.util.TreeMap;

/** Wire classes of the cluster layer, by fixed id (200-999). */
final class ClusterWire {
  private ClusterWire() {}

  static Map<Integer, Class<?>> classes() {
    return new TreeMap<>();
  }
}
