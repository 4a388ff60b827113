package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimulationResultTest {
  private static SimulationResult run(long wallNanos, long[] busy, int partitionThreads) {
    return new SimulationResult(1_000, 10, 5, 0, 0, 0, List.of(), busy.length, 5L * busy.length, wallNanos, busy,
        partitionThreads);
  }

  @Test
  void barrierWaitShareCountsTheThreadsThatRanThePartitions() {
    long[] halfBusy = {500, 500};
    // one JVM, 2 dispatcher threads for 2 partitions: half of 2 x 1000 ns waited
    assertEquals(0.5, run(1_000, halfBusy, 0).barrierWaitShare(2), 1e-9);
    // one dispatcher thread: it was never idle
    assertEquals(0.0, run(1_000, halfBusy, 0).barrierWaitShare(1), 1e-9);
    // a cluster run: each partition on a node of its own, whatever the coordinating JVM's --threads 1
    assertEquals(0.5, run(1_000, halfBusy, 2).barrierWaitShare(1), 1e-9);
  }
}
