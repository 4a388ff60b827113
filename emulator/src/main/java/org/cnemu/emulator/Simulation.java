package org.cnemu.emulator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Runs a built simulation on a local Pekko actor system with a fixed number of threads. */
public final class Simulation {
  public static final String DISPATCHER = "cnemu.engine-dispatcher";
  /** A thread per actor: for a PartitionGroup, which waits for its peers' windows on its thread. */
  public static final String PINNED_DISPATCHER = "cnemu.engine-pinned-dispatcher";

  /** How long a partition thread of a one-JVM run polls for its peers' window before parking. */
  static final String SPIN_WAIT = "cnemu.engine.spin-wait";

  /** Whether a one-JVM partitioned run collects the young generation first when its allocation would not fit. */
  static final String COLLECT_BEFORE_RUN = "cnemu.engine.collect-before-run";

  private Simulation() {}

  /** The actor system settings of a run: the engine dispatcher with {@code threads} threads. */
  public static Config actorSystemConfig(int threads, Config overrides) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
    return overrides
        .withFallback(ConfigFactory.parseString(
            DISPATCHER + " { type = Dispatcher\n executor = \"thread-pool-executor\"\n"
                + " thread-pool-executor.fixed-pool-size = " + threads + "\n throughput = 1000 }\n"
                + PINNED_DISPATCHER + " { type = PinnedDispatcher\n executor = \"thread-pool-executor\"\n"
                + " throughput = 1000 }\n"
                + "pekko.loglevel = WARNING\npekko.log-dead-letters = off\n"
                + "pekko.log-dead-letters-during-shutdown = off\n"
                + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n"
                + "pekko.jvm-shutdown-hooks = off\n"))
        .withFallback(pekkoBase());
  }

  /** application.conf, then cnemu's serialization settings, then every reference.conf. */
  public static Config pekkoBase() {
    return ConfigFactory.defaultApplication()
        .withFallback(ConfigFactory.parseResources("cnemu-serialization.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  public static SimulationResult run(SimulationBuilder builder, long endNanos, int threads) {
    return run(builder, endNanos, threads, null, ConfigFactory.empty());
  }

  /**
   * @param threads threads for the partitions (the result does not depend on it)
   * @param overrides extra Pekko settings (e.g. from the experiment's {@code pekko {}} block)
   */
  public static SimulationResult run(SimulationBuilder builder, long endNanos, int threads,
      Coordinator.ProgressListener progress, Config overrides) {
    try (Engine engine = Engine.start(builder.partitions, threads, overrides)) {
      return engine.run(builder, endNanos, progress);
    }
  }

  /**
   * Where one run goes: for several partitions in this JVM, an actor system started by {@link #start}
   * on a thread of its own, so that its start-up (tens of ms warm, most of a second in a cold JVM)
   * overlaps the model build instead of adding to the run; one partition needs none. Run it once; close
   * it in any case (a run that never came stops the system).
   */
  public static final class Engine implements AutoCloseable {
    private final int partitions;
    private final int threads;
    private final Config config;
    private final CompletableFuture<ActorSystem<Void>> system;
    private boolean used;

    private Engine(int partitions, int threads, Config config, CompletableFuture<ActorSystem<Void>> system) {
      this.partitions = partitions;
      this.threads = threads;
      this.config = config;
      this.system = system;
    }

    /** Starts what a run of {@code partitions} partitions on {@code threads} threads needs, in the background. */
    public static Engine start(int partitions, int threads, Config overrides) {
      if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1");
      if (partitions == 1) return new Engine(1, threads, null, null);
      Config config = actorSystemConfig(threads, overrides);
      return new Engine(partitions, threads, config, startSystem(config));
    }

    /** Runs the simulation {@code builder} holds (its partitions must be this engine's). */
    public SimulationResult run(SimulationBuilder builder, long endNanos, Coordinator.ProgressListener progress) {
      if (builder.partitions != partitions) {
        throw new IllegalArgumentException("the engine was started for " + partitions + " partitions, the model has "
            + builder.partitions);
      }
      if (used) throw new IllegalStateException("an engine runs once");
      used = true;
      if (partitions == 1) return runSequential(builder, endNanos, progress);
      return runActors(builder, endNanos,
          new LocalExchange(partitions, threads, config.getDuration(SPIN_WAIT).toNanos()), progress, system,
          config.getBoolean(COLLECT_BEFORE_RUN));
    }

    @Override
    public void close() {
      // a run terminates its system itself; one that never ran stops it once it is up
      if (system != null && !used) system.thenAccept(ActorSystem::terminate);
    }
  }

  /** The actor system of a one-JVM partitioned run, created on a daemon thread of its own. */
  static CompletableFuture<ActorSystem<Void>> startSystem(Config config) {
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

  /** Entities from which a sequential run compacts the heap before its first event (~200 emulated hosts). */
  static final int COMPACT_MIN_ENTITIES = 4096;

  /** Progress reports of a sequential run: this many slices of the virtual time. */
  private static final int SEQUENTIAL_SLICES = 100;

  /**
   * One partition: the coordinator would open a single window over the whole run (no channel leaves
   * the partition, so the lookahead is unbounded), so the partition's event loop runs on the calling
   * thread without an actor system. Same events in the same order, same result (windows 1, no
   * batches) as {@link #runActors}; it saves the actor system's start-up and shutdown, which dominate
   * short runs.
   */
  static SimulationResult runSequential(SimulationBuilder builder, long endNanos,
      Coordinator.ProgressListener progress) {
    if (builder.partitions != 1) throw new IllegalArgumentException("sequential runs need one partition");
    long startWall = System.nanoTime(); // wall section only
    Map<String, Double> jvmCpuAtStart =
        WindowTrace.ENABLED ? JvmCpu.read() : Map.of();
    LocalScheduler sched;
    long windows = 0;
    EngineHealth health = new EngineHealth();
    try {
      sched = new LocalScheduler(0, builder, endNanos);
      long builtWall = System.nanoTime(); // -Dcnemu.trace only
      sched.start();
      // Many entities: compact the heap once, before the first event. The model was just allocated host
      // by host (LocalScheduler), but the young collector would copy it out of eden breadth-first (every
      // entity, then every entity's fields...), scattering each host's objects; a full collection slides
      // them into the old generation in allocation order, where they stay (docs/benchmarks.md, "bench scale").
      // Small runs skip it: their model fits in cache either way.
      if (sched.localEntities >= COMPACT_MIN_ENTITIES) System.gc();
      long eventsWall = System.nanoTime(); // -Dcnemu.trace only
      if (sched.nextEventNanos() < endNanos) {
        windows = 1;
        long slice = Math.max(1, endNanos / SEQUENTIAL_SLICES);
        for (long until = Math.min(endNanos, slice); ; until = Math.min(endNanos, until + slice)) {
          // runUntil only settles [.., until): the window boundaries are invisible to the model
          sched.runUntil(until);
          if (Cancellation.requested()) throw RunInterrupted.at(until);
          if (progress != null) progress.onProgress(until, endNanos, sched.eventsProcessed);
          long at = System.nanoTime(); // engine health only
          health.update(new Coordinator.Progress(until, sched.eventsProcessed, at - startWall, 0, 1, at), 1);
          if (until >= endNanos || sched.nextEventNanos() >= endNanos) break;
        }
        sched.safeFromNanos = endNanos;
      }
      health.finish(endNanos, sched.eventsProcessed, windows);
      long reportsWall = System.nanoTime(); // -Dcnemu.trace only
      List<EntityReport> reports = sched.reports();
      long endWall = System.nanoTime(); // the run's wall ends here: the trace's own lines are not in it
      if (WindowTrace.ENABLED) { // after the reports, as a partitioned run's line (partitions report first)
        System.err.printf(Locale.ROOT, "TRACE sequential: entities built %.3f s, onStart and compaction"
            + " %.3f s, events %.3f s, reports %.3f s%n", (builtWall - startWall) / 1e9, (eventsWall - builtWall) / 1e9,
            (reportsWall - eventsWall) / 1e9, (endWall - reportsWall) / 1e9);
        System.err.println(JvmCpu.line("the run", jvmCpuAtStart, JvmCpu.read()));
      }
      long wall = endWall - startWall;
      if (progress != null) progress.onProgress(endNanos, endNanos);
      return new SimulationResult(endNanos, sched.eventsProcessed, windows, 0, sched.pendingEvents(),
          sched.pendingPackets(), reports, 1, windows, wall, new long[] {wall}, 1);
    } catch (CausalityViolation | RunInterrupted e) {
      throw e;
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError v) throw v;
      throw new IllegalStateException("partition 0 failed: " + Coordinator.PartitionFailed.of(0, e).message(), e);
    }
  }

  /** The run's outcome: its result, or its failure rethrown as it was raised (unchecked). */
  public static SimulationResult await(CompletableFuture<SimulationResult> result) {
    return await(result, null);
  }

  /** @param reached the virtual time the run last reported (for the message of a cancelled run), or null */
  static SimulationResult await(CompletableFuture<SimulationResult> result, LongSupplier reached) {
    try {
      while (true) {
        try {
          return result.get(100, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          if (Cancellation.requested()) {
            throw reached == null ? RunInterrupted.waiting() : RunInterrupted.after(reached.getAsLong());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) throw r;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    }
  }

  /**
   * Runs on a local actor system: the partitions in one {@link PartitionGroup} per thread (at most one
   * per partition), exchanging their windows through a {@link LocalExchange}.
   */
  static SimulationResult runActors(SimulationBuilder builder, long endNanos, LocalExchange exchange,
      Coordinator.ProgressListener progress, Config config) {
    return runActors(builder, endNanos, exchange, progress, startSystem(config), config.getBoolean(COLLECT_BEFORE_RUN));
  }

  /**
   * @param starting the actor system, from {@link #startSystem}: the run's coordinator is spawned on it
   * @param collectBeforeRun collect the young generation before the partitions build their entities when
   *     the run would not fit in the eden's room ({@link EdenReserve})
   */
  private static SimulationResult runActors(SimulationBuilder builder, long endNanos, LocalExchange exchange,
      Coordinator.ProgressListener progress, CompletableFuture<ActorSystem<Void>> starting, boolean collectBeforeRun) {
    CompletableFuture<SimulationResult> result = new CompletableFuture<>();
    AtomicLong reached = new AtomicLong();
    Coordinator.ProgressListener tracked = new Coordinator.ProgressListener() {
      @Override
      public void onProgress(long virtualNanos, long end) {
        reached.set(virtualNanos);
        if (progress != null) progress.onProgress(virtualNanos, end);
      }

      @Override
      public void onProgress(long virtualNanos, long end, long events) {
        reached.set(virtualNanos);
        if (progress != null) progress.onProgress(virtualNanos, end, events);
      }
    };
    long t0 = System.nanoTime(); // -Dcnemu.trace only
    ActorSystem<Void> system;
    try {
      system = starting.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      if (e.getCause() instanceof Error err) throw err;
      throw e;
    }
    long t1 = System.nanoTime();
    // before the coordinator spawns the groups, which build the run's entities on their threads
    EdenReserve.Start eden = EdenReserve.jvm().before(collectBeforeRun);
    try {
      system.systemActorOf(Coordinator.create(builder, endNanos, result, tracked, exchange), "coordinator",
          org.apache.pekko.actor.typed.Props.empty());
      return await(result, reached::get);
    } finally {
      long t2 = System.nanoTime();
      long allocatedBytes = EdenReserve.jvm().after(eden);
      exchange.stop(); // a group still waiting (the run failed or was cancelled) stops at once
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException ignored) {
        // termination failure after a completed run changes nothing about the result
      }
      if (WindowTrace.ENABLED) {
        System.err.printf(Locale.ROOT, "TRACE actor system: waited %.3f s for its start, run %.3f s,"
            + " terminated in %.3f s; exchange: %s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9,
            exchange.summary());
        System.err.printf(Locale.ROOT, "TRACE eden before the run: %.0f of %.0f MB used, the last run"
            + " allocated %.0f MB: %s; this run allocated %.0f MB%n", eden.foundUsedBytes() / 1e6,
            eden.edenCapacityBytes() / 1e6, eden.needBytes() / 1e6, eden.collected()
            ? String.format(Locale.ROOT, "collected first, %.3f s", eden.collectNanos() / 1e9)
            : "no collection first", allocatedBytes / 1e6);
      }
    }
  }
}
