package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * A one-partition run with many entities compacts the heap once before its first event (a full
 * collection: the model's objects keep their allocation order, host by host); a small run does not.
 */
class HeapCompactionTest {

  /** Full (old-generation) collections so far, whichever collector the test JVM runs. */
  private static long fullCollections() {
    long n = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      String name = b.getName();
      if (name.equals("MarkSweepCompact") || name.equals("G1 Old Generation") || name.equals("PS MarkSweep")) {
        n += b.getCollectionCount();
      }
    }
    return n;
  }

  private static SimulationBuilder entities(int n) {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    for (int i = 0; i < n; i++) {
      b.add("e" + i, "g" + (i / 20), () -> new Entity<String>() {
        @Override
        protected void onStart() {
          schedule(1, "tick");
        }

        @Override
        protected void onMessage(String msg) {}
      });
    }
    return b;
  }

  @Test
  void manyEntitiesCompactBeforeTheFirstEvent() {
    SimulationBuilder b = entities(Simulation.COMPACT_MIN_ENTITIES);
    long before = fullCollections();
    Simulation.runSequential(b, 10, null);
    assertTrue(fullCollections() > before, "no full collection in a run of " + Simulation.COMPACT_MIN_ENTITIES + " entities");
  }

  @Test
  void smallRunsDoNot() {
    SimulationBuilder b = entities(64);
    long before = fullCollections();
    Simulation.runSequential(b, 10, null);
    assertTrue(fullCollections() == before, "a full collection in a run of 64 entities");
  }
}
