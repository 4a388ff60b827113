package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.emulator.phold.Phold;
import org.cnemu.emulator.phold.PholdParams;
import org.cnemu.emulator.phold.SequentialPhold;
import org.junit.jupiter.api.Test;

/** One partition runs without an actor system; it must be indistinguishable from the actor path. */
class SequentialPathTest {

  private static SimulationBuilder phold(PholdParams p, long seed) {
    SimulationBuilder b = new SimulationBuilder(seed, 0, 1, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    return b;
  }

  @Test
  void sameResultAsTheActorEngineAndTheReference() {
    PholdParams p = new PholdParams(64, 8, 100, 1_000, 0.5, 0);
    long end = 300_000;
    SimulationResult seq = Simulation.runSequential(phold(p, 9), end, null);
    SimulationResult act = Simulation.runActors(phold(p, 9), end, new LocalExchange(1, 2, 0), null,
        Simulation.actorSystemConfig(2, ConfigFactory.empty()));
    assertEquals(Phold.outcome(act, p.lps()), Phold.outcome(seq, p.lps()));
    assertEquals(SequentialPhold.run(p, 9, 0, end), Phold.outcome(seq, p.lps()));
    assertEquals(act.events(), seq.events());
    assertEquals(act.windows(), seq.windows());
    assertEquals(act.batches(), seq.batches());
    assertEquals(act.partitionWakeups(), seq.partitionWakeups());
    assertEquals(act.pendingEvents(), seq.pendingEvents());
    assertEquals(act.pendingPackets(), seq.pendingPackets());
    assertEquals(act.reports().size(), seq.reports().size());
  }

  @Test
  void progressIsMonotoneAndEndsAtTheEnd() {
    PholdParams p = new PholdParams(8, 2, 100, 1_000, 0.5, 0);
    List<Long> seen = new ArrayList<>();
    Simulation.runSequential(phold(p, 1), 50_000, (v, e) -> seen.add(v));
    assertTrue(seen.size() > 2);
    for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) >= seen.get(i - 1));
    assertEquals(50_000L, seen.get(seen.size() - 1));
  }

  @Test
  void modelErrorsFailTheRunLikeThePartitionActorDoes() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    b.add("boom", "g", () -> new Entity<String>() {
      @Override
      protected void onStart() {
        schedule(10, "x");
      }

      @Override
      protected void onMessage(String msg) {
        throw new ArithmeticException("bad cost");
      }
    });
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Simulation.run(b, 100, 1));
    assertTrue(e.getMessage().startsWith("partition 0 failed: ArithmeticException: bad cost"), e.getMessage());
  }
}
