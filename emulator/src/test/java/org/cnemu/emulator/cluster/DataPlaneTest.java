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
  static final ClusterSecurity SECURITY = TestKeys.sharedSecurity();
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
    a = DataPlane.open(system, "t", SECURITY, TOKEN, "127.0.0.1", 0, 0, false, lostAtNode::add, line -> {});
    b = DataPlane.open(system, "t", SECURITY, TOKEN, "127.0.0.1", 0, 0, false, lostAtNode::add, line -> {});
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
    try (Socket s = connect(b)) {
      handshake(s, b, 0, 1, "pekko://cnemu@127.0.0.1:4711", "");
    } // closed without BYE: the process died
    assertNull(p1.receive(0));
    assertEquals("pekko://cnemu@127.0.0.1:4711", lostAtCoordinator.get(10, TimeUnit.SECONDS));
    assertEquals(List.of("pekko://cnemu@127.0.0.1:4711"), lostAtNode);
  }

  static Socket connect(DataPlane plane) throws java.io.IOException {
    String ep = plane.endpoint();
    Socket s = new Socket("127.0.0.1", Integer.parseInt(ep.substring(ep.indexOf(':') + 1, ep.indexOf(' '))));
    s.setSoTimeout(10_000);
    return s;
  }

  /**
   * The connecting side's handshake, as a peer holding {@code keyOf}'s run key would do it; returns the
   * stream to write frames on, or null when the accepting side did not prove the key back.
   */
  static DataOutputStream handshake(Socket s, DataPlane keyOf, int from, int to, String address, String ring)
      throws java.io.IOException {
    DataOutputStream o = new DataOutputStream(s.getOutputStream());
    DataInputStream in = new DataInputStream(s.getInputStream());
    byte[] cn = new byte[DataPlane.NONCE_BYTES];
    new java.util.Random(1).nextBytes(cn);
    o.writeInt(DataPlane.MAGIC);
    o.write(cn);
    o.flush();
    byte[] sn = new byte[DataPlane.NONCE_BYTES];
    in.readFully(sn);
    java.io.ByteArrayOutputStream hb = new java.io.ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(hb);
    h.writeInt(from);
    h.writeInt(to);
    h.writeUTF(address);
    h.writeUTF(ring);
    byte[] header = hb.toByteArray();
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    DataOutputStream a = new DataOutputStream(all);
    a.writeShort(header.length);
    a.write(header);
    a.write(keyOf.mac('c', cn, sn, header));
    o.write(all.toByteArray()); // one write: the server may close as soon as it has checked the MAC
    o.flush();
    byte[] proof = new byte[DataPlane.MAC_BYTES];
    try {
      in.readFully(proof);
    } catch (java.io.EOFException e) {
      return null;
    }
    return java.util.Arrays.equals(proof, keyOf.mac('s', cn, sn, header)) ? o : null;
  }

  /** One frame as Links writes it. */
  static byte[] frame(Partition.Command m, ActorSystem<?> system) {
    byte[] body = org.apache.pekko.serialization.SerializationExtension
        .get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)).serialize(m).get();
    return java.nio.ByteBuffer.allocate(16 + body.length).putInt(body.length).putInt(DataPlane.FRAME).putLong(0)
        .put(body).array();
  }

  @Test
  void aConnectionWithoutTheRunsKeyIsDropped() throws Exception {
    // another run's key (same cluster key, other token), and another cluster key (same token)
    DataPlane otherRun = DataPlane.open(system, "t", SECURITY, "ffffffffffffffffffffffffffffffff", "127.0.0.1", 0, 0,
        false, lostAtNode::add, line -> {});
    DataPlane otherKey = DataPlane.open(system, "t",
        ClusterSecurity.withKey(ClusterKey.load(TestKeys.other())), TOKEN, "127.0.0.1", 0, 0, false,
        lostAtNode::add, line -> {});
    try {
      for (DataPlane stranger : List.of(otherRun, otherKey)) {
        try (Socket s = connect(b)) {
          assertNull(handshake(s, stranger, 0, 1, "pekko://intruder@127.0.0.1:1", ""));
          assertEquals(-1, s.getInputStream().read(), "the server must close the connection");
        }
      }
    } finally {
      otherRun.close();
      otherKey.close();
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

  /**
   * A frame that stalls mid-header for longer than the read timeout (a TCP retransmission between lab
   * machines) arrives whole: no desynchronised stream, no lost node.
   */
  @Test
  void aFrameStalledMidHeaderArrivesWholeAndIsNoLoss() throws Exception {
    PartitionGroup.PeerTransport p1 = b.forNode(false);
    p1.open(endpoints(), coordinator);
    try (Socket s = connect(b)) {
      DataOutputStream o = handshake(s, b, 0, 1, "pekko://cnemu@127.0.0.1:4712", "");
      byte[] f = frame(new Partition.Sync(9, 0, 77, new int[] {0, 0}, new long[] {1, 2}, 3, 4), system);
      CompletableFuture<Partition.Command> got = CompletableFuture.supplyAsync(() -> p1.receive(0));
      o.write(f, 0, 2); // half of the length
      o.flush();
      Thread.sleep(500);
      o.write(f, 2, 10); // the rest of the header, and two bytes of the body
      o.flush();
      Thread.sleep(500);
      o.write(f, 12, f.length - 12);
      o.flush();
      Partition.Sync y = (Partition.Sync) got.get(10, TimeUnit.SECONDS);
      assertEquals(9, y.window());
      assertEquals(77, y.nextEventNanos());
      assertFalse(lostAtCoordinator.isDone(), "a stalled frame is not a lost node");
      o.write(java.nio.ByteBuffer.allocate(8).putInt(0).putInt(DataPlane.BYE).array());
      o.flush();
      assertNull(p1.receive(0));
    }
    assertFalse(lostAtCoordinator.isDone());
    assertTrue(lostAtNode.isEmpty());
  }

  /**
   * A length prefix far beyond the frame limit (from a peer that passed the handshake) fails the run as
   * a protocol error on this node: no allocation of that size, and not reported as a lost peer.
   */
  @Test
  void aHugeLengthPrefixFailsTheRunWithoutAllocatingIt() throws Exception {
    PartitionGroup.PeerTransport p1 = b.forNode(false);
    p1.open(endpoints(), coordinator);
    try (Socket s = connect(b)) {
      DataOutputStream o = handshake(s, b, 0, 1, "pekko://cnemu@127.0.0.1:4713", "");
      o.write(java.nio.ByteBuffer.allocate(16).putInt(Integer.MAX_VALUE).putInt(DataPlane.FRAME).putLong(0).array());
      o.flush();
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> p1.receive(0));
      assertTrue(e.getMessage().contains("out of step") && e.getMessage().contains(String.valueOf(Integer.MAX_VALUE)),
          e.getMessage());
    }
    assertFalse(lostAtCoordinator.isDone(), "a protocol error is not a lost node");
  }

  /** A frame cut off by the end of the connection: the peer is gone (it is a lost node), nothing hangs. */
  @Test
  void aTruncatedFrameThenEofIsALostNode() throws Exception {
    PartitionGroup.PeerTransport p1 = b.forNode(false);
    p1.open(endpoints(), coordinator);
    try (Socket s = connect(b)) {
      DataOutputStream o = handshake(s, b, 0, 1, "pekko://cnemu@127.0.0.1:4714", "");
      byte[] f = frame(new Partition.Sync(1, 0, 1, new int[] {0, 0}, new long[] {1, 2}, 3, 4), system);
      o.write(f, 0, f.length - 3);
      o.flush();
    }
    assertNull(p1.receive(0));
    assertEquals("pekko://cnemu@127.0.0.1:4714", lostAtCoordinator.get(10, TimeUnit.SECONDS));
  }

  /** A peer may only name the ring file this node expects for the pair: not another path, not a link. */
  @Test
  void ringFilesAreCheckedByOwnerPathAndNameNotByPrefix() throws Exception {
    DataPlane c = DataPlane.open(system, "ring", SECURITY, TOKEN, "127.0.0.1", 0, 0, true, lostAtNode::add,
        line -> {});
    try {
      org.junit.jupiter.api.Assumptions.assumeTrue(c.endpoint().split(" ").length == 3, "no machine id here");
      java.nio.file.Path dir = ShmPipe.directory().toRealPath();
      String prefix = "cnemu-" + java.util.HexFormat.of().formatHex(ClusterKey.derive(SECURITY.dataPlaneKey(TOKEN),
          "ring")).substring(0, 16) + "-";
      java.nio.file.Path right = dir.resolve(prefix + "0-1");
      java.nio.file.Path elsewhere = java.nio.file.Files.createTempDirectory("cnemu-ring").resolve(prefix + "0-1");
      try {
        ShmPipe.create(right, DataPlane.RING_BYTES);
        ShmPipe.create(elsewhere, DataPlane.RING_BYTES);
        assertEquals(right, c.checkedRing(right.toString(), 0, 1));
        assertNull(c.checkedRing(elsewhere.toString(), 0, 1), "same name, other folder");
        assertNull(c.checkedRing(right.toString(), 1, 0), "another pair's name");
        assertNull(c.checkedRing(dir.resolve("x/../" + right.getFileName()).toString(), 0, 1), "not normalised");
        java.nio.file.Files.delete(right);
        java.nio.file.Files.createSymbolicLink(right, elsewhere);
        assertNull(c.checkedRing(right.toString(), 0, 1), "a link to a file elsewhere");
        java.nio.file.Files.delete(right);
        java.nio.file.Files.createFile(right, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--")));
        assertNull(c.checkedRing(right.toString(), 0, 1), "readable by others, wrong size");
      } finally {
        java.nio.file.Files.deleteIfExists(right);
        java.nio.file.Files.deleteIfExists(elsewhere);
      }
    } finally {
      c.close();
    }
  }

  /**
   * Writes garbage of kind {@code kind} on {@code s}. The peer may close first (a refused handshake, the
   * connection cap under this flood): a reset or broken pipe on the write is a correct answer, not a failure.
   */
  private static void garbage(Socket s, int kind) throws java.io.IOException {
    try {
      switch (kind) {
        case 0 -> s.getOutputStream().write(new byte[] {'A', 'K', 'K', 'A', 1, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            0x7f});
        case 1 -> {
          DataOutputStream o = new DataOutputStream(s.getOutputStream());
          o.writeInt(DataPlane.MAGIC);
          o.write(new byte[DataPlane.NONCE_BYTES]);
          o.writeShort(0xffff); // a header far over the limit
        }
        case 2 -> s.getOutputStream().write(new byte[1024]);
        default -> { } // connect and leave
      }
    } catch (java.net.SocketException closedByPeer) {
      // the node hung up before reading it all
    }
  }

  /** Garbage, huge handshake headers and a flood of idle connections: closed, no thread or fd left behind. */
  @Test
  void aFloodOfGarbageConnectionsLeavesNothingBehind() throws Exception {
    long fds0 = openFds();
    int threads0 = Thread.activeCount();
    for (int i = 0; i < 1_000; i++) {
      try (Socket s = connect(b)) {
        s.setSoLinger(true, 0);
        garbage(s, i % 4);
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while ((openFds() > fds0 + 5 || Thread.activeCount() > threads0 + 5) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(openFds() <= fds0 + 5, "file descriptors: " + fds0 + " before, " + openFds() + " after");
    assertTrue(Thread.activeCount() <= threads0 + 5, "threads: " + threads0 + " before, " + Thread.activeCount());
    // still serving the run's own peers
    PartitionGroup.PeerTransport p0 = a.forNode(false);
    PartitionGroup.PeerTransport p1 = b.forNode(false);
    p0.open(endpoints(), coordinator);
    p1.open(endpoints(), coordinator);
    p0.send(1, new Partition.Sync(3, 0, 1, new int[] {0, 0}, new long[] {Long.MAX_VALUE, Long.MAX_VALUE}, 0, 0));
    p0.flush();
    assertEquals(3, ((Partition.Sync) p1.receive(0)).window());
    assertFalse(lostAtCoordinator.isDone());
  }

  static long openFds() throws java.io.IOException {
    try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      return s.count();
    }
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
    DataPlane c = DataPlane.open(system, run, SECURITY, TOKEN, "127.0.0.1", 0, 0, sharedMemory, lostAtNode::add, line -> {});
    DataPlane d = DataPlane.open(system, run, SECURITY, TOKEN, "127.0.0.1", 0, 0, sharedMemory, lostAtNode::add, line -> {});
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
        String prefix = "cnemu-" + java.util.HexFormat.of().formatHex(ClusterKey.derive(SECURITY.dataPlaneKey(TOKEN),
            "ring")).substring(0, 16);
        assertEquals(0, files.filter(f -> f.getFileName().toString().startsWith(prefix)).count(),
            "ring files are deleted once both ends have them mapped");
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
