package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Collects the entities of a run and places them on partitions. Placement is a stable function of
 * the entity's group (a host and all it owns form one group) and the partition count; results do
 * not depend on it because event order does not.
 */
public final class SimulationBuilder {
  final long seed;
  final int runIndex;
  final int partitions;
  final List<EntityRef<?>> refs = new ArrayList<>();
  final List<Supplier<? extends Entity<?>>> factories = new ArrayList<>();
  final List<Channel> channels = new ArrayList<>();
  private final Map<Long, String> keys = new HashMap<>();
  private final Map<String, Integer> groupPartition = new HashMap<>();
  private final Map<String, Integer> groupOrdinal = new HashMap<>();
  /** Per entity index: the ordinal of its group in order of first appearance. */
  int[] groupOf = new int[16];
  private int groupsSeen;
  private final Placement placement;

  /** How groups map to partitions. */
  public enum Placement {
    /** Groups in order of first appearance, dealt out in contiguous blocks (keeps neighbours together). */
    BLOCK,
    /** Stable hash of the group name: independent of the build order. */
    HASH
  }

  public SimulationBuilder(long seed, int runIndex, int partitions, Placement placement) {
    if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1");
    this.seed = seed;
    this.runIndex = runIndex;
    this.partitions = partitions;
    this.placement = placement;
  }

  public long seed() {
    return seed;
  }

  public int runIndex() {
    return runIndex;
  }

  public int partitions() {
    return partitions;
  }

  public Placement placement() {
    return placement;
  }

  public RandomStreams streams() {
    return new RandomStreams(seed, runIndex);
  }

  /**
   * BLOCK placement's plan, when the model declared one: each group's partition, from its expected
   * load (see {@link #expectGroups}).
   */
  private Map<String, Integer> plannedPartition;

  /**
   * Declares the groups up front for BLOCK placement, in the order they will appear, each with its
   * expected share of the run's work (any unit, same for all): groups are dealt out in contiguous
   * blocks of about equal total weight, a group going to the partition where its block starts. Why by
   * weight and not by count: a central switch forwards every host's packets, and the partition that
   * holds it would otherwise carry its work on top of an equal share of hosts. Optional: without it
   * BLOCK degenerates to round-robin. Placement never changes results, only speed.
   */
  public SimulationBuilder expectGroups(Map<String, Long> weights) {
    long total = 0;
    for (long w : weights.values()) {
      if (w <= 0) throw new IllegalArgumentException("group weights must be positive");
      total += w;
    }
    Map<String, Integer> plan = new HashMap<>();
    int groups = weights.size();
    long before = 0;
    int k = 0;
    int last = 0;
    for (Map.Entry<String, Long> g : weights.entrySet()) {
      // where its block starts (with equal weights: ordinal * partitions / groups), but never skipping
      // a partition and leaving enough groups for the partitions after it: no partition stays empty
      int p = (int) (Math.multiplyExact(before, partitions) / total);
      p = Math.max(Math.max(last, partitions - groups + k), Math.min(p, k == 0 ? 0 : last + 1));
      plan.put(g.getKey(), p);
      last = p;
      before += g.getValue();
      k++;
    }
    this.plannedPartition = plan;
    return this;
  }

  /** Adds an entity; the factory runs only in the JVM that hosts its partition. */
  public <M, E extends Entity<M>> EntityRef<M> add(String name, String group, Supplier<E> factory) {
    long key = StableIds.key(name);
    String clash = keys.putIfAbsent(key, name);
    if (clash != null) {
      throw new IllegalArgumentException(clash.equals(name)
          ? "duplicate entity name '" + name + "'"
          : "entity names '" + clash + "' and '" + name + "' hash to the same key; rename one");
    }
    int partition = groupPartition.computeIfAbsent(group, this::place);
    EntityRef<M> ref = new EntityRef<>(name, key, refs.size(), partition);
    if (refs.size() == groupOf.length) groupOf = java.util.Arrays.copyOf(groupOf, groupOf.length * 2);
    groupOf[refs.size()] = groupOrdinal.computeIfAbsent(group, g -> groupOrdinal.size());
    refs.add(ref);
    factories.add(factory);
    return ref;
  }

  private int place(String group) {
    int ordinal = groupsSeen++;
    if (placement == Placement.HASH) return (int) Long.remainderUnsigned(StableIds.key(group), partitions);
    Integer planned = plannedPartition == null ? null : plannedPartition.get(group);
    if (planned != null) return planned;
    return ordinal % partitions;
  }

  /**
   * Declares a channel out of {@code source} whose messages may reach other partitions; every
   * message on it is stamped at least {@code lookaheadNanos} after the send.
   */
  public Channel channel(EntityRef<?> source, String name, long lookaheadNanos) {
    if (lookaheadNanos <= 0) {
      throw new IllegalArgumentException("channel '" + name + "' needs a positive lookahead to cross partitions");
    }
    Channel c = new Channel(name, source.index, lookaheadNanos, true);
    channels.add(c);
    return c;
  }

  /**
   * A channel from {@code source} to the one entity {@code target} (a link). When both land on the
   * same partition it never constrains the windows, so placing a rack (hosts and their leaf switch)
   * together lets the windows grow to the lookahead of the links that really leave the partition.
   * Sending on it to any other entity is refused.
   */
  public Channel channel(EntityRef<?> source, EntityRef<?> target, String name, long lookaheadNanos) {
    Channel c = channel(source, name, lookaheadNanos);
    c.targetIndex = target.index;
    c.target = target;
    c.targetPartition = target.partition;
    return c;
  }

  int entityCount() {
    return refs.size();
  }

  /** Least lookahead of the cross-partition channels leaving each partition (MAX_VALUE: none). */
  long[] partitionLookaheads() {
    long[] la = new long[partitions];
    java.util.Arrays.fill(la, Long.MAX_VALUE);
    if (partitions == 1) return la;
    for (Channel c : channels) {
      int p = refs.get(c.sourceIndex).partition;
      if (c.targetIndex >= 0 && refs.get(c.targetIndex).partition == p) continue; // stays inside p
      la[p] = Math.min(la[p], c.lookaheadNanos);
    }
    return la;
  }
}
