package org.cnemu.emulator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The actor systems of partitioned runs in this JVM, started once and kept for the next run with the
 * same settings, instead of one started and stopped per run.
 *
 * <p>Why: a run on several partitions in one JVM needs an actor system only to spawn its coordinator and
 * one {@link PartitionGroup} per thread, yet starting one costs tens of milliseconds of CPU warm (most of
 * a second cold) on the cores the model build needs, and stopping it is waited for inside the job; a plan
 * of many partitioned runs, or a daemon serving them, paid both on every run (docs/benchmarks.md). What
 * a run leaves in a kept system: nothing, its coordinator and groups stop with the run (a cancelled run's
 * are stopped by {@link Simulation}), and each run's coordinator has a name of its own, so runs may share
 * a system at once ({@code --jobs}, concurrent daemon commands).
 *
 * <p>A kept system's threads are daemon threads ({@code pekko.daemonic = on}): it never holds the JVM up
 * at its exit. A system is kept per settings (the threads and the file's {@code pekko} block), and
 * idle systems of other settings are stopped when one starts, so the JVM keeps one system per settings
 * in use at once, plus the last one used.
 */
final class LocalActorSystems {
  private LocalActorSystems() {}

  /** What a system was started with: the run's threads and the file's {@code pekko} block. */
  private record Key(int threads, Config overrides) {}

  /** A started (or starting) system, and the runs using it now. */
  private static final class Kept {
    final Key key;
    final CompletableFuture<ActorSystem<Void>> system;
    final long spinWaitNanos;
    int users; // guarded by LocalActorSystems.class

    Kept(Key key, CompletableFuture<ActorSystem<Void>> system, long spinWaitNanos) {
      this.key = key;
      this.system = system;
      this.spinWaitNanos = spinWaitNanos;
    }

    /** Started and then stopped (or failed to start): of no use to a later run. */
    boolean dead() {
      if (!system.isDone()) return false;
      return system.isCompletedExceptionally() || system.join().whenTerminated().isCompleted();
    }
  }

  private static final List<Kept> KEPT = new ArrayList<>(); // guarded by LocalActorSystems.class

  /** A run's hold on a kept system; {@link #close} gives it back (the system stays up). */
  static final class Lease implements AutoCloseable {
    private final Kept kept;
    private boolean closed;

    private Lease(Kept kept) {
      this.kept = kept;
    }

    /** The system, started in the background: joined when the run starts. */
    CompletableFuture<ActorSystem<Void>> system() {
      return kept.system;
    }

    /** {@code cnemu.engine.spin-wait} of the system's settings. */
    long spinWaitNanos() {
      return kept.spinWaitNanos;
    }

    @Override
    public void close() {
      synchronized (LocalActorSystems.class) {
        if (closed) return;
        closed = true;
        kept.users--;
      }
    }
  }

  /**
   * The kept system for runs on {@code threads} threads with the file's {@code pekko} block {@code
   * overrides}: the running one, or one started now on a thread of its own (its start then overlaps
   * whatever the caller does next, the model build).
   */
  static Lease acquire(int threads, Config overrides) {
    Key key = new Key(threads, overrides);
    List<Kept> idle = new ArrayList<>();
    Lease lease;
    synchronized (LocalActorSystems.class) {
      Kept found = null;
      for (java.util.Iterator<Kept> it = KEPT.iterator(); it.hasNext(); ) {
        Kept k = it.next();
        if (k.dead()) {
          it.remove();
        } else if (k.key.equals(key)) {
          found = k;
        }
      }
      if (found == null) {
        // idle systems of other settings go: only systems in use and the one a run needs now stay
        for (java.util.Iterator<Kept> it = KEPT.iterator(); it.hasNext(); ) {
          Kept k = it.next();
          if (k.users == 0) {
            it.remove();
            idle.add(k);
          }
        }
        Config config = ConfigFactory.parseString("pekko.daemonic = on")
            .withFallback(Simulation.actorSystemConfig(threads, overrides));
        found = new Kept(key, start(config), config.getDuration(Simulation.SPIN_WAIT).toNanos());
        KEPT.add(found);
      }
      found.users++;
      lease = new Lease(found);
    }
    for (Kept k : idle) k.system.thenAccept(ActorSystem::terminate);
    return lease;
  }

  /** The system of {@code config}, created on a daemon thread of its own. */
  private static CompletableFuture<ActorSystem<Void>> start(Config config) {
    CompletableFuture<ActorSystem<Void>> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(ActorSystem.create(Behaviors.<Void>empty(), "cnemu", config));
      } catch (RuntimeException | Error e) {
        f.completeExceptionally(e);
      }
    }, "cnemu-engine-start");
    t.setDaemon(true);
    t.start();
    return f;
  }
}
