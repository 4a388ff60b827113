package org.cnemu.emulator;

/**
 * A declared path for messages out of one entity, with its lookahead: the least virtual delay any
 * message on it carries. The engine derives window lengths from the lookaheads of channels that
 * leave a partition; a message sent with less delay than declared is caught as a causality
 * violation when it is delivered too late to be processed in order.
 */
public final class Channel {
  final String name;
  final int sourceIndex;
  final long lookaheadNanos;
  /** True for channels that may reach another partition (fabric links, PHOLD's any-to-any). */
  final boolean crossPartition;
  /** The one entity this channel reaches, or -1 for any (PHOLD's any-to-any). */
  int targetIndex = -1;
  /**
   * That entity's address and partition (null / unused for any-to-any). A send on the channel checks
   * the target by reference and takes index and partition from here: with many hosts the target's
   * {@link EntityRef} is one more cold object per message, the channel is read anyway.
   */
  EntityRef<?> target;
  int targetPartition;

  Channel(String name, int sourceIndex, long lookaheadNanos, boolean crossPartition) {
    this.name = name;
    this.sourceIndex = sourceIndex;
    this.lookaheadNanos = lookaheadNanos;
    this.crossPartition = crossPartition;
  }

  public String name() {
    return name;
  }

  public long lookaheadNanos() {
    return lookaheadNanos;
  }
}
