package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.cnemu.emulator.Partition.Deliver;
import org.cnemu.emulator.Partition.Sync;

/**
 * One partition's window logic: its {@link LocalScheduler}, the window it has reached, the window
 * bounds from the syncs, its batches and sync, the reports and failures, and the engine statistics;
 * no Pekko and no I/O. The {@link Partition} actor (window traffic through Pekko) and the
 * {@link PartitionGroup} (a node's partitions on one thread over the data plane) both run their
 * partitions with it, so the two paths cannot drift apart.
 */
final class PartitionCore {
  /** Where a partition's window traffic goes. */
  @FunctionalInterface
  interface Outbox {
    void send(int partition, Partition.Command m);
  }

  final int index;
  final int n;
  final LocalScheduler sched;
  private final long[] lookahead;
  ActorRef<Coordinator.Command> coordinator;
  long window; // last window this partition completed (0 = start)
  long settledNanos; // the until of that window
  long windows;
  long batchesSent;
  long busyWallNanos;
  long sendWallNanos;
  /** Set by {@link #plan}: the earliest event pending anywhere, and where the next window ends. */
  long globalNextNanos;
  long untilNanos;
  private long lastProgressWall;
  /** -Dcnemu.trace: this partition's windows (null when off). */
  private WindowTrace trace;

  PartitionCore(int index, SimulationBuilder builder, long endNanos) {
    this.index = index;
    this.n = builder.partitions;
    this.lookahead = builder.partitionLookaheads();
    this.sched = new LocalScheduler(index, builder, endNanos);
  }

  /**
   * The next window from the P syncs of the last one (every partition holds the same syncs, so every
   * partition computes the same window): {@code [settled, min over q (next'_q + lookahead_q))}, where
   * {@code next'_q} also counts the events in flight to q. Sets {@link #globalNextNanos} and
   * {@link #untilNanos}; the run is over when {@code globalNextNanos >= endNanos()}.
   */
  void plan(Sync[] s) {
    long globalNext = Long.MAX_VALUE;
    long until = Long.MAX_VALUE;
    for (int q = 0; q < n; q++) {
      long nq = s[q].nextEventNanos();
      for (Sync r : s) nq = Math.min(nq, r.minSentNanos()[q]);
      globalNext = Math.min(globalNext, nq);
      if (nq != Long.MAX_VALUE && lookahead[q] != Long.MAX_VALUE) until = Math.min(until, nq + lookahead[q]);
    }
    globalNextNanos = globalNext;
    untilNanos = Math.min(until, sched.endNanos);
  }

  long endNanos() {
    return sched.endNanos;
  }

  /** Window 0: every local entity's onStart. False: the run failed (reported). */
  boolean start() {
    return work(sched::start);
  }

  /**
   * Runs the window {@link #plan} computed, after the events that arrived for it (each checked
   * against the settled time: one stamped earlier is a {@link CausalityViolation}). False: the run
   * failed (reported to the coordinator).
   */
  boolean runWindow(List<Deliver> got) {
    final long windowUntil = untilNanos;
    if (WindowTrace.ENABLED) {
      if (trace == null) trace = WindowTrace.of(coordinator, index, n);
      if (trace != null) trace.begin(sched.eventsProcessed);
    }
    if (!work(() -> {
      sched.safeFromNanos = settledNanos;
      for (Deliver d : got) sched.deliver(d.events());
      sched.runUntil(windowUntil);
    })) {
      return false;
    }
    window++;
    windows++;
    settledNanos = windowUntil;
    return true;
  }

  /**
   * Ships this window's outboxes (in batches of at most {@link Partition#MAX_EVENTS_PER_DELIVER}
   * events) and returns its sync, which the caller sends to every other partition.
   */
  Sync endWindow(Outbox out) {
    long t0 = System.nanoTime(); // engine statistics only (the wall section), never model time
    int[] sent = new int[n];
    long[] minSent = new long[n];
    for (int p = 0; p < n; p++) {
      minSent[p] = Long.MAX_VALUE;
      if (p == index) continue;
      Event[] batch = sched.drainOutbox(p);
      if (batch == null) continue;
      minSent[p] = sched.outboxMinNanos(p);
      sched.resetOutboxMin(p);
      // Large batches go in chunks so no single remote message exceeds Artery's frame size.
      for (int from = 0; from < batch.length; from += Partition.MAX_EVENTS_PER_DELIVER) {
        int to = Math.min(batch.length, from + Partition.MAX_EVENTS_PER_DELIVER);
        Event[] chunk = from == 0 && to == batch.length ? batch : java.util.Arrays.copyOfRange(batch, from, to);
        out.send(p, new Deliver(window, index, chunk));
        sent[p]++;
      }
    }
    for (int c : sent) batchesSent += c;
    long spent = System.nanoTime() - t0;
    busyWallNanos += spent;
    sendWallNanos += spent;
    if (trace != null) trace.end(sched.eventsProcessed);
    return new Sync(window, index, sched.nextEventNanos(), sent, minSent, sched.eventsProcessed, busyWallNanos);
  }

  /** Batches the syncs of a window announce for this partition: message counting. */
  int expectedBatches(Sync[] s) {
    int expected = 0;
    for (Sync x : s) expected += x.sentBatches()[index];
    return expected;
  }

  /** Tells the coordinator how far the run has got (partition 0), at most every 50 ms of wall time. */
  void progress(Sync[] s) {
    long now = System.nanoTime(); // progress display and engine health only
    if (now - lastProgressWall < Partition.PROGRESS_EVERY_WALL_NANOS) return;
    lastProgressWall = now;
    long events = 0;
    long busy = 0;
    long inFlight = 0;
    for (Sync x : s) {
      events += x.eventsSoFar();
      busy += x.busyWallNanosSoFar();
      for (int c : x.sentBatches()) inFlight += c;
    }
    coordinator.tell(new Coordinator.Progress(settledNanos, events, busy, inFlight, windows, now));
  }

  /** The run is over: events still in flight join the heap (they count as pending), then the reports. */
  void finish(List<Deliver> last) {
    try {
      sched.safeFromNanos = settledNanos;
      for (Deliver d : last) sched.deliver(d.events());
      coordinator.tell(new Coordinator.PartitionFinished(index, new ArrayList<>(sched.reports()),
          sched.eventsProcessed, sched.pendingEvents(), sched.pendingPackets(), busyWallNanos, windows, batchesSent));
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError v) throw v;
      coordinator.tell(Coordinator.PartitionFailed.of(index, e));
    }
  }

  /** Reports a failure of this partition that is not the model's (e.g. its data plane could not open). */
  void fail(Throwable e) {
    coordinator.tell(Coordinator.PartitionFailed.of(index, e));
  }

  /** Runs model code; any exception fails the run (reported to the coordinator): false. */
  private boolean work(Runnable r) {
    long t0 = System.nanoTime(); // engine statistics only
    try {
      r.run();
      return true;
    } catch (RuntimeException | Error e) {
      // An assertion or other Error in model code fails the run like an exception; only a broken
      // JVM (out of memory, stack overflow) is rethrown. Never let a partition die silently.
      if (e instanceof VirtualMachineError v) throw v;
      coordinator.tell(Coordinator.PartitionFailed.of(index, e));
      return false;
    } finally {
      busyWallNanos += System.nanoTime() - t0;
    }
  }
}
