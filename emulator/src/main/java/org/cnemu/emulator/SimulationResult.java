package org.cnemu.emulator;

import java.util.List;

/**
 * What a run produced. {@code events}, {@code windows}, {@code batches} and the reports depend only
 * on the experiment, seed and partition count; the wall figures depend on the machine.
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
    long[] partitionBusyWallNanos) {

  public double eventsPerWallSecond() {
    return wallNanos == 0 ? 0 : events * 1e9 / wallNanos;
  }

  /** Share of partition-time spent waiting at barriers rather than processing, 0..1. */
  public double barrierWaitShare(int threads) {
    long busy = 0;
    for (long b : partitionBusyWallNanos) busy += b;
    double capacity = (double) wallNanos * Math.min(threads, partitions);
    return capacity <= 0 ? 0 : Math.max(0, 1 - busy / capacity);
  }
}
