package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.Event;
import org.cnemu.emulator.Partition;
import org.cnemu.emulator.PartitionGroup;
import org.cnemu.emulator.Simulation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The direct data plane over real loopback sockets: order, clean ends, lost peers, strangers. */
class DataPlaneTest {
  static final String TOKEN = "0123456789abcdef0123456789abcdef";
  ActorSystem<Void> system;
  DataPlane a;
  DataPlane b;
  CompletableFuture<String> lostAtCoordinator;
  ActorRef<Coordinator.Command> coordinator;
  final List<String> lostAtNode = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "dataplane", Simulation.pekkoBase());
    lostAtCoordinator = new CompletableFuture<>();
    coordinator = system.systemActorOf(Behaviors.receive(Coordinator.Command.class)
        .onMessage(Coordinator.NodeLost.class, m -> {
          lostAtCoordinator.complete(m.address());
          return Behaviors.same();
        })
        .build(), "coordinator", Props.empty());
    a = DataPlane.open(system, "t", TOKEN, "127.0.0.1", 0, 0, false, lostAtNode::add, line -> {});
    b = DataPlane.open(system, "t", TOKEN, "127.0.0.1", 0, 0, false, lostAtNode::add, line -> {});
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    system.terminate();
  }

  List<String> endpoints() {
    return List.of(a.endpoint(), b.endpoint());
  }

  @Test
  void framesArriveInOrderAndCleanEndIsNotALoss() throws Exception {
    PartitionGroup.PeerTransport p0 = a.forNode(false);
    PartitionGroup.PeerTransport p1 = b.forNode(false);
    assertArrayEquals(new boolean[] {false, true}, p0.open(endpoints(), coordinator));
    assertArrayEquals(new boolean[] {true, false}, p1.open(endpoints(), coordinator));
    // (events' own encoding is WireTest's subject)
    p0.send(1, new Partition.Deliver(7, 0, new Event[0]));
    p0.send(1, new Partition.Sync(7, 0, 6_000, new int[] {0, 1}, new long[] {Long.MAX_VALUE, 5_000}, 10, 20));
    p0.flush();
    Partition.Deliver d = (Partition.Deliver) p1.receive(0);
    assertEquals(7, d.window());
    assertEquals(0, d.events().length);
    Partition.Sync s = (Partition.Sync) p1.receive(0);
    assertEquals(6_000, s.nextEventNanos());
    // the other direction shares nothing with the first
    p1.send(0, new Partition.Sync(7, 1, 6_500, new int[] {0, 0}, new long[] {Long.MAX_VALUE, Long.MAX_VALUE}, 1, 2));
    p1.flush();
    assertEquals(6_500, ((Partition.Sync) p0.receive(1)).nextEventNanos());

    p0.close(); // BYE: partition 0 ended on its own (it reports its own outcome)
    assertNull(p1.receive(0));
    assertFalse(lostAtCoordinator.isDone(), "a clean end is not a lost node");
    assertTrue(lostAtNode.isEmpty());
  }

  /** Two partitions per node ([0, 2] and [1, 3]): one stream per pair of nodes carries them all, in order. */
  @Test
  void onePairOfNodesSharesOneOrderedStream() throws Exception {
    List<String> eps = List.of(a.endpoint(), b.endpoint(), a.endpoint(), b.endpoint());
    PartitionGroup.PeerTransport na = a.forNode(false);
    PartitionGroup.PeerTransport nb = b.forNode(false);
    assertArrayEquals(new boolean[] {false, true, false, true}, na.open(eps, coordinator));
    assertArrayEquals(new boolean[] {true, false, true, false}, nb.open(eps, coordinator));
    long[] none = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
    na.send(3, new Partition.Deliver(4, 0, new Event[0]));
    na.sendToAll(new Partition.Sync(4, 0, 100, new int[] {0, 0, 0, 1}, none, 0, 0));
    na.send(1, new Partition.Deliver(4, 2, new Event[0]));
    na.sendToAll(new Partition.Sync(4, 2, 200, new int[] {0, 1, 0, 0}, none, 0, 0));
    na.flush();
    // whichever of node a's partitions is named, the frames come off the one stream in the order sent
    assertEquals(0, ((Partition.Deliver) nb.receive(0)).fromPartition());
    assertEquals(100, ((Partition.Sync) nb.receive(2)).nextEventNanos());
    assertEquals(2, ((Partition.Deliver) nb.receive(0)).fromPartition());
    assertEquals(200, ((Partition.Sync) nb.receive(2)).nextEventNanos());
    na.close();
    assertNull(nb.receive(0));
    assertFalse(lostAtCoordinator.isDone());
  }

  @Test
  void aPeerThatVanishesIsALostNodeNamedByItsAddress() throws Exception {
    PartitionGroup.PeerTransport p1 = b.forNode(false);
    p1.open(endpoints(), coordinator);
    String port = b.endpoint().substring(b.endpoint().indexOf(':') + 1, b.endpoint().indexOf(' '));
    try (Socket s = new Socket("127.0.0.1", Integer.parseInt(port))) {
      DataOutputStream o = new DataOutputStream(s.getOutputStream());
      o.writeInt(DataPlane.MAGIC);
      o.writeUTF(TOKEN);
      o.writeInt(0);
      o.writeInt(1);
      o.writeUTF("pekko://cnemu@127.0.0.1:4711");
      o.writeUTF(""); // no ring: frames on the socket
      o.flush();
    } // closed without BYE: the process died
    assertNull(p1.receive(0));
    assertEquals("pekko://cnemu@127.0.0.1:4711", lostAtCoordinator.get(10, TimeUnit.SECONDS));
    assertEquals(List.of("pekko://cnemu@127.0.0.1:4711"), lostAtNode);
  }

  @Test
  void aConnectionWithoutTheRunsTokenIsDropped() throws Exception {
    String port = b.endpoint().substring(b.endpoint().indexOf(':') + 1, b.endpoint().indexOf(' '));
    try (Socket s = new Socket("127.0.0.1", Integer.parseInt(port))) {
      s.setSoTimeout(10_000);
      // one write: the server may close as soon as it has read the token
      DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream()));
      o.writeInt(DataPlane.MAGIC);
      o.writeUTF("not-the-token");
      o.writeInt(0);
      o.writeInt(1);
      o.writeUTF("pekko://intruder@127.0.0.1:1");
      o.writeUTF("");
      o.flush();
      assertEquals(-1, new DataInputStream(s.getInputStream()).read(), "the server must close the connection");
    }
    // the run's own peers still get through, and the stranger was never taken for partition 0
    PartitionGroup.PeerTransport p0 = a.forNode(false);
    PartitionGroup.PeerTransport p1 = b.forNode(false);
    p0.open(endpoints(), coordinator);
    p1.open(endpoints(), coordinator);
    p0.send(1, new Partition.Sync(0, 0, 1, new int[] {0, 0}, new long[] {Long.MAX_VALUE, Long.MAX_VALUE}, 0, 0));
    p0.flush();
    assertEquals(0, ((Partition.Sync) p1.receive(0)).fromPartition());
    assertFalse(lostAtCoordinator.isDone());
  }

  @Test
  void autoPinningGivesEveryNodeOfTheRunItsOwnCpuOrPinsNone() {
    // one partition per node: partition p's node on CPU p
    assertEquals(1, DataPlane.autoPinCpu(List.of("a", "b"), "b", 2));
    // 4 partitions over 2 nodes (p mod 2): one thread per node, so 2 CPUs suffice
    assertEquals(0, DataPlane.autoPinCpu(List.of("a", "b", "a", "b"), "a", 2));
    assertEquals(1, DataPlane.autoPinCpu(List.of("a", "b", "a", "b"), "b", 2));
    assertEquals(2, DataPlane.autoPinCpu(List.of("a", "b", "c", "a"), "c", 8));
    assertEquals(-1, DataPlane.autoPinCpu(List.of("a", "b", "c", "a"), "c", 2), "3 nodes, 2 CPUs");
    assertEquals(-1, DataPlane.autoPinCpu(List.of("a"), "a", 1), "one CPU: nothing to gain");
  }

  /** Two planes of one run, partition 0 on the first and 1 on the second, connected. */
  record Pair(DataPlane c, DataPlane d, PartitionGroup.PeerTransport p0, PartitionGroup.PeerTransport p1)
      implements AutoCloseable {
    @Override
    public void close() {
      c.close();
      d.close();
    }
  }

  Pair pair(String run, boolean sharedMemory) throws Exception {
    DataPlane c = DataPlane.open(system, run, TOKEN, "127.0.0.1", 0, 0, sharedMemory, lostAtNode::add, line -> {});
    DataPlane d = DataPlane.open(system, run, TOKEN, "127.0.0.1", 0, 0, sharedMemory, lostAtNode::add, line -> {});
    if (sharedMemory) {
      org.junit.jupiter.api.Assumptions.assumeTrue(c.endpoint().split(" ").length == 3, "no machine id here");
    }
    List<String> eps = List.of(c.endpoint(), d.endpoint());
    PartitionGroup.PeerTransport p0 = c.forNode(false);
    PartitionGroup.PeerTransport p1 = d.forNode(false);
    p0.open(eps, coordinator);
    p1.open(eps, coordinator);
    return new Pair(c, d, p0, p1);
  }

  /** Two planes on one machine with shared memory on: frames go through the rings, in order. */
  @Test
  void sharedMemoryRingsCarryFramesInOrderWrapAroundAndWakeASleepingReader() throws Exception {
    try (Pair pr = pair("shm", true)) {
      PartitionGroup.PeerTransport p0 = pr.p0();
      PartitionGroup.PeerTransport p1 = pr.p1();
      // The reader sleeps first (nothing sent yet) and must be woken by the doorbell.
      CompletableFuture<Partition.Command> first = CompletableFuture.supplyAsync(() -> p1.receive(0));
      Thread.sleep(200);
      assertFalse(first.isDone());
      p0.send(1, sync(0, new int[] {0, 1}));
      p0.flush();
      assertEquals(0, ((Partition.Sync) first.get(10, TimeUnit.SECONDS)).window());
      // Far more than the 1 MiB ring in total, and one frame larger than the ring, read concurrently.
      int frames = 3_000;
      CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
        long sum = 0;
        for (int i = 1; i <= frames + 1; i++) {
          Partition.Sync y = (Partition.Sync) p1.receive(0);
          assertEquals(i, y.window(), "frames out of order");
          sum += y.sentBatches().length;
        }
        return sum;
      });
      long expected = 0;
      for (int i = 1; i <= frames; i++) {
        int[] batches = new int[100 + i % 300];
        expected += batches.length;
        p0.send(1, sync(i, batches));
        if (i % 7 == 0) p0.flush();
      }
      p0.send(1, sync(frames + 1, new int[400_000])); // ~1.6 MB: streams through the ring in pieces
      expected += 400_000;
      p0.flush();
      assertEquals(expected, reader.get(30, TimeUnit.SECONDS));
      p0.close();
      assertNull(p1.receive(0), "BYE through the ring");
      assertFalse(lostAtCoordinator.isDone());
      try (var files = java.nio.file.Files.list(ShmPipe.directory())) {
        assertEquals(0, files.filter(f -> f.getFileName().toString().startsWith("cnemu-" + TOKEN.substring(0, 16)))
            .count(), "ring files are deleted once both ends have them mapped");
      }
    }
  }

  /** A writer whose node dies (its socket ends without BYE) is a lost node, also with a ring. */
  @Test
  void aSleepingRingReaderNoticesALostWriter() throws Exception {
    try (Pair pr = pair("shm2", true)) {
      PartitionGroup.PeerTransport p0 = pr.p0();
      PartitionGroup.PeerTransport p1 = pr.p1();
      DataPlane c = pr.c();
      p0.send(1, sync(0, new int[2]));
      p0.flush();
      assertEquals(0, ((Partition.Sync) p1.receive(0)).window());
      c.close(); // its sockets end without BYE, as when the process dies
      assertNull(p1.receive(0));
      assertEquals(c.endpoint().split(" ")[1], lostAtCoordinator.get(10, TimeUnit.SECONDS));
    }
  }

  static Partition.Sync sync(long window, int[] batches) {
    long[] min = new long[batches.length];
    java.util.Arrays.fill(min, Long.MAX_VALUE);
    return new Partition.Sync(window, 0, 1, batches, min, 0, 0);
  }

  /**
   * Both partitions send a window far larger than any connection buffers (socket buffers, the 1 MiB
   * ring) at the same time, then read: neither may block in its write waiting for the other to read.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void twoLargeWindowsCrossingDoNotDeadlock(boolean sharedMemory) throws Exception {
    try (Pair pr = pair("big", sharedMemory)) {
      PartitionGroup.PeerTransport p0 = pr.p0();
      PartitionGroup.PeerTransport p1 = pr.p1();
      int[] big = new int[3_000_000]; // ~12 MB encoded
      CompletableFuture<Partition.Command> a = CompletableFuture.supplyAsync(() -> {
        p0.send(1, sync(1, big));
        p0.send(1, sync(2, new int[2])); // a small window behind a large one keeps its order
        p0.flush();
        Partition.Command first = p0.receive(1);
        assertEquals(2, ((Partition.Sync) p0.receive(1)).window());
        return first;
      });
      CompletableFuture<Partition.Command> b = CompletableFuture.supplyAsync(() -> {
        p1.send(0, sync(1, big));
        p1.flush();
        p1.send(0, sync(2, new int[2]));
        p1.flush();
        Partition.Command first = p1.receive(0);
        assertEquals(2, ((Partition.Sync) p1.receive(0)).window());
        return first;
      });
      assertEquals(big.length, ((Partition.Sync) a.get(60, TimeUnit.SECONDS)).sentBatches().length);
      assertEquals(big.length, ((Partition.Sync) b.get(60, TimeUnit.SECONDS)).sentBatches().length);
      p0.close();
      p1.close();
      assertNull(p1.receive(0));
      assertNull(p0.receive(1));
      assertFalse(lostAtCoordinator.isDone());
    }
  }
}
