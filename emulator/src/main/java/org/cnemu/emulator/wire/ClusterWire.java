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
    // farmed plans: whole jobs to nodes, results back (deflated chunks)
    m.put(230, byte[].class);
    m.put(231, org.cnemu.emulator.cluster.FarmWorker.Hello.class);
    m.put(232, org.cnemu.emulator.cluster.FarmWorker.RunJob.class);
    m.put(233, org.cnemu.emulator.cluster.FarmWorker.Abandon.class);
    m.put(234, org.cnemu.emulator.cluster.FarmDirectory.Subscribe.class);
    m.put(235, org.cnemu.emulator.cluster.FarmWorker.Goodbye.class);
    m.put(236, org.cnemu.emulator.cluster.FarmDirectory.Unsubscribe.class);
    m.put(237, org.cnemu.emulator.cluster.FarmWorker.Neighbour.class);
    m.put(240, org.cnemu.emulator.cluster.FarmDriver.Ready.class);
    m.put(241, org.cnemu.emulator.cluster.FarmDriver.JobResult.class);
    m.put(242, org.cnemu.emulator.cluster.FarmDriver.JobFailed.class);
    m.put(243, org.cnemu.emulator.cluster.FarmDriver.JobRefused.class);
    m.put(244, org.cnemu.emulator.cluster.FarmDriver.Abandoned.class);
    m.put(245, org.cnemu.emulator.cluster.FarmDriver.JobProgress.class);
    m.put(246, org.cnemu.emulator.cluster.FarmDriver.JobStarted.class);
    m.put(247, org.cnemu.emulator.cluster.FarmDriver.Workers.class);
    m.put(248, org.cnemu.emulator.cluster.FarmDriver.Unwatched.class);
    m.put(249, org.cnemu.emulator.cluster.FarmDriver.TextMissing.class);
    return m;
  }
}
