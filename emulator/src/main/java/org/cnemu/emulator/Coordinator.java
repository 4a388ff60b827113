package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns the global safe time. After every window it knows each partition's next event time and the
 * earliest event in flight to it, and opens the next window up to
 * {@code min over p (next_p + lookahead_p)}: no partition can then receive a message stamped inside
 * the window, so each runs its part alone. Empty stretches are skipped (the window starts at the
 * earliest pending event), and partitions with nothing to do in a window are not woken.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  public sealed interface Command extends org.cnemu.emulator.wire.WireMessage {}

  public record WindowDone(long window, int partition, long nextEventNanos, int[] sentBatches, long[] minSentNanos,
      long eventsSoFar, long busyWallNanosSoFar) implements Command {}

  public record PartitionFinished(int partition, List<EntityReport> reports, long events, long pendingEvents,
      long pendingPackets, long busyWallNanos) implements Command {}

  /** A model or engine error in a partition; carried as text so it can cross JVMs. */
  public record PartitionFailed(int partition, boolean causality, String message) implements Command {
    static PartitionFailed of(int partition, RuntimeException e) {
      String m = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
      if (!(e instanceof CausalityViolation) && !(e instanceof IllegalStateException)) {
        m = e.getClass().getSimpleName() + ": " + m + describe(e);
      }
      return new PartitionFailed(partition, e instanceof CausalityViolation, m);
    }

    private static String describe(RuntimeException e) {
      StackTraceElement[] st = e.getStackTrace();
      return st.length == 0 ? "" : " (at " + st[0] + ")";
    }
  }

  private final SimulationBuilder builder;
  private final long endNanos;
  private final CompletableFuture<SimulationResult> result;
  private final ProgressListener progress;
  private final int n;
  private final List<ActorRef<Partition.Command>> partitions = new ArrayList<>();
  private final long[] lookahead;
  private final long[] next;
  private final int[] incoming;
  private final long[] minIncoming;
  private int awaiting;
  private long window;
  private long prevUntil;
  private long windowsRun;
  private long partitionWakeups;
  private long batches;
  private final long startWall = System.nanoTime(); // wall section only
  private final List<PartitionFinished> finished = new ArrayList<>();
  private final long[] eventsSoFar;
  private final long[] busySoFar;
  private final EngineHealth health = new EngineHealth();

  /** One JVM: spawns the partitions as children. */
  public static Behavior<Command> create(SimulationBuilder builder, long endNanos,
      CompletableFuture<SimulationResult> result, ProgressListener progress) {
    return Behaviors.setup(ctx -> new Coordinator(ctx, builder, endNanos, result, progress, null));
  }

  /** Cluster: the partitions were spawned by the node agents; {@code refs} is in partition order. */
  public static Behavior<Command> createDistributed(SimulationBuilder builder, long endNanos,
      CompletableFuture<SimulationResult> result, ProgressListener progress, List<ActorRef<Partition.Command>> refs) {
    return Behaviors.setup(ctx -> new Coordinator(ctx, builder, endNanos, result, progress, refs));
  }

  /** A cluster node that hosts partitions became unreachable or left: the run cannot complete. */
  public record NodeLost(String address) implements Command {}

  private Coordinator(ActorContext<Command> ctx, SimulationBuilder builder, long endNanos,
      CompletableFuture<SimulationResult> result, ProgressListener progress, List<ActorRef<Partition.Command>> refs) {
    super(ctx);
    this.builder = builder;
    this.endNanos = endNanos;
    this.result = result;
    this.progress = progress;
    this.n = builder.partitions;
    this.lookahead = builder.partitionLookaheads();
    this.next = new long[n];
    this.incoming = new int[n];
    this.minIncoming = new long[n];
    this.eventsSoFar = new long[n];
    this.busySoFar = new long[n];
    Arrays.fill(minIncoming, Long.MAX_VALUE);
    if (refs != null) {
      partitions.addAll(refs);
    } else {
      for (int p = 0; p < n; p++) {
        partitions.add(ctx.spawn(Partition.create(p, builder, endNanos), "partition-" + p,
            DispatcherSelector.fromConfig(Simulation.DISPATCHER)));
      }
    }
    for (ActorRef<Partition.Command> p : partitions) p.tell(new Partition.Init(partitions, ctx.getSelf()));
    awaiting = n;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WindowDone.class, this::onWindowDone)
        .onMessage(PartitionFinished.class, this::onPartitionFinished)
        .onMessage(PartitionFailed.class, this::onPartitionFailed)
        .onMessage(NodeLost.class, this::onNodeLost)
        .build();
  }

  private Behavior<Command> onWindowDone(WindowDone m) {
    next[m.partition()] = m.nextEventNanos();
    eventsSoFar[m.partition()] = m.eventsSoFar();
    busySoFar[m.partition()] = m.busyWallNanosSoFar();
    for (int p = 0; p < n; p++) {
      if (m.sentBatches()[p] == 0) continue;
      incoming[p] += m.sentBatches()[p];
      batches += m.sentBatches()[p];
      minIncoming[p] = Math.min(minIncoming[p], m.minSentNanos()[p]);
    }
    if (--awaiting == 0) advance();
    return this;
  }

  private void advance() {
    long globalNext = Long.MAX_VALUE;
    long until = Long.MAX_VALUE;
    for (int p = 0; p < n; p++) {
      long np = Math.min(next[p], minIncoming[p]);
      next[p] = np;
      globalNext = Math.min(globalNext, np);
      if (np != Long.MAX_VALUE && lookahead[p] != Long.MAX_VALUE) until = Math.min(until, np + lookahead[p]);
    }
    if (progress != null) progress.onProgress(Math.min(prevUntil, endNanos), endNanos);
    health.afterWindow(eventsSoFar, busySoFar, incomingTotal(), prevUntil, startWall);
    if (globalNext >= endNanos) {
      for (int p = 0; p < n; p++) partitions.get(p).tell(new Partition.Finish(window, incoming[p]));
      awaiting = n;
      return;
    }
    until = Math.min(until, endNanos);
    window++;
    windowsRun++;
    for (int p = 0; p < n; p++) {
      if (next[p] < until || incoming[p] > 0) {
        partitions.get(p).tell(new Partition.RunWindow(window, prevUntil, until, incoming[p]));
        awaiting++;
        partitionWakeups++;
      }
      incoming[p] = 0;
      minIncoming[p] = Long.MAX_VALUE;
    }
    prevUntil = until;
  }

  private long incomingTotal() {
    long t = 0;
    for (int c : incoming) t += c;
    return t;
  }

  private Behavior<Command> onPartitionFinished(PartitionFinished m) {
    finished.add(m);
    if (--awaiting > 0) return this;
    long events = 0;
    long pending = 0;
    long pendingPackets = 0;
    long[] busy = new long[n];
    List<EntityReport> reports = new ArrayList<>();
    for (PartitionFinished f : finished) {
      events += f.events();
      pending += f.pendingEvents();
      pendingPackets += f.pendingPackets();
      busy[f.partition()] = f.busyWallNanos();
      reports.addAll(f.reports());
    }
    reports.sort(Comparator.comparingInt(EntityReport::index));
    if (progress != null) progress.onProgress(endNanos, endNanos);
    result.complete(new SimulationResult(endNanos, events, windowsRun, batches, pending, pendingPackets, reports,
        n, partitionWakeups, System.nanoTime() - startWall, busy));
    return Behaviors.stopped();
  }

  private Behavior<Command> onPartitionFailed(PartitionFailed m) {
    result.completeExceptionally(m.causality() ? new CausalityViolation(m.message())
        : new IllegalStateException("partition " + m.partition() + " failed: " + m.message()));
    return Behaviors.stopped();
  }

  private Behavior<Command> onNodeLost(NodeLost m) {
    result.completeExceptionally(new NodeLostException(m.address(), prevUntil));
    return Behaviors.stopped();
  }

  /** Virtual time settled so far (the start of the current window). */
  public long settledNanos() {
    return prevUntil;
  }

  /** Observes the advance of virtual time (called on the coordinator's thread; keep it cheap). */
  @FunctionalInterface
  public interface ProgressListener {
    void onProgress(long virtualNanos, long endNanos);
  }
}
