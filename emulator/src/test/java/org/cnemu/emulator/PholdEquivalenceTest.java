package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnemu.emulator.phold.Phold;
import org.cnemu.emulator.phold.PholdParams;
import org.cnemu.emulator.phold.SequentialPhold;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The actor engine processes exactly what the sequential reference does, whatever the threads and partitions. */
class PholdEquivalenceTest {

  static Phold.Outcome engine(PholdParams p, long seed, long endNanos, int partitions, int threads) {
    SimulationBuilder b = new SimulationBuilder(seed, 0, partitions, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    SimulationResult r = Simulation.run(b, endNanos, threads);
    return Phold.outcome(r, p.lps());
  }

  @ParameterizedTest(name = "seed={0} lps={1} pop={2} remote={3}")
  @CsvSource({
      "1, 16, 4, 0.5",
      "7, 64, 8, 0.9",
      "42, 128, 16, 0.5",
      "99, 33, 3, 0.1",
      "5, 1, 10, 0.5"
  })
  void sameEventsAndStateAsSequential(long seed, int lps, int pop, double remote) {
    PholdParams p = new PholdParams(lps, pop, 100, 1_000, remote, 0);
    long end = 200_000;
    Phold.Outcome ref = SequentialPhold.run(p, seed, 0, end);
    assertTrue(ref.events() > lps, "the reference must do real work");
    for (int partitions : new int[] {1, 2, 4}) {
      for (int threads : new int[] {1, 2, 4}) {
        assertEquals(ref, engine(p, seed, end, partitions, threads),
            "partitions=" + partitions + " threads=" + threads);
      }
    }
  }

  @ParameterizedTest(name = "hash placement, partitions={0}")
  @CsvSource({"3", "8"})
  void placementDoesNotMatter(int partitions) {
    PholdParams p = new PholdParams(50, 4, 50, 500, 0.7, 0);
    Phold.Outcome ref = SequentialPhold.run(p, 11, 0, 100_000);
    SimulationBuilder b = new SimulationBuilder(11, 0, partitions, SimulationBuilder.Placement.HASH);
    Phold.build(p, b);
    assertEquals(ref, Phold.outcome(Simulation.run(b, 100_000, 2), p.lps()));
  }

  @org.junit.jupiter.api.Test
  void differentSeedsDiffer() {
    PholdParams p = new PholdParams(16, 4, 100, 1_000, 0.5, 0);
    assertTrue(!SequentialPhold.run(p, 1, 0, 100_000).equals(SequentialPhold.run(p, 2, 0, 100_000)));
    assertTrue(!SequentialPhold.run(p, 1, 0, 100_000).equals(SequentialPhold.run(p, 1, 1, 100_000)),
        "run index is part of the stream seed");
  }
}
