package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.cnemu.emulator.phold.Phold;
import org.cnemu.emulator.phold.PholdParams;
import org.cnemu.emulator.phold.SequentialPhold;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Partitioned runs in one JVM share a kept actor system instead of starting and stopping one each. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalActorSystemsTest {
  private static final PholdParams PHOLD = new PholdParams(64, 8, 100, 1_000, 0.7, 0);

  private static SimulationBuilder phold(int partitions, long seed) {
    SimulationBuilder b = new SimulationBuilder(seed, 0, partitions, SimulationBuilder.Placement.BLOCK);
    Phold.build(PHOLD, b);
    return b;
  }

  private static ActorSystem<Void> kept(int threads) {
    try (LocalActorSystems.Lease l = LocalActorSystems.acquire(threads, ConfigFactory.empty())) {
      return l.system().join();
    }
  }

  @Test
  void aPartitionedRunReusesTheActorSystemTheLastOneLeftRunning() {
    ActorSystem<Void> before = kept(2);
    for (long seed : new long[] {3, 4}) {
      SimulationResult r = Simulation.run(phold(2, seed), 200_000, 2);
      assertEquals(SequentialPhold.run(PHOLD, seed, 0, 200_000), Phold.outcome(r, PHOLD.lps()));
    }
    ActorSystem<Void> after = kept(2);
    assertSame(before, after, "the runs started an actor system of their own");
    assertFalse(after.whenTerminated().isCompleted(), "a run stopped the kept actor system");
  }

  @Test
  void anIdleSystemOfOtherSettingsStopsWhenAnotherStarts() {
    ActorSystem<Void> two = kept(2);
    ActorSystem<Void> three = kept(3);
    assertNotSame(two, three);
    two.getWhenTerminated().toCompletableFuture().join(); // idle: stopped (the test's timeout otherwise)
    assertFalse(three.whenTerminated().isCompleted());
    assertNotSame(two, kept(2), "a stopped system was handed out");
  }

  @Test
  void aSystemInUseIsNotStoppedForAnotherSettingsRun() {
    try (LocalActorSystems.Lease inUse = LocalActorSystems.acquire(2, ConfigFactory.empty())) {
      ActorSystem<Void> two = inUse.system().join();
      kept(5);
      assertFalse(two.whenTerminated().isCompleted(), "a system in use was stopped");
      SimulationResult r = Simulation.run(phold(2, 5), 200_000, 2);
      assertEquals(SequentialPhold.run(PHOLD, 5, 0, 200_000), Phold.outcome(r, PHOLD.lps()));
      assertSame(two, kept(2));
    }
  }

  @Test
  void aCancelledRunStopsItsCoordinatorAndTheNextRunGetsTheSameSystem() {
    ActorSystem<Void> before = kept(2);
    AtomicBoolean stop = new AtomicBoolean();
    Cancellation.watch(stop);
    try {
      // long enough to be cancelled: the first progress report asks it to stop
      assertThrows(RunInterrupted.class, () -> Simulation.run(phold(2, 6), 1_000_000_000L, 2,
          (virtualNanos, end) -> stop.set(true), ConfigFactory.empty()));
    } finally {
      Cancellation.clear();
    }
    SimulationResult r = Simulation.run(phold(2, 7), 200_000, 2);
    assertEquals(SequentialPhold.run(PHOLD, 7, 0, 200_000), Phold.outcome(r, PHOLD.lps()));
    assertSame(before, kept(2));
    assertTrue(!before.whenTerminated().isCompleted());
  }
}
