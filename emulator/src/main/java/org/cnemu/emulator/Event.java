package org.cnemu.emulator;

/**
 * One pending delivery. Ordered by (time, sender key, sender sequence): a total order that does not
 * depend on arrival order, thread scheduling or how entities are partitioned.
 */
public final class Event {
  final long timeNanos;
  final long senderKey;
  final long senderSeq;
  final int targetIndex;
  final int senderIndex;
  final Channel channel;
  final Object message;

  Event(long timeNanos, long senderKey, long senderSeq, int targetIndex, int senderIndex, Channel channel,
      Object message) {
    this.timeNanos = timeNanos;
    this.senderKey = senderKey;
    this.senderSeq = senderSeq;
    this.targetIndex = targetIndex;
    this.senderIndex = senderIndex;
    this.channel = channel;
    this.message = message;
  }

  public long timeNanos() {
    return timeNanos;
  }

  public Object message() {
    return message;
  }

  boolean before(Event o) {
    if (timeNanos != o.timeNanos) return timeNanos < o.timeNanos;
    if (senderKey != o.senderKey) return senderKey < o.senderKey;
    return senderSeq < o.senderSeq;
  }
}
