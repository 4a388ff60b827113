package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.cnemu.emulator.phold.Phold;
import org.cnemu.emulator.phold.PholdParams;
import org.cnemu.emulator.phold.SequentialPhold;
import org.junit.jupiter.api.Test;

/**
 * A {@link PartitionGroup} that hosts every partition of a run, in this JVM: what a cluster node does
 * with its share, minus the data plane (no partition is on another node). Real JVMs:
 * {@code cluster.MultiJvmPholdTest} and experiments' {@code ClusterRunTest}.
 */
class PartitionGroupTest {

  /** A data plane for a node that hosts the whole run: it carries nothing. */
  static final class NoPeers implements PartitionGroup.PeerTransport {
    private final int n;

    NoPeers(int n) {
      this.n = n;
    }

    @Override
    public boolean[] open(List<String> dataEndpoints, ActorRef<Coordinator.Command> coordinator) {
      return new boolean[n];
    }

    @Override
    public void send(int partition, Partition.Command m) {
      throw new AssertionError("nothing leaves a group that hosts every partition");
    }

    @Override
    public void sendToAll(Partition.Command m) {
      // no other node
    }

    @Override
    public void flush() {}

    @Override
    public Partition.Command receive(int partition) {
      throw new AssertionError("nothing arrives from another node");
    }

    @Override
    public void close() {}
  }

  static SimulationResult runInOneGroup(SimulationBuilder b, long endNanos) {
    int n = b.partitions();
    CompletableFuture<SimulationResult> result = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(ctx -> {
      ActorRef<Partition.Command> group =
          ctx.spawn(PartitionGroup.create(IntStream.range(0, n).toArray(), b, endNanos, new NoPeers(n)), "group");
      // ArrayLists, as a node sends them: Init crosses the Kryo serializer (serialize-messages in tests)
      List<ActorRef<Partition.Command>> refs = new ArrayList<>(Collections.nCopies(n, group));
      ctx.spawn(Coordinator.createDistributed(b, endNanos, result, null, refs,
          new ArrayList<>(Collections.nCopies(n, "this node"))), "coordinator");
      return Behaviors.empty();
    }), "group-test", Simulation.actorSystemConfig(1, ConfigFactory.empty()));
    try {
      return Simulation.await(result.orTimeout(60, java.util.concurrent.TimeUnit.SECONDS));
    } finally {
      system.terminate();
    }
  }

  @Test
  void aGroupOfEveryPartitionGivesTheSequentialAnswerAndTheSameWindowsAndMessages() {
    PholdParams p = new PholdParams(64, 8, 100, 1_000, 0.7, 0);
    long end = 200_000;
    Phold.Outcome ref = SequentialPhold.run(p, 7, 0, end);
    SimulationBuilder actors = new SimulationBuilder(7, 0, 4, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, actors);
    SimulationResult byActors = Simulation.run(actors, end, 2);
    SimulationBuilder b = new SimulationBuilder(7, 0, 4, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    SimulationResult grouped = runInOneGroup(b, end);
    assertEquals(ref, Phold.outcome(grouped, p.lps()));
    assertEquals(byActors.windows(), grouped.windows());
    assertEquals(byActors.batches(), grouped.batches());
    assertEquals(byActors.pendingEvents(), grouped.pendingEvents());
    assertTrue(grouped.batches() > 0 && grouped.windows() > 1);
  }

  @Test
  void aCausalityViolationInAGroupFailsTheRunLoudly() {
    // Declared lookahead 1000 ns, real least delay 10 ns (CausalityTest, here in a group).
    PholdParams p = new PholdParams(32, 8, 1_000, 200, 1.0, 10);
    SimulationBuilder b = new SimulationBuilder(3, 0, 4, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    CausalityViolation v = assertThrows(CausalityViolation.class, () -> runInOneGroup(b, 1_000_000));
    assertTrue(v.getMessage().contains("declared lookahead 1000 ns"), v.getMessage());
    assertTrue(v.getMessage().matches("(?s).*stamped \\d+ ns but receiver clock is already \\d+ ns.*"),
        v.getMessage());
  }
}
