package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.cnemu.emulator.wire.KryoSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every engine message goes through the project's Kryo serializer and comes back equal. */
class WireTest {
  static ActorSystem<Void> system;
  static Serialization ser;

  @BeforeAll
  static void start() {
    system = ActorSystem.create(Behaviors.empty(), "wire", Simulation.pekkoBase());
    ser = SerializationExtension.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  static Object roundTrip(Object o) throws Exception {
    Serializer s = ser.findSerializerFor(o);
    assertEquals(KryoSerializer.IDENTIFIER, s.identifier(), "serializer for " + o.getClass());
    byte[] bytes = s.toBinary(o);
    return s.fromBinary(bytes, scala.Option.empty());
  }

  @Test
  void engineMessagesRoundTrip() throws Exception {
    ActorRef<Partition.Command> p = system.systemActorOf(Behaviors.<Partition.Command>empty(), "p", org.apache.pekko.actor.typed.Props.empty());
    ActorRef<Coordinator.Command> c = system.systemActorOf(Behaviors.<Coordinator.Command>empty(), "c", org.apache.pekko.actor.typed.Props.empty());
    List<ActorRef<Partition.Command>> peers = new ArrayList<>(List.of(p));
    List<String> endpoints = List.of("127.0.0.1:4711 pekko://cnemu@127.0.0.1:25520 boot-id");
    Partition.Init init = (Partition.Init) roundTrip(new Partition.Init(peers, c, endpoints));
    assertEquals(peers, init.peers());
    assertEquals(c, init.coordinator());
    assertEquals(endpoints, init.dataEndpoints());
    assertEquals(new Coordinator.Progress(3, 10, 20, 2, 9, 77), roundTrip(new Coordinator.Progress(3, 10, 20, 2, 9, 77)));

    Channel ch = WireAccess.channel("h1->switch", 4, 1_000, true);
    Event ev = new Event(12_345, StableIds.key("h1/nic"), 77, 9, 4, ch, "payload");
    Partition.Deliver d = (Partition.Deliver) roundTrip(new Partition.Deliver(5, 1, new Event[] {ev}));
    Event back = d.events()[0];
    assertEquals(ev.timeNanos, back.timeNanos);
    assertEquals(ev.senderKey, back.senderKey);
    assertEquals(ev.senderSeq, back.senderSeq);
    assertEquals(ev.targetIndex, back.targetIndex);
    assertEquals(ev.senderIndex, back.senderIndex);
    assertEquals("h1->switch", back.channel.name());
    assertEquals(1_000, back.channel.lookaheadNanos());
    assertEquals("payload", back.message);

    Partition.Sync wd = (Partition.Sync) roundTrip(
        new Partition.Sync(4, 1, 99, new int[] {0, 1}, new long[] {Long.MAX_VALUE, 7}, 5, 6));
    assertArrayEquals(new int[] {0, 1}, wd.sentBatches());
    assertArrayEquals(new long[] {Long.MAX_VALUE, 7}, wd.minSentNanos());
    Coordinator.PartitionFinished pf = new Coordinator.PartitionFinished(1,
        new ArrayList<>(List.of(new EntityReport(3, "lp3", "r"))), 10, 2, 0, 5, 7, 8);
    assertEquals(pf, roundTrip(pf));
    Coordinator.PartitionFailed f = new Coordinator.PartitionFailed(0, true, "causality violation: x");
    assertEquals(f, roundTrip(f));
  }

  @Test
  void clusterMessagesRoundTrip() throws Exception {
    ActorRef<org.cnemu.emulator.cluster.ClusterDriver.Command> d = system.systemActorOf(
        Behaviors.<org.cnemu.emulator.cluster.ClusterDriver.Command>empty(), "d", org.apache.pekko.actor.typed.Props.empty());
    ActorRef<org.cnemu.emulator.cluster.NodeAgent.Command> a = system.systemActorOf(
        Behaviors.<org.cnemu.emulator.cluster.NodeAgent.Command>empty(), "a", org.apache.pekko.actor.typed.Props.empty());
    ActorRef<Partition.Command> p = system.systemActorOf(Behaviors.<Partition.Command>empty(), "p2",
        org.apache.pekko.actor.typed.Props.empty());
    assertEquals(new org.cnemu.emulator.cluster.NodeAgent.Hello(d),
        roundTrip(new org.cnemu.emulator.cluster.NodeAgent.Hello(d)));
    var spawn = new org.cnemu.emulator.cluster.NodeAgent.SpawnPartitions("run0", "model = phold", 7, 1, 4, "BLOCK",
        1_000_000, new int[] {1, 3}, d, "0123456789abcdef");
    var back = (org.cnemu.emulator.cluster.NodeAgent.SpawnPartitions) roundTrip(spawn);
    assertEquals(spawn.experimentHocon(), back.experimentHocon());
    assertArrayEquals(spawn.partitions(), back.partitions());
    assertEquals(spawn.replyTo(), back.replyTo());
    assertEquals(spawn.endNanos(), back.endNanos());
    assertEquals(spawn.dataToken(), back.dataToken());
    var hello = new org.cnemu.emulator.cluster.ClusterDriver.HelloReply(a, "pekko://cnemu@127.0.0.1:1", "v1");
    assertEquals(hello, roundTrip(hello));
    var spawned = new org.cnemu.emulator.cluster.ClusterDriver.PartitionsSpawned(new int[] {2},
        new ArrayList<>(List.of(p)), "127.0.0.1:4711 pekko://cnemu@127.0.0.1:25520");
    var spawnedBack = (org.cnemu.emulator.cluster.ClusterDriver.PartitionsSpawned) roundTrip(spawned);
    assertArrayEquals(new int[] {2}, spawnedBack.partitions());
    assertEquals(List.of(p), spawnedBack.refs());
    assertEquals(spawned.dataEndpoint(), spawnedBack.dataEndpoint());
    var failed = new org.cnemu.emulator.cluster.ClusterDriver.SpawnFailed("node", "boom");
    assertEquals(failed, roundTrip(failed));
    assertEquals(new Coordinator.NodeLost("pekko://x"), roundTrip(new Coordinator.NodeLost("pekko://x")));
    var phold = new org.cnemu.emulator.phold.PholdModel();
    for (Class<?> c : phold.wireClasses()) assertTrue(c.isRecord(), c + " travels as a record");
  }

  @Test
  void unregisteredClassesFailLoudly() throws Exception {
    record NotRegistered(int x) {}
    Channel ch = WireAccess.channel("c", 0, 1, true);
    Event ev = new Event(1, 1, 1, 1, 1, ch, new NotRegistered(1));
    Serializer s = ser.findSerializerFor(new Partition.Deliver(0, 0, new Event[] {ev}));
    Exception e = assertThrows(com.esotericsoftware.kryo.KryoException.class,
        () -> s.toBinary(new Partition.Deliver(0, 0, new Event[] {ev})));
    assertTrue(e.getMessage().contains("Class is not registered"), e.getMessage());
  }

  @Test
  void javaSerializationIsOff() {
    assertTrue(!system.settings().config().getBoolean("pekko.actor.allow-java-serialization"));
  }
}
