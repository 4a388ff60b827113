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
 * {@link LocalScheduler}, one coordinator window at a time. Between windows it exchanges
 * cross-partition events in one batch per destination and tells the coordinator how many it sent,
 * so the next window starts only when every batch has arrived (message counting, not ordering).
 */
public final class Partition extends AbstractBehavior<Partition.Command> {

  public sealed interface Command extends org.cnemu.emulator.wire.WireMessage {}

  /** Peers are known; run onStart of every entity (window 0). */
  public record Init(List<ActorRef<Command>> peers, ActorRef<Coordinator.Command> coordinator) implements Command {}

  /** Process events in [fromNanos, untilNanos) once {@code expectedBatches} from window-1 are in. */
  public record RunWindow(long window, long fromNanos, long untilNanos, int expectedBatches) implements Command {}

  /** Cross-partition events sent during {@code window}. */
  public record Deliver(long window, int fromPartition, Event[] events) implements Command {}

  /** End of run: absorb the last batches, then report. */
  public record Finish(long window, int expectedBatches) implements Command {}

  /** Events per Deliver message; keeps a remote message well under Artery's maximum frame size. */
  static final int MAX_EVENTS_PER_DELIVER = 8_192;

  private final int index;
  private final LocalScheduler sched;
  private List<ActorRef<Command>> peers;
  private ActorRef<Coordinator.Command> coordinator;
  private final Map<Long, List<Deliver>> inbox = new HashMap<>();
  private Command waiting; // RunWindow or Finish waiting for batches
  private long busyWallNanos;

  public static Behavior<Command> create(int index, SimulationBuilder builder, long endNanos) {
    return Behaviors.setup(ctx -> new Partition(ctx, index, builder, endNanos));
  }

  private Partition(ActorContext<Command> ctx, int index, SimulationBuilder builder, long endNanos) {
    super(ctx);
    this.index = index;
    this.sched = new LocalScheduler(index, builder, endNanos);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Init.class, this::onInit)
        .onMessage(RunWindow.class, this::onRunWindow)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(Finish.class, this::onFinish)
        .build();
  }

  private Behavior<Command> onInit(Init m) {
    this.peers = m.peers();
    this.coordinator = m.coordinator();
    guarded(0, () -> sched.start());
    return this;
  }

  private Behavior<Command> onRunWindow(RunWindow m) {
    waiting = m;
    tryProceed();
    return this;
  }

  private Behavior<Command> onDeliver(Deliver m) {
    inbox.computeIfAbsent(m.window(), w -> new ArrayList<>()).add(m);
    if (waiting != null) tryProceed();
    return finished ? Behaviors.stopped() : this;
  }

  private Behavior<Command> onFinish(Finish m) {
    waiting = m;
    tryProceed();
    return finished ? Behaviors.stopped() : this;
  }

  private boolean finished;

  private void tryProceed() {
    long prevWindow;
    int expected;
    if (waiting instanceof RunWindow r) {
      prevWindow = r.window() - 1;
      expected = r.expectedBatches();
    } else if (waiting instanceof Finish f) {
      prevWindow = f.window();
      expected = f.expectedBatches();
    } else {
      return;
    }
    List<Deliver> got = inbox.getOrDefault(prevWindow, List.of());
    if (got.size() < expected) return;
    inbox.remove(prevWindow);
    Command w = waiting;
    waiting = null;
    // Batches are inserted into a heap keyed by (time, sender, seq): arrival order is irrelevant.
    if (w instanceof RunWindow r) {
      guarded(r.window(), () -> {
        sched.safeFromNanos = r.fromNanos();
        for (Deliver d : got) sched.deliver(d.events());
        sched.runUntil(r.untilNanos());
      });
    } else {
      Finish f = (Finish) w;
      try {
        sched.safeFromNanos = Math.min(sched.safeFromNanos, sched.endNanos);
        for (Deliver d : got) sched.deliver(d.events());
        coordinator.tell(new Coordinator.PartitionFinished(index, new ArrayList<>(sched.reports()),
            sched.eventsProcessed, sched.pendingEvents(), sched.pendingPackets(), busyWallNanos));
        finished = true;
      } catch (RuntimeException e) {
        coordinator.tell(Coordinator.PartitionFailed.of(index, e));
      }
    }
  }

  /** Runs a window's work, ships the outboxes and reports; any model exception fails the run. */
  private void guarded(long window, Runnable work) {
    long t0 = System.nanoTime(); // engine health statistics only (the wall section), never model time
    try {
      work.run();
    } catch (RuntimeException e) {
      coordinator.tell(Coordinator.PartitionFailed.of(index, e));
      return;
    }
    int n = peers.size();
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
        peers.get(p).tell(new Deliver(window, index, chunk));
        sent[p]++;
      }
    }
    busyWallNanos += System.nanoTime() - t0;
    coordinator.tell(new Coordinator.WindowDone(window, index, sched.nextEventNanos(), sent, minSent,
        sched.eventsProcessed, busyWallNanos));
  }
}
