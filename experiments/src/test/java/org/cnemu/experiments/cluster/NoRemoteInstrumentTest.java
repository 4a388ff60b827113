package org.cnemu.experiments.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.emulator.cluster.ClusterSecurity;
import org.junit.jupiter.api.Test;

/**
 * Kamon's bundle (on the class path for live metrics) adds its remote instrument to Artery from its
 * reference.conf, agent or not; a cluster node reports no Kamon metrics, so its Artery runs without it
 * (cnemu-cluster.conf: no serialization timing per message, and Kamon never starts in a node).
 */
class NoRemoteInstrumentTest {
  @Test
  void aClusterNodesArteryRunsNoRemoteInstrumentThoughKamonsBundleAddsOne() throws Exception {
    // the premise: on this class path, Pekko's reference settings carry Kamon's instrument
    assertTrue(ConfigFactory.defaultReference().getStringList("pekko.remote.artery.advanced.instruments").stream()
        .anyMatch(i -> i.contains("Kamon")));
    ClusterNode.HostPort self = new ClusterNode.HostPort("127.0.0.1", TestPorts.free());
    java.util.concurrent.CountDownLatch up = new java.util.concurrent.CountDownLatch(1);
    ActorSystem<Void> node = ClusterNode.serve(self, self, 1, ClusterSecurity.insecure(), line -> up.countDown());
    try {
      assertTrue(up.await(60, TimeUnit.SECONDS), "the node never came up"); // then it stops cleanly
      List<String> instruments = Adapter.toClassic(node).settings().config()
          .getStringList("pekko.remote.artery.advanced.instruments");
      assertEquals(List.of(), instruments);
    } finally {
      node.terminate();
      node.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
