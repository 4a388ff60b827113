package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster JVM's messaging (remoting, its TCP connections, the cluster's actors, the farm's actors) runs on one
 * thread, {@link ClusterNode#MESSAGING_DISPATCHER}'s (cnemu-cluster.conf), so a message's hand-offs between its
 * stages wake no other thread.
 */
class MessagingDispatcherTest {
  private ActorSystem<Void> system;

  @AfterEach
  void stop() {
    if (system != null) ClusterNode.stop(system, 10);
  }

  @Test
  void remotingTheClusterAndTheFarmShareOneThread() throws Exception {
    ClusterNode.HostPort self = new ClusterNode.HostPort("127.0.0.1", TestPorts.free());
    FarmWorker.Runner runner = (shared, spec, node, cancelled, progress) -> new byte[0];
    system = ClusterNode.serve(self, self, 1, ClusterSecurity.insecure(), runner, FarmWorker.Slots.exactly(1), null);
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cluster.selfMember().status() != MemberStatus.up() && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(MemberStatus.up(), cluster.selfMember().status());

    // the dispatcher runs on one thread: a task that holds it keeps the next one waiting
    var messaging = system.dispatchers().lookup(DispatcherSelector.fromConfig(ClusterNode.MESSAGING_DISPATCHER));
    CompletableFuture<String> first = new CompletableFuture<>();
    AtomicBoolean release = new AtomicBoolean();
    messaging.execute(() -> {
      first.complete(Thread.currentThread().getName());
      while (!release.get()) Thread.onSpinWait();
    });
    CompletableFuture<String> second = new CompletableFuture<>();
    messaging.execute(() -> second.complete(Thread.currentThread().getName()));
    String name = first.get(10, TimeUnit.SECONDS);
    assertTrue(name.contains(ClusterNode.MESSAGING_DISPATCHER), name);
    Thread.sleep(200);
    assertTrue(!second.isDone(), "a second thread ran the next task");
    release.set(true);
    assertEquals(name, second.get(10, TimeUnit.SECONDS));

    // a node that is up (remoting, TCP, the cluster's gossip, the farm worker's registration) started no thread of
    // Pekko's remote dispatcher: Artery runs on the messaging one (whose pool may hold a spare thread beside the
    // one that runs, made while a task blocked in Pekko's managed blocking)
    Set<String> remote = new TreeSet<>();
    String prefix = system.name() + "-";
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String n = t.getName();
      if (!n.startsWith(prefix)) continue; // this system's threads only
      if (n.contains("remote-dispatcher")) remote.add(n);
    }
    assertEquals(Set.of(), remote);
  }
}
