package org.cnemu.emulator;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * Keeps the young generation's collection out of a partitioned run: before the run, when its eden has
 * less room left than the last partitioned run of this JVM allocated, it fills the eden with short-lived
 * arrays, so that the young collection the run would have met inside its windows happens now, at a known
 * point, with every partition thread still idle and the run's entities not yet built (what the collector
 * copies is what is live: here the model's description and what earlier jobs keep, not the run's
 * entities). Inside the windows a collection stops every partition while one thread collects, and the
 * other partitions wait for it at the next barrier (docs/benchmarks.md, "One large run in parallel").
 *
 * <p>A young collection, not {@code System.gc()}: under the serial collector that is a full collection,
 * which marks and compacts the whole old generation (everything a plan keeps for its summary) and costs
 * more (measured in docs/benchmarks.md). The filling costs what zeroing the eden's room left costs, and
 * only when the run would not fit.
 *
 * <p>What a run allocated is the growth of the eden's use from its start to its end when no collection
 * happened in between; with one, at least the room the eden had at the start plus its use at the end.
 * The first partitioned run of a JVM has no measure and collects only when the JVM does. Only for
 * collectors whose eden has a fixed size (serial, parallel): G1's eden grows and shrinks with its pause
 * goal, so its room is no measure of anything, and ZGC has none. Never changes results.
 */
final class EdenReserve {
  /** The arrays that fill the eden: well below any collector's large-object size. */
  static final int FILL_CHUNK_BYTES = 64 * 1024;

  /**
   * What {@link #before} saw and did: the eden's use it found, its use and capacity once done, the
   * collections so far, the last run's allocation, whether it collected and in how long.
   */
  record Start(long foundUsedBytes, long edenUsedBytes, long edenCapacityBytes, long collections, long needBytes,
      boolean collected, long collectNanos) {}

  private final MemoryPoolMXBean eden;
  private final List<GarbageCollectorMXBean> collectors;
  /** What the last measured partitioned run allocated, 0 before the first. */
  private long lastRunBytes;
  /** Keeps a filling array reachable from outside the method, so that the compiler cannot drop it. */
  @SuppressWarnings("unused")
  private static volatile Object sink;

  private static final EdenReserve JVM = new EdenReserve(eden(), ManagementFactory.getGarbageCollectorMXBeans());

  EdenReserve(MemoryPoolMXBean eden, List<GarbageCollectorMXBean> collectors) {
    this.eden = eden;
    this.collectors = collectors;
  }

  /** This JVM's. */
  static EdenReserve jvm() {
    return JVM;
  }

  /** The heap pool named eden, if it has a fixed size (see the class comment), else null. */
  static MemoryPoolMXBean eden() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getName().contains("Eden") && !p.getName().startsWith("G1")) {
        return p;
      }
    }
    return null;
  }

  /**
   * Before a partitioned run: collects the young generation now when the eden has less room than the
   * last run allocated ({@code enabled} false: only measures).
   */
  synchronized Start before(boolean enabled) {
    if (eden == null) return new Start(0, 0, 0, collections(), 0, false, 0);
    MemoryUsage u = eden.getUsage();
    long found = u.getUsed();
    long need = lastRunBytes;
    boolean collect = enabled && need > 0 && u.getCommitted() - u.getUsed() < need;
    long nanos = 0;
    if (collect) {
      long t0 = System.nanoTime();
      fill(u.getCommitted());
      nanos = System.nanoTime() - t0;
      u = eden.getUsage();
    }
    return new Start(found, u.getUsed(), u.getCommitted(), collections(), need, collect, nanos);
  }

  /** After the run: what it allocated becomes the measure for the next one. Returns that, 0 if unknown. */
  synchronized long after(Start start) {
    if (eden == null) return 0;
    long used = eden.getUsage().getUsed();
    long run = collections() == start.collections() ? used - start.edenUsedBytes()
        : start.edenCapacityBytes() - start.edenUsedBytes() + used;
    if (run > 0) lastRunBytes = run;
    return Math.max(0, run);
  }

  /** Allocates short-lived arrays until the young generation has been collected (at most an eden's worth more). */
  private void fill(long capacityBytes) {
    long before = collections();
    for (long n = capacityBytes / FILL_CHUNK_BYTES + 2; n > 0 && collections() == before; n--) {
      sink = new byte[FILL_CHUNK_BYTES];
    }
    sink = null;
  }

  /** Collections so far, of every collector of this JVM. */
  long collections() {
    long n = 0;
    for (GarbageCollectorMXBean c : collectors) n += Math.max(0, c.getCollectionCount());
    return n;
  }
}
