package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A Pekko actor that owns a group of entities (whole hosts) and runs them with a
 * {@link LocalScheduler}, one window at a time, exchanging its window traffic through Pekko: in one
 * JVM, and on a cluster whose window traffic goes over Artery. On a cluster with the direct data
 * plane, each node runs all its partitions in one {@link PartitionGroup} instead, whose
 * {@link PartitionCore} follows the same window logic as this class (kept inline here: the one-JVM
 * path measured ~3% slower through the shared class); {@code PartitionGroupTest} checks that both
 * give the same windows and batches.
 *
 * <p>Synchronization is symmetric (no central barrier on the critical path): after each window a
 * partition sends its cross-partition events in batches, then a {@link Sync} to every partition
 * with its next event time, how many batches it sent to each, and the earliest event in them.
 * Every partition thus holds the same P syncs and computes the same next window
 * {@code [.., min over q (next'_q + lookahead_q))}, where {@code next'_q} also counts events in
 * flight to q. A window starts only when all P syncs and every announced batch are in (message
 * counting: per-sender ordering alone is not trusted across nodes). Empty stretches of virtual time
 * are skipped, since the window starts at the earliest pending event anywhere.
 */
public final class Partition extends AbstractBehavior<Partition.Command> {

  public sealed interface Command extends org.cnemu.emulator.wire.WireMessage {}

  /**
   * Peers are known (in partition order); run onStart of every entity (window 0). A
   * {@link PartitionGroup} stands for each of its partitions in {@code peers} and gets one Init.
   *
   * @param dataEndpoints per partition, the cluster data plane endpoint of its node ({@code HOST:PORT ADDRESS});
   *     empty when window traffic goes through Pekko (one JVM, or a cluster with the Artery data plane)
   */
  public record Init(List<ActorRef<Command>> peers, ActorRef<Coordinator.Command> coordinator,
      List<String> dataEndpoints) implements Command {}

  /** Cross-partition events sent during {@code window}. */
  public record Deliver(long window, int fromPartition, Event[] events) implements Command {}

  /**
   * End of {@code window} at {@code fromPartition}: its next local event, the batches it sent to each
   * partition and the earliest event in them; engine statistics ride along for progress reports.
   */
  public record Sync(long window, int fromPartition, long nextEventNanos, int[] sentBatches, long[] minSentNanos,
      long eventsSoFar, long busyWallNanosSoFar) implements Command {}

  /** Events per Deliver message; keeps a remote message well under Artery's maximum frame size. */
  static final int MAX_EVENTS_PER_DELIVER = 8_192;
  /** -Dcnemu.trace=true: each partition prints where its wall time went (benchmarks only). */
  static final boolean TRACE = Boolean.getBoolean("cnemu.trace");
  static final long PROGRESS_EVERY_WALL_NANOS = 50_000_000L;

  private final int index;
  private final int n;
  private final LocalScheduler sched;
  private final long[] lookahead;
  private List<ActorRef<Command>> peers;
  private ActorRef<Coordinator.Command> coordinator;
  private final Map<Long, Sync[]> syncs = new HashMap<>();
  private final Map<Long, Integer> syncCounts = new HashMap<>();
  private final Map<Long, List<Deliver>> inbox = new HashMap<>();
  private long window; // last window this partition completed (0 = start)
  private long settledNanos; // the until of that window
  private long windows;
  private long batchesSent;
  private long busyWallNanos;
  private long sendWallNanos;
  private long lastProgressWall;
  private boolean finished;

  public static Behavior<Command> create(int index, SimulationBuilder builder, long endNanos) {
    return Behaviors.setup(ctx -> new Partition(ctx, index, builder, endNanos));
  }

  private Partition(ActorContext<Command> ctx, int index, SimulationBuilder builder, long endNanos) {
    super(ctx);
    this.index = index;
    this.n = builder.partitions;
    this.lookahead = builder.partitionLookaheads();
    this.sched = new LocalScheduler(index, builder, endNanos);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Init.class, this::onInit)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(Sync.class, this::onSync)
        .build();
  }

  private Behavior<Command> onInit(Init m) {
    if (TRACE) System.err.printf("TRACE partition %d init at %d ms%n", index, System.nanoTime() / 1_000_000);
    this.peers = m.peers();
    this.coordinator = m.coordinator();
    if (!work(() -> sched.start())) return Behaviors.stopped();
    endWindow();
    return advance();
  }

  private Behavior<Command> onDeliver(Deliver m) {
    inbox.computeIfAbsent(m.window(), w -> new ArrayList<>()).add(m);
    return advance();
  }

  private Behavior<Command> onSync(Sync m) {
    record(m);
    return advance();
  }

  private void record(Sync m) {
    syncs.computeIfAbsent(m.window(), w -> new Sync[n])[m.fromPartition()] = m;
    syncCounts.merge(m.window(), 1, Integer::sum);
  }

  /** Runs every window whose inputs are complete; stops the actor after the last. */
  private Behavior<Command> advance() {
    while (!finished && peers != null) {
      Integer have = syncCounts.get(window);
      if (have == null || have < n) break;
      Sync[] s = syncs.get(window);
      int expected = 0;
      for (Sync x : s) expected += x.sentBatches()[index];
      List<Deliver> got = inbox.getOrDefault(window, List.of());
      if (got.size() < expected) break;

      long globalNext = Long.MAX_VALUE;
      long until = Long.MAX_VALUE;
      for (int q = 0; q < n; q++) {
        long nq = s[q].nextEventNanos();
        for (Sync r : s) nq = Math.min(nq, r.minSentNanos()[q]);
        globalNext = Math.min(globalNext, nq);
        if (nq != Long.MAX_VALUE && lookahead[q] != Long.MAX_VALUE) until = Math.min(until, nq + lookahead[q]);
      }
      syncs.remove(window);
      syncCounts.remove(window);
      inbox.remove(window);
      if (index == 0) progress(s, false);
      if (globalNext >= sched.endNanos) {
        finish(got);
        return Behaviors.stopped();
      }
      final long windowUntil = Math.min(until, sched.endNanos);
      if (!work(() -> {
        sched.safeFromNanos = settledNanos;
        for (Deliver d : got) sched.deliver(d.events());
        sched.runUntil(windowUntil);
      })) {
        return Behaviors.stopped();
      }
      window++;
      windows++;
      settledNanos = windowUntil;
      endWindow();
    }
    return finished ? Behaviors.stopped() : this;
  }

  /** Ships this window's outboxes, then its sync to every partition (its own directly). */
  private void endWindow() {
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
      for (int from = 0; from < batch.length; from += MAX_EVENTS_PER_DELIVER) {
        int to = Math.min(batch.length, from + MAX_EVENTS_PER_DELIVER);
        Event[] chunk = from == 0 && to == batch.length ? batch : java.util.Arrays.copyOfRange(batch, from, to);
        send(p, new Deliver(window, index, chunk));
        sent[p]++;
      }
    }
    for (int c : sent) batchesSent += c;
    long spent = System.nanoTime() - t0;
    busyWallNanos += spent;
    sendWallNanos += spent;
    Sync mine = new Sync(window, index, sched.nextEventNanos(), sent, minSent, sched.eventsProcessed, busyWallNanos);
    for (int p = 0; p < n; p++) {
      if (p != index) send(p, mine);
    }
    record(mine);
  }

  private void send(int p, Command m) {
    peers.get(p).tell(m);
  }

  /** Partition 0 tells the coordinator how far the run has got, at most every 50 ms of wall time. */
  private void progress(Sync[] s, boolean force) {
    long now = System.nanoTime(); // progress display and engine health only
    if (!force && now - lastProgressWall < PROGRESS_EVERY_WALL_NANOS) return;
    lastProgressWall = now;
    long events = 0;
    long busy = 0;
    long inFlight = 0;
    for (Sync x : s) {
      events += x.eventsSoFar();
      busy += x.busyWallNanosSoFar();
      for (int c : x.sentBatches()) inFlight += c;
    }
    coordinator.tell(new Coordinator.Progress(settledNanos, events, busy, inFlight, windows));
  }

  private void finish(List<Deliver> last) {
    if (TRACE) {
      System.err.printf("TRACE partition %d finish at %d ms%n", index, System.nanoTime() / 1_000_000);
      System.err.printf("TRACE partition %d: windows %d busy %.3f s (sending %.3f s)%n", index, windows,
          busyWallNanos / 1e9, sendWallNanos / 1e9);
    }
    finished = true;
    try {
      // Events still in flight join the heap so they count as pending (packets in flight).
      sched.safeFromNanos = settledNanos;
      for (Deliver d : last) sched.deliver(d.events());
      coordinator.tell(new Coordinator.PartitionFinished(index, new ArrayList<>(sched.reports()),
          sched.eventsProcessed, sched.pendingEvents(), sched.pendingPackets(), busyWallNanos, windows, batchesSent));
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError v) throw v;
      coordinator.tell(Coordinator.PartitionFailed.of(index, e));
    }
  }

  /** Runs model code; any exception fails the run (reported to the coordinator) and stops this partition. */
  private boolean work(Runnable r) {
    long t0 = System.nanoTime(); // engine statistics only
    try {
      r.run();
      return true;
    } catch (RuntimeException | Error e) {
      // An assertion or other Error in model code fails the run like an exception; only a broken
      // JVM (out of memory, stack overflow) is rethrown. Never let a partition die silently.
      if (e instanceof VirtualMachineError v) throw v;
      finished = true;
      coordinator.tell(Coordinator.PartitionFailed.of(index, e));
      return false;
    } finally {
      busyWallNanos += System.nanoTime() - t0;
    }
  }
}
