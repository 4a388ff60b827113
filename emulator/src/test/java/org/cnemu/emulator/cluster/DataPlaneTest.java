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
    a = DataPlane.open(system, "t", TOKEN, "127.0.0.1", 0, 0, lostAtNode::add);
    b = DataPlane.open(system, "t", TOKEN, "127.0.0.1", 0, 0, lostAtNode::add);
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
    Partition.PeerTransport p0 = a.forPartition(0, -1);
    Partition.PeerTransport p1 = b.forPartition(1, -1);
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

  @Test
  void aPeerThatVanishesIsALostNodeNamedByItsAddress() throws Exception {
    Partition.PeerTransport p1 = b.forPartition(1, -1);
    p1.open(endpoints(), coordinator);
    String port = b.endpoint().substring(b.endpoint().indexOf(':') + 1, b.endpoint().indexOf(' '));
    try (Socket s = new Socket("127.0.0.1", Integer.parseInt(port))) {
      DataOutputStream o = new DataOutputStream(s.getOutputStream());
      o.writeInt(DataPlane.MAGIC);
      o.writeUTF(TOKEN);
      o.writeInt(0);
      o.writeInt(1);
      o.writeUTF("pekko://cnemu@127.0.0.1:4711");
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
      DataOutputStream o = new DataOutputStream(s.getOutputStream());
      o.writeInt(DataPlane.MAGIC);
      o.writeUTF("not-the-token");
      o.writeInt(0);
      o.writeInt(1);
      o.writeUTF("pekko://intruder@127.0.0.1:1");
      o.flush();
      assertEquals(-1, new DataInputStream(s.getInputStream()).read(), "the server must close the connection");
    }
    // the run's own peers still get through, and the stranger was never taken for partition 0
    Partition.PeerTransport p0 = a.forPartition(0, -1);
    Partition.PeerTransport p1 = b.forPartition(1, -1);
    p0.open(endpoints(), coordinator);
    p1.open(endpoints(), coordinator);
    p0.send(1, new Partition.Sync(0, 0, 1, new int[] {0, 0}, new long[] {Long.MAX_VALUE, Long.MAX_VALUE}, 0, 0));
    p0.flush();
    assertEquals(0, ((Partition.Sync) p1.receive(0)).fromPartition());
    assertFalse(lostAtCoordinator.isDone());
  }

  @Test
  void autoPinningGivesEachPartitionOfANodeItsOwnCpuOrNone() {
    assertArrayEquals(new int[] {1}, DataPlane.autoPinning(new int[] {1}, 2));
    assertArrayEquals(new int[] {0, 1}, DataPlane.autoPinning(new int[] {0, 3}, 2));
    assertArrayEquals(new int[] {-1, -1}, DataPlane.autoPinning(new int[] {0, 2}, 2), "0 and 2 would share CPU 0");
    assertArrayEquals(new int[] {-1}, DataPlane.autoPinning(new int[] {0}, 1), "one CPU: nothing to gain");
  }
}
