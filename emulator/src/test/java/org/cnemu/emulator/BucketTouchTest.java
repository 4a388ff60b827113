package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A partition of many entities has its event queue touch each loaded bucket's targets ahead of their
 * handlers (their {@link Entity#prefetch()} is called); a small partition's queue does not, its model
 * staying in cache. The events and their order are the same either way.
 */
class BucketTouchTest {

  /**
   * {@code n} entities, each sending itself three events 1 us apart (each set in a later bucket than the one
   * loaded when it is sent); counts the prefetch calls and the deliveries.
   */
  private static SimulationBuilder entities(int n, AtomicLong prefetches, AtomicLong delivered) {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    for (int i = 0; i < n; i++) {
      b.add("e" + i, "g" + (i / 20), () -> new Entity<String>() {
        @Override
        protected void onStart() {
          schedule(1_000, "tick");
        }

        @Override
        protected void onMessage(String msg) {
          delivered.incrementAndGet();
          if (clockNanos < 3_000) schedule(1_000, "tick");
        }

        @Override
        protected long prefetch() {
          prefetches.incrementAndGet();
          return 0;
        }
      });
    }
    return b;
  }

  @Test
  void aLargePartitionsQueueTouchesTheTargetsOfEveryLoadedEvent() {
    AtomicLong prefetches = new AtomicLong();
    AtomicLong delivered = new AtomicLong();
    Simulation.runSequential(entities(LocalScheduler.TOUCH_MIN_ENTITIES, prefetches, delivered), 100_000, null);
    assertEquals(3L * LocalScheduler.TOUCH_MIN_ENTITIES, delivered.get());
    assertEquals(delivered.get(), prefetches.get()); // one prefetch per event, at its bucket's load
  }

  @Test
  void aSmallPartitionsQueueTouchesNone() {
    AtomicLong prefetches = new AtomicLong();
    AtomicLong delivered = new AtomicLong();
    int n = LocalScheduler.TOUCH_MIN_ENTITIES - 1;
    Simulation.runSequential(entities(n, prefetches, delivered), 100_000, null);
    assertEquals(3L * n, delivered.get());
    assertEquals(0, prefetches.get());
    assertTrue(n > 1000, "a partition of some size, not a trivial one");
  }
}
