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
 * {@link LocalScheduler}, one window at a time, exchanging its window traffic through Pekko: on a
 * cluster whose window traffic goes over Artery. In one JVM, and on a cluster with the direct data
 * plane, partitions run in {@link PartitionGroup}s instead. Both run each partition's windows with a
 * {@link PartitionCore}.
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

  private final PartitionCore core;
  private List<ActorRef<Command>> peers;
  private final Map<Long, Sync[]> syncs = new HashMap<>();
  private final Map<Long, Integer> syncCounts = new HashMap<>();
  private final Map<Long, List<Deliver>> inbox = new HashMap<>();
  private boolean finished;

  public static Behavior<Command> create(int index, SimulationBuilder builder, long endNanos) {
    return Behaviors.setup(ctx -> new Partition(ctx, index, builder, endNanos));
  }

  private Partition(ActorContext<Command> ctx, int index, SimulationBuilder builder, long endNanos) {
    super(ctx);
    this.core = new PartitionCore(index, builder, endNanos);
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
    if (TRACE) System.err.printf("TRACE partition %d init at %d ms%n", core.index, System.nanoTime() / 1_000_000);
    this.peers = m.peers();
    core.coordinator = m.coordinator();
    if (!core.start()) return failed();
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
    syncs.computeIfAbsent(m.window(), w -> new Sync[core.n])[m.fromPartition()] = m;
    syncCounts.merge(m.window(), 1, Integer::sum);
  }

  /** Runs every window whose inputs are complete; stops the actor after the last. */
  private Behavior<Command> advance() {
    while (!finished && peers != null) {
      long window = core.window;
      Integer have = syncCounts.get(window);
      if (have == null || have < core.n) break;
      Sync[] s = syncs.get(window);
      List<Deliver> got = inbox.getOrDefault(window, List.of());
      if (got.size() < core.expectedBatches(s)) break;
      core.plan(s);
      syncs.remove(window);
      syncCounts.remove(window);
      inbox.remove(window);
      if (core.index == 0) core.progress(s);
      if (core.globalNextNanos >= core.endNanos()) {
        finish(got);
        return Behaviors.stopped();
      }
      if (!core.runWindow(got)) return failed();
      endWindow();
    }
    return finished ? Behaviors.stopped() : this;
  }

  /** Ships this window's outboxes, then its sync to every partition (its own directly). */
  private void endWindow() {
    Sync mine = core.endWindow(this::send);
    for (int p = 0; p < core.n; p++) {
      if (p != core.index) send(p, mine);
    }
    record(mine);
  }

  private void send(int p, Command m) {
    peers.get(p).tell(m);
  }

  private void finish(List<Deliver> last) {
    if (TRACE) {
      System.err.printf("TRACE partition %d finish at %d ms%n", core.index, System.nanoTime() / 1_000_000);
      System.err.printf("TRACE partition %d: windows %d busy %.3f s (sending %.3f s)%n", core.index, core.windows,
          core.busyWallNanos / 1e9, core.sendWallNanos / 1e9);
    }
    finished = true;
    core.finish(last);
  }

  /** Model code failed (the core reported it to the coordinator): this partition stops. */
  private Behavior<Command> failed() {
    finished = true;
    return Behaviors.stopped();
  }
}
