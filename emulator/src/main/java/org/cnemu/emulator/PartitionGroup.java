package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.cnemu.emulator.Partition.Command;
import org.cnemu.emulator.Partition.Deliver;
import org.cnemu.emulator.Partition.Init;
import org.cnemu.emulator.Partition.Sync;

/**
 * Partitions run on one thread in lockstep: every partition a cluster node hosts, when window traffic
 * between nodes goes over the direct data plane ({@link PeerTransport}, {@code org.cnemu.emulator.cluster.DataPlane}),
 * and, in one JVM, a thread's block of the run's partitions, the groups exchanging their windows
 * through a {@link LocalExchange} (a "node" below is then another group).
 *
 * <p>The window protocol is {@link Partition}'s, message for message (the same {@link Deliver}
 * batches and {@link Sync}s, so the same {@code engine.windows} and {@code engine.messages}): each
 * window, the group reads from every other node, over one connection, the batches its partitions
 * sent to the local ones and their syncs (each partition's batches come before its sync); then every
 * local partition runs the window in turn; then each ships its batches and its sync, to local
 * partitions in memory and to the other nodes over the data plane, a sync once per node, and each
 * connection is written once per window. All partitions hold the same syncs and compute the same
 * window, so the group keeps them once.
 *
 * <p>Why one thread: a partition that waits for its peers blocks in a read. With a thread per
 * partition, a node hosting several (or a run with more partitions than CPUs) pays several thread
 * wake-ups per window, and its own partitions exchanged their traffic through mailboxes; a window of
 * the 4-host star cost ~14 times its one-JVM time that way (docs/benchmarks.md).
 */
public final class PartitionGroup extends AbstractBehavior<Command> {

  /**
   * Carries a node's window traffic to the partitions on other JVMs, outside Pekko remoting: one
   * ordered stream per pair of nodes. Used from the group's thread only.
   */
  public interface PeerTransport {
    /**
     * Connects to the run's other nodes; returns, per partition, whether this transport carries it
     * (it is on another node). May pin the calling thread to a CPU.
     */
    boolean[] open(List<String> dataEndpoints, ActorRef<Coordinator.Command> coordinator);

    /** A batch for {@code partition}, on another node. */
    void send(int partition, Command m);

    /** A sync, once to every other node (it is for all their partitions). */
    void sendToAll(Command m);

    /** End of a window: nothing may stay buffered, a peer is waiting for it. */
    void flush();

    /**
     * Blocks until the next window message from the node that hosts {@code partition} arrives (they
     * come in the order sent). Null when this node's partitions must stop: the peer ended on its own
     * (it reports why), its node was lost (reported by the transport), or the run was stopped here.
     */
    Command receive(int partition);

    /** This node's partitions are done: tells the peers they ended on their own. */
    void close();

    /** Whether the run was stopped from outside (checked before each window); the data plane's ends in receive. */
    default boolean stopped() {
      return false;
    }
  }

  private final PartitionCore[] cores; // the local partitions, in partition order
  private final PeerTransport transport;
  private final PartitionCore.Outbox outbox = this::route;
  private final int[] slot; // by partition: its place in cores, or -1 when on another node
  private final int[] partitionOfEntity; // by entity index: the target partition of a batch
  private final List<Deliver>[] inbox; // by slot: the batches for the coming window
  private final Sync[] syncs; // by partition: the syncs of the last window
  private int[][] remoteNodes; // per other node, its partitions (the first names the node)
  private int[] nodeOf; // by partition on another node: its node's first partition
  private boolean started;
  private boolean opened;
  private long blockedWallNanos; // diagnostics: waiting in receive
  private long flushWallNanos; // diagnostics: writing the window's frames
  private final long buildWallNanos; // diagnostics: building the partitions' entities

  /**
   * @param partitions the node's partitions, ascending
   * @param transport the node's data plane for the run
   */
  public static Behavior<Command> create(int[] partitions, SimulationBuilder builder, long endNanos,
      PeerTransport transport) {
    return Behaviors.setup(ctx -> new PartitionGroup(ctx, partitions, builder, endNanos, transport));
  }

  @SuppressWarnings("unchecked")
  private PartitionGroup(ActorContext<Command> ctx, int[] partitions, SimulationBuilder builder, long endNanos,
      PeerTransport transport) {
    super(ctx);
    if (partitions.length == 0) throw new IllegalArgumentException("a partition group needs a partition");
    int n = builder.partitions;
    this.transport = transport;
    this.partitionOfEntity = builder.refs.stream().mapToInt(r -> r.partition).toArray();
    this.cores = new PartitionCore[partitions.length];
    this.inbox = new List[partitions.length];
    this.slot = new int[n];
    this.syncs = new Sync[n];
    Arrays.fill(slot, -1);
    long t0 = System.nanoTime(); // -Dcnemu.trace only
    for (int i = 0; i < partitions.length; i++) {
      if (i > 0 && partitions[i] <= partitions[i - 1]) throw new IllegalArgumentException("partitions must ascend");
      cores[i] = new PartitionCore(partitions[i], builder, endNanos);
      slot[partitions[i]] = i;
      inbox[i] = new ArrayList<>();
    }
    buildWallNanos = System.nanoTime() - t0;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Init.class, this::onInit)
        .onMessage(Deliver.class, m -> unexpected(m))
        .onMessage(Sync.class, m -> unexpected(m))
        .build();
  }

  private Behavior<Command> onInit(Init m) {
    if (started) return this; // one Init per group; a repeat changes nothing
    started = true;
    if (Partition.TRACE) {
      System.err.printf(java.util.Locale.ROOT, "TRACE partitions %s init at %d ms (entities built in %.3f s)%n",
          indexes(), System.nanoTime() / 1_000_000, buildWallNanos / 1e9);
    }
    for (PartitionCore c : cores) c.coordinator = m.coordinator();
    try {
      if (m.dataEndpoints().isEmpty()) {
        throw new IllegalStateException("a partition group needs the direct data plane");
      }
      boolean[] viaTransport = transport.open(m.dataEndpoints(), m.coordinator());
      opened = true;
      for (int q = 0; q < syncs.length; q++) {
        if (viaTransport[q] == (slot[q] >= 0)) {
          throw new IllegalStateException("partition " + q + " is " + (viaTransport[q] ? "" : "not ")
              + "on this node by the data plane endpoints, and the other way round by placement");
        }
      }
      // the other nodes, each with its partitions (same endpoint), in the order of their lowest
      java.util.Map<String, List<Integer>> byNode = new java.util.LinkedHashMap<>();
      for (int q = 0; q < syncs.length; q++) {
        if (viaTransport[q]) byNode.computeIfAbsent(m.dataEndpoints().get(q), e -> new ArrayList<>()).add(q);
      }
      remoteNodes = byNode.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
          .toArray(int[][]::new);
      nodeOf = new int[syncs.length];
      Arrays.fill(nodeOf, -1);
      for (int[] node : remoteNodes) for (int q : node) nodeOf[q] = node[0];
    } catch (RuntimeException e) {
      cores[0].fail(e);
      return stop();
    }
    for (PartitionCore c : cores) {
      if (!c.start()) return stop();
    }
    endWindows();
    return run();
  }

  /** Window after window until the run ends or fails here; the whole run happens in this call. */
  private Behavior<Command> run() {
    PartitionCore lead = cores[0];
    try {
      while (true) {
        if (transport.stopped() || !readRemote()) return stop(); // a peer stopped, its node was lost, or the run was stopped here
        for (int i = 0; i < cores.length; i++) {
          int expected = cores[i].expectedBatches(syncs);
          if (inbox[i].size() != expected) {
            throw new IllegalStateException("partition " + cores[i].index + " got " + inbox[i].size()
                + " batches for window " + lead.window + " where the syncs announce " + expected);
          }
        }
        lead.plan(syncs);
        if (slot[0] >= 0) cores[slot[0]].progress(syncs);
        if (lead.globalNextNanos >= lead.endNanos()) return finish();
        Arrays.fill(syncs, null);
        for (int i = 0; i < cores.length; i++) {
          PartitionCore c = cores[i];
          c.globalNextNanos = lead.globalNextNanos;
          c.untilNanos = lead.untilNanos;
          List<Deliver> got = inbox[i];
          inbox[i] = new ArrayList<>();
          if (!c.runWindow(got)) return stop();
        }
        endWindows();
      }
    } catch (RuntimeException e) {
      lead.fail(e);
      return stop();
    }
  }

  /**
   * Reads the current window's frames from every other node: its partitions' batches for the local
   * ones and their syncs (each partition's batches come before its sync). False: stop, the run is over
   * for this node.
   */
  private boolean readRemote() {
    long window = cores[0].window;
    long t0 = System.nanoTime(); // engine statistics only
    try {
      for (int[] node : remoteNodes) {
        for (int missing = node.length; missing > 0; ) {
          Command c = transport.receive(node[0]);
          if (c == null) return false;
          int to; // a batch's events all go to one partition
          if (c instanceof Deliver d && d.window() == window && nodeOf[d.fromPartition()] == node[0]
              && (to = slot[partitionOfEntity[d.events()[0].targetIndex]]) >= 0) {
            inbox[to].add(d);
          } else if (c instanceof Sync y && y.window() == window && nodeOf[y.fromPartition()] == node[0]
              && syncs[y.fromPartition()] == null) {
            syncs[y.fromPartition()] = y;
            missing--;
          } else {
            throw new IllegalStateException("partitions " + indexes() + " expected window " + window + " from node "
                + Arrays.toString(node) + ", got " + c.getClass().getSimpleName() + " of window "
                + (c instanceof Deliver d ? d.window() : c instanceof Sync y ? y.window() : -1));
          }
        }
      }
      return true;
    } finally {
      blockedWallNanos += System.nanoTime() - t0;
    }
  }

  /** Each local partition ships its outboxes and its sync; then every connection is written once. */
  private void endWindows() {
    for (int i = 0; i < cores.length; i++) {
      Sync mine = cores[i].endWindow(outbox);
      syncs[cores[i].index] = mine;
      transport.sendToAll(mine);
    }
    long t0 = System.nanoTime(); // engine statistics only
    transport.flush();
    flushWallNanos += System.nanoTime() - t0;
  }

  /** A batch from a local partition to partition {@code p}. */
  private void route(int p, Command m) {
    int to = slot[p];
    if (to >= 0) inbox[to].add((Deliver) m);
    else transport.send(p, m);
  }

  private Behavior<Command> finish() {
    if (Partition.TRACE) {
      StringBuilder busy = new StringBuilder();
      for (PartitionCore c : cores) {
        busy.append(String.format(" %d: %.3f s (sending %.3f s)", c.index, c.busyWallNanos / 1e9,
            c.sendWallNanos / 1e9));
      }
      System.err.printf("TRACE partitions %s finish at %d ms: windows %d, busy%s; blocked on the data plane %.3f s,"
          + " flushing %.3f s%n", indexes(), System.nanoTime() / 1_000_000, cores[0].windows, busy,
          blockedWallNanos / 1e9, flushWallNanos / 1e9);
    }
    closeTransports();
    long t0 = System.nanoTime(); // -Dcnemu.trace only
    for (int i = 0; i < cores.length; i++) cores[i].finish(inbox[i]);
    if (Partition.TRACE) {
      System.err.printf(java.util.Locale.ROOT, "TRACE partitions %s reported in %.3f s%n", indexes(),
          (System.nanoTime() - t0) / 1e9);
    }
    return Behaviors.stopped();
  }

  private Behavior<Command> stop() {
    closeTransports();
    return Behaviors.stopped();
  }

  /** Window traffic reaches a group over its data plane only. */
  private Behavior<Command> unexpected(Command m) {
    if (!started) throw new IllegalStateException("partition group " + indexes() + " got " + m + " before Init");
    cores[0].fail(new IllegalStateException("partition group " + indexes() + " got " + m.getClass().getSimpleName()
        + " through Pekko; window traffic must come over the data plane"));
    return stop();
  }

  private void closeTransports() {
    if (opened) transport.close();
    opened = false;
  }

  private String indexes() {
    return Arrays.toString(Arrays.stream(cores).mapToInt(c -> c.index).toArray());
  }
}
