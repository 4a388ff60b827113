package org.cnemu.emulator;

import java.util.SplittableRandom;

/**
 * A logical actor of the model (host, core, NIC queue, device, LP...). It handles its messages one
 * at a time in virtual-time order; its protocol {@code M} is a sealed interface of records nested in
 * the subclass. Entities are multiplexed onto partition actors: the partition runs them in exact
 * (time, sender key, sender sequence) order, so co-located entities need no barrier between them.
 *
 * <p>Model code must never read the wall clock: {@link #now()} is the only time there is.
 */
public abstract class Entity<M> {
  LocalScheduler scheduler;
  EntityRef<M> self;
  Channel localChannel;
  long clockNanos;
  long nextSeq;
  /** {@code self.key} and {@code self.index}, kept here: every send reads them, the entity is in cache. */
  long selfKey;
  int selfIndex;

  /** Virtual time of the message being handled (or of the start, in {@link #onStart()}). */
  protected final long now() {
    return clockNanos;
  }

  protected final EntityRef<M> self() {
    return self;
  }

  protected final String name() {
    return self.name;
  }

  /** Virtual end time of the run. */
  protected final long endNanos() {
    return scheduler.endNanos;
  }

  /** The entity's own random stream called {@code stream}; same seed, same numbers, whatever else exists. */
  protected final SplittableRandom random(String stream) {
    return scheduler.streams.stream(self.name, stream);
  }

  /** Live metrics (write-only; a no-op unless the runner installed a backend). */
  protected final org.cnemu.emulator.telemetry.Telemetry telemetry() {
    return org.cnemu.emulator.telemetry.Telemetry.current();
  }

  /** Schedules a message to itself after {@code delayNanos}. */
  protected final void schedule(long delayNanos, M msg) {
    scheduler.scheduleSelf(this, delayNanos, msg);
  }

  /** Sends to an entity of the same partition (same host): no lookahead needed. */
  protected final <T> void send(EntityRef<T> to, long delayNanos, T msg) {
    if (to == self) {
      scheduler.scheduleSelf(this, delayNanos, msg); // same event; compares the reference only
    } else {
      scheduler.send(this, localChannel, to, delayNanos, msg);
    }
  }

  /**
   * {@link #send(EntityRef, long, Object)} to the entity at {@code address} ({@link EntityRef#address()}, kept by the
   * sender): same event, same order, without reading the target's {@link EntityRef}. The message type is not
   * checked here, so a sender wraps it in one method per target kind whose parameter is that target's protocol
   * (as the kernel model's cores do), keeping the compile-time check a typed {@link EntityRef} gives.
   */
  protected final void send(long address, long delayNanos, Object msg) {
    if (EntityRef.addressIndex(address) == selfIndex) {
      scheduler.scheduleSelf(this, delayNanos, msg);
    } else {
      scheduler.send(this, address, delayNanos, msg);
    }
  }

  /** Sends over a declared channel whose lookahead bounds how early the message may be stamped. */
  protected final <T> void send(Channel channel, EntityRef<T> to, long delayNanos, T msg) {
    scheduler.send(this, channel, to, delayNanos, msg);
  }

  /**
   * Reads what the entity's next handler will read first beyond the entity itself (its own objects, one hop
   * away) and returns any value of it; never changes state. The event queue calls it for the targets of a
   * bucket it loads, after touching their messages and entities, so that these misses overlap across the
   * bucket's events instead of stalling each handler in turn (with many entities the objects an entity points to
   * are cold; they were last read thousands of events ago). Default: nothing.
   */
  protected long prefetch() {
    return 0;
  }

  /** Called once at virtual time 0, in index order, before any message: schedule initial work here. */
  protected void onStart() {}

  protected abstract void onMessage(M msg);

  /**
   * Called once at the end (clock = end time): a serializable record, or null, that the model's
   * result builder receives keyed by entity name. This is how state leaves a partition.
   */
  protected Object report() {
    return null;
  }
}
