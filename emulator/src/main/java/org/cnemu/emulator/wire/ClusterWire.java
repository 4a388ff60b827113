package org.cnemu.emulator.wire;

import java.util.Map;
import java.util.TreeMap;

/** Wire classes of the cluster layer, by fixed id (200-999). */
final class ClusterWire {
  private ClusterWire() {}

  static Map<Integer, Class<?>> classes() {
    Map<Integer, Class<?>> m = new TreeMap<>();
    m.put(200, org.cnemu.emulator.cluster.NodeAgent.Hello.class);
    m.put(201, org.cnemu.emulator.cluster.NodeAgent.SpawnPartitions.class);
    m.put(210, org.cnemu.emulator.cluster.ClusterDriver.HelloReply.class);
    m.put(211, org.cnemu.emulator.cluster.ClusterDriver.PartitionsSpawned.class);
    m.put(212, org.cnemu.emulator.cluster.ClusterDriver.SpawnFailed.class);
    m.put(220, org.cnemu.emulator.Coordinator.NodeLost.class);
    return m;
  }
}
