package org.cnemu.emulator;

import java.util.List;

/**
 * What a run produced. {@code events}, {@code windows}, {@code batches} and the reports depend only
 * on the experiment, seed and partition count; the wall figures depend on the machine.
 *
 * @param partitionThreads threads that ran the partitions when the engine knows them (1 for a
 *     sequential run, the partition actors or node groups of a cluster run); 0: the local dispatcher's
 */
public record SimulationResult(
    long endNanos,
    long events,
    long windows,
    long batches,
    long pendingEvents,
    long pendingPackets,
    List<EntityReport> reports,
    int partitions,
    long partitionWakeups,
    long wallNanos,
    long[] partitionBusyWallNanos,
    int partitionThreads) {

  public double eventsPerWallSecond() {
    return wallNanos == 0 ? 0 : events * 1e9 / wallNanos;
  }

  /**
   * Share of the partition threads' time spent waiting at barriers rather than processing, 0..1.
   *
   * @param threads the local dispatcher's threads; used unless the run says how many threads ran its
   *     partitions ({@link #partitionThreads}: a cluster run, one per node's group or per partition actor,
   *     whatever the coordinating JVM's own setting)
   */
  public double barrierWaitShare(int threads) {
    long busy = 0;
    for (long b : partitionBusyWallNanos) busy += b;
    int used = partitionThreads > 0 ? partitionThreads : Math.min(threads, partitions);
    double capacity = (double) wallNanos * used;
    return capacity <= 0 ? 0 : Math.max(0, 1 - busy / capacity);
  }
}
