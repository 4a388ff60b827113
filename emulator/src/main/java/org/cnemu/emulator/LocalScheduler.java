package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.List;

/**
 * The sequential core of one partition: a queue of pending events over the partition's entities,
 * processed strictly in (time, sender key, sender sequence) order up to the window's safe time.
 * Messages to other partitions are held in per-destination outboxes until the window ends.
 * No Pekko in here, so the loop can be benchmarked and tested on its own.
 */
final class LocalScheduler {
  final int partition;
  final int partitions;
  final long endNanos;
  final RandomStreams streams;
  private final Entity<?>[] entities; // by global index; null where not local
  private final EntityRef<?>[] refs;
  private final EventQueue queue = new EventQueue();
  @SuppressWarnings("unchecked")
  private final List<Event>[] outbox;
  private final long[] outboxMinNanos;
  /** Events before this time are settled: a delivery stamped earlier is a causality violation. */
  long safeFromNanos;
  long windowUntilNanos;
  long eventsProcessed;
  long eventsSentRemote;
  /** Entities of this partition. */
  int localEntities;
  private Entity<?> current;

  /**
   * Entities from which a partition's event queue touches each loaded bucket's targets and messages ahead of
   * their handlers (~110 emulated hosts; the measurement that placed it: docs/benchmarks.md, "The bucket
   * load's touch by partition size").
   */
  static final int TOUCH_MIN_ENTITIES = 4096;

  @SuppressWarnings("unchecked")
  LocalScheduler(int partition, SimulationBuilder b, long endNanos) {
    this.partition = partition;
    this.partitions = b.partitions;
    this.endNanos = endNanos;
    this.streams = b.streams();
    this.refs = b.refs.toArray(new EntityRef<?>[0]);
    this.entities = new Entity<?>[refs.length];
    this.outbox = new List[partitions];
    this.outboxMinNanos = new long[partitions];
    for (int p = 0; p < partitions; p++) {
      outbox[p] = new ArrayList<>();
      outboxMinNanos[p] = Long.MAX_VALUE;
    }
    // Built group by group (a host and what it owns), each group's entities in index order: their
    // objects are then allocated next to each other, and the compaction before the first event
    // (Simulation) keeps that order, so one host's state shares cache lines and pages. onStart and
    // everything else still go by index.
    for (int i : constructionOrder(b.groupOf, refs.length)) {
      if (refs[i].partition != partition) continue;
      Entity<?> e = b.factories.get(i).get();
      install(e, refs[i]);
      entities[i] = e;
      localEntities++;
    }
    // The queue's touch of a loaded bucket's targets overlaps cache misses that only a model larger than the
    // cache has; a small partition's entities stay in cache, and the touch would only add work per event.
    queue.targets = localEntities >= TOUCH_MIN_ENTITIES ? entities : null;
  }

  /** Entity indices {@code 0..n-1} by group (in order of first appearance), index order within a group. */
  static int[] constructionOrder(int[] groupOf, int n) {
    int groups = 0;
    for (int i = 0; i < n; i++) groups = Math.max(groups, groupOf[i] + 1);
    int[] start = new int[groups + 1];
    for (int i = 0; i < n; i++) start[groupOf[i] + 1]++;
    for (int g = 0; g < groups; g++) start[g + 1] += start[g];
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[start[groupOf[i]]++] = i;
    return order;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void install(Entity e, EntityRef ref) {
    e.scheduler = this;
    e.self = ref;
    e.selfKey = ref.key;
    e.selfIndex = ref.index;
    e.localChannel = localChannel;
  }

  /**
   * The one channel of every same-partition send: name and zero lookahead are all a causality report
   * reads from it, and it never crosses partitions, so the partition's entities share it (one object
   * per partition instead of one per entity: 20+ per emulated host).
   */
  private final Channel localChannel = new Channel("local", 0, 0, false);

  /** Runs every local entity's onStart at time 0, in index order. */
  void start() {
    for (Entity<?> e : entities) {
      if (e == null) continue;
      current = e;
      e.onStart();
    }
    current = null;
  }

  <T> void send(Entity<?> from, Channel channel, EntityRef<T> to, long delayNanos, T msg) {
    int toIndex;
    int toPartition;
    EntityRef<?> declared = channel.target;
    if (declared != null) {
      // a link: its one target's index and partition are on the channel, read anyway (no look at `to`)
      if (declared != to) {
        throw new IllegalStateException("entity " + from.self.name + " sent to " + to.name + " on channel '"
            + channel.name + "', which was declared to reach " + declared.name + " only");
      }
      toIndex = channel.targetIndex;
      toPartition = channel.targetPartition;
    } else {
      toIndex = to.index;
      toPartition = to.partition;
    }
    if (delayNanos < 0) {
      throw CausalityViolation.of(from.self.name, to.name, from.clockNanos + delayNanos, from.clockNanos,
          channel.lookaheadNanos, channel.name);
    }
    if (toPartition == partition) {
      // the hot path: straight into the queue's pooled slots, no event object
      queue.add(from.clockNanos + delayNanos, from.selfKey, from.nextSeq++, toIndex, from.selfIndex, channel, msg);
    } else {
      Event ev = new Event(from.clockNanos + delayNanos, from.selfKey, from.nextSeq++, toIndex, from.selfIndex,
          channel, msg);
      if (!channel.crossPartition) {
        throw new IllegalStateException("entity " + from.self.name + " sent to " + to.name
            + " in another partition over a local channel; declare a Channel with a lookahead");
      }
      outbox[toPartition].add(ev);
      if (ev.timeNanos < outboxMinNanos[toPartition]) outboxMinNanos[toPartition] = ev.timeNanos;
      eventsSentRemote++;
    }
  }

  /**
   * {@link #send} on the partition's local channel to the entity at {@code address} ({@link EntityRef#address()}):
   * the same event, with index and partition from the sender's copy instead of the target's {@link EntityRef}.
   */
  void send(Entity<?> from, long address, long delayNanos, Object msg) {
    int toIndex = EntityRef.addressIndex(address);
    if (delayNanos < 0) {
      throw CausalityViolation.of(from.self.name, refs[toIndex].name, from.clockNanos + delayNanos, from.clockNanos,
          localChannel.lookaheadNanos, localChannel.name);
    }
    if (EntityRef.addressPartition(address) != partition) {
      throw new IllegalStateException("entity " + from.self.name + " sent to " + refs[toIndex].name
          + " in another partition over a local channel; declare a Channel with a lookahead");
    }
    queue.add(from.clockNanos + delayNanos, from.selfKey, from.nextSeq++, toIndex, from.selfIndex, localChannel, msg);
  }

  /**
   * {@link #send} to the sender itself: same partition and index, so neither its {@code EntityRef} nor
   * a channel's target is read (with many hosts the ref is one more cold line per event: a core
   * schedules the end of every step it starts).
   */
  void scheduleSelf(Entity<?> from, long delayNanos, Object msg) {
    if (delayNanos < 0) {
      throw CausalityViolation.of(from.self.name, from.self.name, from.clockNanos + delayNanos, from.clockNanos,
          localChannel.lookaheadNanos, localChannel.name);
    }
    queue.add(from.clockNanos + delayNanos, from.selfKey, from.nextSeq++, from.selfIndex, from.selfIndex,
        localChannel, msg);
  }

  /** Accepts events from another partition, checking each against the settled time. */
  void deliver(Event[] batch) {
    for (Event ev : batch) {
      if (ev.timeNanos < safeFromNanos) {
        throw CausalityViolation.of(refs[ev.senderIndex].name, refs[ev.targetIndex].name, ev.timeNanos,
            safeFromNanos, ev.channel.lookaheadNanos, ev.channel.name);
      }
      queue.add(ev);
    }
  }

  /** Processes every event stamped before {@code untilNanos}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void runUntil(long untilNanos) {
    windowUntilNanos = untilNanos;
    final EventQueue q = queue;
    final Entity<?>[] es = entities;
    long n = 0;
    long t;
    while ((t = q.peekTime()) < untilNanos) {
      long ticket = q.poll();
      int s = EventQueue.slot(ticket);
      Entity e = es[EventQueue.target(ticket)];
      if (t < e.clockNanos) {
        Channel ch = q.channel(s);
        throw CausalityViolation.of(refs[q.sender(s)].name, e.self.name, t, e.clockNanos, ch.lookaheadNanos,
            ch.name);
      }
      Object msg = q.message(s);
      q.release(s); // before the handler: its sends may reuse the slot
      e.clockNanos = t;
      current = e;
      e.onMessage(msg);
      n++;
    }
    current = null;
    eventsProcessed += n;
    safeFromNanos = untilNanos;
  }

  long nextEventNanos() {
    return queue.peekTime();
  }

  int pendingEvents() {
    return queue.size();
  }

  /** Takes the outbox for partition {@code p} (empty array if nothing). */
  Event[] drainOutbox(int p) {
    List<Event> l = outbox[p];
    if (l.isEmpty()) return null;
    Event[] a = l.toArray(new Event[0]);
    l.clear();
    return a;
  }

  long outboxMinNanos(int p) {
    return outboxMinNanos[p];
  }

  void resetOutboxMin(int p) {
    outboxMinNanos[p] = Long.MAX_VALUE;
  }

  /** Collects the end-of-run reports of local entities, clock set to the end time. */
  List<EntityReport> reports() {
    List<EntityReport> out = new ArrayList<>();
    for (Entity<?> e : entities) {
      if (e == null) continue;
      e.clockNanos = Math.max(e.clockNanos, endNanos);
      Object r = e.report();
      if (r != null) out.add(new EntityReport(e.self.index, e.self.name, r));
    }
    return out;
  }

  /** Packets carried by events still pending: the "in flight" term of packet conservation. */
  long pendingPackets() {
    long[] sum = {0};
    queue.forEachMessage(m -> {
      if (m instanceof CarriesPackets c) sum[0] += c.packetCount();
    });
    return sum[0];
  }

  Entity<?> current() {
    return current;
  }
}
