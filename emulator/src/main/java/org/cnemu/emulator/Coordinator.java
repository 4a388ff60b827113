package org.cnemu.emulator;

import java.util.ArrayList;
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
 * Starts a run and collects its end. The partitions synchronize among themselves (see
 * {@link Partition}): the coordinator is off the critical path, it introduces the partitions to
 * each other, relays progress, and gathers every partition's reports, or the first failure, or the
 * loss of a cluster node, into the run's {@link SimulationResult}.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  public sealed interface Command extends org.cnemu.emulator.wire.WireMessage {}

  /**
   * From partition 0, now and then: virtual time settled and engine totals so far, measured at
   * {@code atWallNanos} of partition 0's clock (rates use the sender's intervals: reports can queue
   * and arrive together).
   */
  public record Progress(long settledNanos, long events, long busyWallNanos, long batchesInFlight, long windows,
      long atWallNanos) implements Command {}

  public record PartitionFinished(int partition, List<EntityReport> reports, long events, long pendingEvents,
      long pendingPackets, long busyWallNanos, long windows, long batchesSent) implements Command {}

  /** A model or engine error in a partition; carried as text so it can cross JVMs. */
  public record PartitionFailed(int partition, boolean causality, String message) implements Command {
    static PartitionFailed of(int partition, Throwable e) {
      String m = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
      if (!(e instanceof CausalityViolation) && !(e instanceof IllegalStateException)) {
        m = e.getClass().getSimpleName() + ": " + m + describe(e);
      }
      return new PartitionFailed(partition, e instanceof CausalityViolation, m);
    }

    private static String describe(Throwable e) {
      StackTraceElement[] st = e.getStackTrace();
      return st.length == 0 ? "" : " (at " + st[0] + ")";
    }
  }

  /** A cluster node that hosts partitions became unreachable or left: the run cannot complete. */
  public record NodeLost(String address) implements Command {}

  private final long endNanos;
  private final CompletableFuture<SimulationResult> result;
  private final ProgressListener progress;
  private final int n;
  private final List<ActorRef<Partition.Command>> partitions = new ArrayList<>();
  /** Threads that ran the partitions: one per partition actor or group. */
  private final int partitionThreads;
  private final long startWall = System.nanoTime(); // wall section only
  private final List<PartitionFinished> finished = new ArrayList<>();
  private final EngineHealth health = new EngineHealth();
  private long settledNanos;
  /** -Dcnemu.trace: this JVM's CPU by thread kind at the start of the run. */
  private final java.util.Map<String, Double> jvmCpuAtStart =
      WindowTrace.ENABLED ? JvmCpu.read() : java.util.Map.of();

  /**
   * One JVM: spawns a {@link PartitionGroup} per thread of {@code exchange} as children, each on a
   * thread of its own (it waits for its peers' windows there, see {@link LocalExchange}).
   */
  static Behavior<Command> create(SimulationBuilder builder, long endNanos,
      CompletableFuture<SimulationResult> result, ProgressListener progress, LocalExchange exchange) {
    return Behaviors.setup(ctx -> {
      List<ActorRef<Partition.Command>> refs = new ArrayList<>();
      for (int g = 0; g < exchange.groups(); g++) {
        int[] members = exchange.members(g);
        ActorRef<Partition.Command> group = ctx.spawn(
            PartitionGroup.create(members, builder, endNanos, exchange.transport(g)), "partitions-" + g,
            DispatcherSelector.fromConfig(Simulation.PINNED_DISPATCHER));
        for (int ignored : members) refs.add(group);
      }
      return new Coordinator(ctx, builder, endNanos, result, progress, refs, exchange.endpoints());
    });
  }

  /** Cluster: the partitions were spawned by the node agents; {@code refs} is in partition order. */
  public static Behavior<Command> createDistributed(SimulationBuilder builder, long endNanos,
      CompletableFuture<SimulationResult> result, ProgressListener progress, List<ActorRef<Partition.Command>> refs,
      List<String> dataEndpoints) {
    return Behaviors.setup(ctx -> new Coordinator(ctx, builder, endNanos, result, progress, refs, dataEndpoints));
  }

  private Coordinator(ActorContext<Command> ctx, SimulationBuilder builder, long endNanos,
      CompletableFuture<SimulationResult> result, ProgressListener progress, List<ActorRef<Partition.Command>> refs,
      List<String> dataEndpoints) {
    super(ctx);
    this.endNanos = endNanos;
    this.result = result;
    this.progress = progress;
    this.n = builder.partitions;
    partitions.addAll(refs);
    // each actor (a partition, or a group of partitions) runs on a thread of its own
    partitionThreads = new java.util.HashSet<>(refs).size();
    // One Init per actor: a node's PartitionGroup stands for each of its partitions.
    for (ActorRef<Partition.Command> p : new java.util.LinkedHashSet<>(partitions)) {
      p.tell(new Partition.Init(partitions, ctx.getSelf(), dataEndpoints));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Progress.class, this::onProgress)
        .onMessage(PartitionFinished.class, this::onPartitionFinished)
        .onMessage(PartitionFailed.class, this::onPartitionFailed)
        .onMessage(NodeLost.class, this::onNodeLost)
        .build();
  }

  private Behavior<Command> onProgress(Progress m) {
    settledNanos = m.settledNanos();
    if (progress != null) progress.onProgress(Math.min(m.settledNanos(), endNanos), endNanos, m.events());
    health.update(m, n);
    return this;
  }

  private Behavior<Command> onPartitionFinished(PartitionFinished m) {
    if (WindowTrace.ENABLED) {
      System.err.printf("TRACE coordinator: partition %d finished at %d ms (started %d ms)%n", m.partition(),
          System.nanoTime() / 1_000_000, startWall / 1_000_000);
    }
    finished.add(m);
    if (finished.size() < n) return this;
    long endWall = System.nanoTime(); // the run's wall ends here: the trace's own lines are not in it
    if (WindowTrace.ENABLED) {
      String balance = WindowTrace.balance(getContext().getSelf(), 1_000_000);
      if (balance != null) System.err.println(balance);
      String windows = WindowTrace.summary(getContext().getSelf());
      if (windows != null) System.err.println(windows);
      System.err.println(JvmCpu.line("the run", jvmCpuAtStart, JvmCpu.read()));
    }
    long events = 0;
    long pending = 0;
    long pendingPackets = 0;
    long windows = 0;
    long batches = 0;
    long[] busy = new long[n];
    List<EntityReport> reports = new ArrayList<>();
    for (PartitionFinished f : finished) {
      events += f.events();
      pending += f.pendingEvents();
      pendingPackets += f.pendingPackets();
      busy[f.partition()] = f.busyWallNanos();
      windows = Math.max(windows, f.windows());
      batches += f.batchesSent();
      reports.addAll(f.reports());
    }
    reports.sort(Comparator.comparingInt(EntityReport::index));
    health.finish(endNanos, events, windows);
    if (progress != null) progress.onProgress(endNanos, endNanos);
    result.complete(new SimulationResult(endNanos, events, windows, batches, pending, pendingPackets, reports,
        n, windows * n, endWall - startWall, busy, partitionThreads));
    return Behaviors.stopped();
  }

  private Behavior<Command> onPartitionFailed(PartitionFailed m) {
    result.completeExceptionally(m.causality() ? new CausalityViolation(m.message())
        : new IllegalStateException("partition " + m.partition() + " failed: " + m.message()));
    return Behaviors.stopped();
  }

  private Behavior<Command> onNodeLost(NodeLost m) {
    result.completeExceptionally(new NodeLostException(m.address(), settledNanos));
    return Behaviors.stopped();
  }

  /** Observes the advance of virtual time (called on the coordinator's thread; keep it cheap). */
  @FunctionalInterface
  public interface ProgressListener {
    void onProgress(long virtualNanos, long endNanos);

    /** With the events processed so far (all partitions); defaults to the two-argument form. */
    default void onProgress(long virtualNanos, long endNanos, long events) {
      onProgress(virtualNanos, endNanos);
    }
  }
}
