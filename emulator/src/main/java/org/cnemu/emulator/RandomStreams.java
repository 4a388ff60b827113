package org.cnemu.emulator;

import java.util.SplittableRandom;

/**
 * Per-entity random streams in the manner of ns-3's AssignStreams: the seed of a stream is a
 * function of (experiment seed, run index, stable entity name, stream name) only, so adding,
 * removing or reordering other entities never shifts anybody's numbers.
 */
public final class RandomStreams {
  private final long seed;
  private final int runIndex;

  public RandomStreams(long seed, int runIndex) {
    this.seed = seed;
    this.runIndex = runIndex;
  }

  public long seed() {
    return seed;
  }

  public int runIndex() {
    return runIndex;
  }

  public SplittableRandom stream(String entityName, String streamName) {
    long s = StableIds.combine(StableIds.combine(StableIds.mix(seed), runIndex), StableIds.key(entityName));
    s = StableIds.combine(s, StableIds.key(streamName));
    return new SplittableRandom(s);
  }
}
