package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes on one machine share its processors: two cluster members in one JVM (plain TCP on loopback, every
 * message through the wire serializer), each with a farm worker on the same machine, and a driver.
 */
class FarmSlotsTest {
  /** The text every job shares (a point's experiment, to a real runner). */
  private static final String TEXT = "experiment { }";

  private final List<ActorSystem<Void>> systems = new ArrayList<>();
  private final LinkedBlockingQueue<FarmDriver.Event> events = new LinkedBlockingQueue<>();
  /** The slots each node said it has, last. */
  private final Map<String, Integer> slots = new HashMap<>();
  /** The nodes' log lines ("farm: N job slots ..." when a node's share changes). */
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());


  private ActorSystem<Void> node(ClusterNode.HostPort seed, FarmWorker.Runner runner, FarmWorker.Slots s)
      throws Exception {
    ClusterNode.HostPort self = seed != null ? new ClusterNode.HostPort("127.0.0.1", TestPorts.free()) : null;
    ClusterNode.HostPort at = self != null ? self : new ClusterNode.HostPort("127.0.0.1", TestPorts.free());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(ctx -> {
      ctx.spawn(FarmWorker.create(runner, s, "machine-1", log::add), "farm-worker");
      return Behaviors.empty();
    }), "cnemu", ClusterNode.config(at, seed != null ? seed : at, 1, ClusterSecurity.insecure()));
    systems.add(system);
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cluster.selfMember().status() != MemberStatus.up() && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(MemberStatus.up(), cluster.selfMember().status());
    return system;
  }

  private static ClusterNode.HostPort address(ActorSystem<Void> s) {
    var a = s.address();
    return new ClusterNode.HostPort(a.getHost().get(), (Integer) a.getPort().get());
  }

  private ActorRef<FarmDriver.Command> driver(ActorSystem<Void> on) {
    ActorRef<FarmDirectory.Command> directory = on.systemActorOf(FarmDirectory.create(), "farm-directory", Props.empty());
    return on.systemActorOf(FarmDriver.create(new FarmDriver.Settings(2, Duration.ofSeconds(30), 1 << 20, directory),
        events::add), "farm-driver", Props.empty());
  }

  /** Until {@code count} nodes logged that they now have {@code slots} slots (a driver's hello then gets it). */
  private void awaitShared(int slots, int count) throws InterruptedException {
    String line = "farm: " + slots + " job slot" + (slots == 1 ? "" : "s") + " (";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      synchronized (log) {
        if (log.stream().filter(l -> l.startsWith(line)).count() >= count) return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no " + count + " nodes with " + slots + " slots: " + log);
  }

  @AfterEach
  void stop() {
    for (ActorSystem<Void> s : systems) ClusterNode.stop(s, 10);
  }

  /** Events until every node in {@code want} last said it has that many slots (or 30 s). */
  private void awaitSlots(Map<String, Integer> want) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!slots.entrySet().containsAll(want.entrySet()) && System.nanoTime() < deadline) {
      FarmDriver.Event e = events.poll(100, TimeUnit.MILLISECONDS);
      if (e instanceof FarmDriver.NodeUp up) slots.put(up.node(), up.slots());
    }
    assertTrue(slots.entrySet().containsAll(want.entrySet()), "slots " + slots + ", expected " + want);
  }

  @Test
  void nodesOnOneMachineShareItsProcessorsAndReshareWhenOneLeaves() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    FarmWorker.Runner runner = (shared, spec, node, cancelled, progress) -> {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        Thread.sleep(150);
      } finally {
        running.decrementAndGet();
      }
      return new byte[0];
    };
    ActorSystem<Void> a = node(null, runner, FarmWorker.Slots.sharedMachine(4));
    ActorSystem<Void> b = node(address(a), runner, FarmWorker.Slots.sharedMachine(4));
    String aAt = a.address().toString();
    String bAt = b.address().toString();
    awaitShared(2, 2);
    ActorRef<FarmDriver.Command> driver = driver(a);
    awaitSlots(Map.of(aAt, 2, bAt, 2)); // 4 processors, two nodes: 2 + 2, not 4 + 4
    List<FarmDriver.Job> jobs = new ArrayList<>();
    for (int j = 0; j < 24; j++) jobs.add(new FarmDriver.Job(j, 1, TEXT, "job"));
    driver.tell(new FarmDriver.Submit(jobs));
    int done = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (done < jobs.size() && System.nanoTime() < deadline) {
      FarmDriver.Event e = events.poll(100, TimeUnit.MILLISECONDS);
      if (e instanceof FarmDriver.Done d) {
        assertEquals(null, d.error());
        done++;
      }
    }
    assertEquals(jobs.size(), done);
    // every slot was used, and never more than the machine's processors at once
    assertEquals(4, most.get());
    // b leaves: a has the machine to itself again
    ClusterNode.leave(b);
    awaitSlots(Map.of(aAt, 4));
  }

  @Test
  void explicitSlotsAreTakenOffTheMachineBeforeTheSharingNodesSplitIt() throws Exception {
    FarmWorker.Runner runner = (shared, spec, node, cancelled, progress) -> new byte[0];
    ActorSystem<Void> a = node(null, runner, FarmWorker.Slots.exactly(1));
    ActorSystem<Void> b = node(address(a), runner, FarmWorker.Slots.sharedMachine(4));
    awaitShared(3, 1);
    driver(a);
    awaitSlots(Map.of(a.address().toString(), 1, b.address().toString(), 3));
  }

  @Test
  void theSplitGivesTheRemainderInAddressOrderAndEveryNodeAtLeastOne() {
    ActorSystem<Void> s = ActorSystem.create(Behaviors.empty(), "split");
    systems.add(s);
    ActorRef<FarmWorker.Command> x = s.systemActorOf(Behaviors.empty(), "x", Props.empty());
    ActorRef<FarmWorker.Command> y = s.systemActorOf(Behaviors.empty(), "y", Props.empty());
    String w = x.path().parent().child("w").toString(); // sorts before x and y
    String z = x.path().parent().child("z").toString(); // after
    FarmWorker.Slots five = FarmWorker.Slots.sharedMachine(5);
    List<FarmWorker.Neighbour> two = List.of(new FarmWorker.Neighbour(x, "m", 0), new FarmWorker.Neighbour(y, "m", 0));
    assertEquals(2, FarmWorker.share(five, "m", w, two)); // 5 over 3: 2, 2, 1
    assertEquals(1, FarmWorker.share(five, "m", z, two));
    assertEquals(3, FarmWorker.share(five, "m", w, List.of(new FarmWorker.Neighbour(x, "m", 0))));
    // another machine's nodes do not count; an unknown machine shares with nobody
    assertEquals(5, FarmWorker.share(five, "m", w, List.of(new FarmWorker.Neighbour(x, "other", 0))));
    assertEquals(5, FarmWorker.share(five, null, w, two));
    // more nodes than processors: one each; explicit slots never change
    assertEquals(1, FarmWorker.share(FarmWorker.Slots.sharedMachine(2), "m", z, two));
    assertEquals(1, FarmWorker.share(FarmWorker.Slots.sharedMachine(2), "m", z,
        List.of(new FarmWorker.Neighbour(x, "m", 4))));
    assertEquals(3, FarmWorker.share(FarmWorker.Slots.exactly(3), "m", w, two));
  }
}
