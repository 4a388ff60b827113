package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A member that takes over a stopped driver's fixed port waits until the port is really free: closing a
 * driver ({@link JobFarm#close}) returns only once its fixed port binds again.
 */
class AwaitPortFreeTest {
  @Test
  void waitsForTheListenerThatOutlivedItsStop() throws Exception {
    int port = TestPorts.free();
    ServerSocket held = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
    ClusterNode.HostPort at = new ClusterNode.HostPort("127.0.0.1", port);
    assertFalse(ClusterNode.awaitPortFree(at, Duration.ofMillis(200)), "a held port is not free");
    Thread release = new Thread(() -> {
      try {
        Thread.sleep(300);
        held.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    release.start();
    assertTrue(ClusterNode.awaitPortFree(at, Duration.ofSeconds(30)), "free once its listener closed");
    release.join();
  }

  @Test
  void aClosedDriversFixedPortBindsAtOnce() throws Exception {
    int port = TestPorts.free();
    ClusterNode.HostPort at = new ClusterNode.HostPort("127.0.0.1", port);
    // no seed there: the driver only listens (and keeps asking for the workers) until it is closed
    ClusterNode.HostPort seed = new ClusterNode.HostPort("127.0.0.1", TestPorts.free());
    JobFarm farm = JobFarm.start(seed, at, ClusterSecurity.insecure(), 0, Duration.ofSeconds(30), false);
    assertFalse(ClusterNode.awaitPortFree(at, Duration.ZERO), "the driver listens on its port");
    farm.close();
    try (ServerSocket next = new ServerSocket()) {
      next.setReuseAddress(true); // as the next actor system's transport binds
      next.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      assertTrue(next.isBound());
    }
  }
}
