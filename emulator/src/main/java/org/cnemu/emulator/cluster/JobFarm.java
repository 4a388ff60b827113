package org.cnemu.emulator.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The driver's side of a farmed plan, for a caller that blocks: this JVM starts an actor system that is
 * no cluster member (it runs no jobs and needs no join: {@link ClusterNode#driverConfig}) and a {@link
 * FarmDriver} in it, which learns the workers from the seed's {@link FarmDirectory} and says hello to
 * each, and hands the caller the driver's events from a queue. A caller can start it before it knows its
 * jobs (the command line does, while it loads the experiment): the driver only finds its nodes then, and
 * its timeout runs only while jobs wait. Close it to stop: the driver says goodbye (the nodes drop anything
 * of this plan and stop watching it), then its actor system stops, and a fixed port of it binds again.
 *
 * <p>A long-lived JVM that runs one farmed plan after another (the daemon) may keep the actor system for
 * the next plan ({@code keepSystem}): starting it (remoting, TLS) and its first connections to the nodes
 * are most of a served farmed command. It keeps its driver actor too, which serves one plan after another
 * ({@link FarmDriver.Begin}, {@link FarmDriver.EndPlan}): the directory's subscription, each node's hello
 * and slots, and the watches both ways stay up between plans and follow the cluster's changes, instead of
 * being asked for, made and undone by every plan (~33 ms of CPU per plan over the three JVMs:
 * docs/benchmarks.md). A plan that finds the kept driver busy (another plan in this JVM) gets a driver of its
 * own, which says goodbye when it ends. The system and its driver are dropped, with a goodbye, when a plan
 * names another seed, address or key ({@link #dropKeptSystem}). Only for an ephemeral port: a fixed one
 * would stay taken between commands.
 */
public final class JobFarm implements AutoCloseable {
  /** Results larger than this are refused (a results.json is kilobytes to a few megabytes). */
  public static final long MAX_RESULT_BYTES = 512L << 20;

  /** A driver's actor system kept for the next plan, and what it was started with. */
  private record Kept(ActorSystem<Void> system, ClusterNode.HostPort seed, ClusterNode.HostPort bind, String security) {}

  private static Kept kept; // guarded by JobFarm.class

  /**
   * The driver actor kept in the kept system, with the settings it was made with, and whether a plan uses
   * it now ({@code busy}) or it stopped ({@code stopped}).
   */
  private static final class KeptDriver {
    final ActorSystem<Void> system;
    final ActorRef<FarmDriver.Command> ref;
    final int expectedNodes;
    final Duration joinTimeout;
    /** The plan that uses it now (null: none); each plan's events go to its own queue. */
    JobFarm plan;
    volatile boolean stopped;

    KeptDriver(ActorSystem<Void> system, ActorRef<FarmDriver.Command> ref, int expectedNodes, Duration joinTimeout) {
      this.system = system;
      this.ref = ref;
      this.expectedNodes = expectedNodes;
      this.joinTimeout = joinTimeout;
    }
  }

  private static KeptDriver keptDriver; // guarded by JobFarm.class
  private static final AtomicInteger DRIVERS = new AtomicInteger();

  private final ActorSystem<Void> system;
  /** The system outlives this plan (kept for the next one). */
  private final boolean keepSystem;
  /** Where this driver listens; a fixed port is free again once {@link #close} returns. */
  private final ClusterNode.HostPort bind;
  private final ActorRef<FarmDriver.Command> driver;
  /** The kept driver this plan uses (ends with {@link FarmDriver.EndPlan}, no goodbye); null: a driver of its own. */
  private final KeptDriver leased;
  private final LinkedBlockingQueue<FarmDriver.Event> events = new LinkedBlockingQueue<>();
  /** A {@link FarmDriver.GaveUp} for the driver's or its system's stop went to {@link #events} (once). */
  private final AtomicBoolean stopTold = new AtomicBoolean();
  /** Completed by the seed directory's first answer ({@link FarmDriver.Listed}). */
  private final CompletableFuture<Void> listed = new CompletableFuture<>();
  /** Where the system's termination is reported: cleared at close, so a kept system holds no old plan's queue. */
  private final AtomicReference<LinkedBlockingQueue<FarmDriver.Event>> onTerminated;
  private CompletableFuture<Void> leaving;

  private JobFarm(ActorSystem<Void> system, boolean keepSystem, ClusterNode.HostPort bind, FarmDriver.Settings settings) {
    this.system = system;
    this.keepSystem = keepSystem;
    this.bind = bind;
    this.onTerminated = new AtomicReference<>(events);
    KeptDriver lease = keepSystem ? leaseKeptDriver(system, settings) : null;
    if (lease != null && lease.ref != null) {
      this.leased = lease;
      this.driver = lease.ref;
      driver.tell(new FarmDriver.Begin(this::accept));
    } else {
      // the first plan of a kept system makes the driver that later plans lease ({@code lease} reserved for it)
      KeptDriver[] made = new KeptDriver[1];
      ActorRef<FarmDriver.Command> ref = system.systemActorOf(FarmDriver.create(settings, this::accept, () -> {
        JobFarm plan = this;
        if (made[0] != null) {
          synchronized (JobFarm.class) {
            made[0].stopped = true;
            plan = made[0].plan; // the plan that uses the kept driver now, if any
          }
        }
        if (plan != null) plan.stopped("this plan's farming driver stopped before the plan ended");
      }), "farm-driver-" + DRIVERS.incrementAndGet(), ClusterNode.messaging());
      if (lease != null) {
        made[0] = new KeptDriver(system, ref, settings.expectedNodes(), settings.joinTimeout());
        made[0].plan = this;
        synchronized (JobFarm.class) {
          keptDriver = made[0];
        }
      }
      this.leased = made[0];
      this.driver = ref;
    }
    system.getWhenTerminated().thenRun(() -> stopped("this driver's actor system stopped before the plan ended"));
  }

  /** The driver or its system stopped: the plan hears it once, if it still listens. */
  private void stopped(String why) {
    LinkedBlockingQueue<FarmDriver.Event> q = onTerminated.get();
    if (q != null && stopTold.compareAndSet(false, true)) q.add(new FarmDriver.GaveUp(why));
  }

  /** This plan's driver events, on the driver's thread. */
  private void accept(FarmDriver.Event e) {
    if (e instanceof FarmDriver.Listed) listed.complete(null);
    else events.add(e);
  }

  /**
   * The kept driver of {@code system} for this plan: one that is idle and made with the same settings
   * (marked busy); a placeholder without a driver (ref null) when there is none yet, or the kept one was made
   * with other settings or stopped (this plan makes the next kept driver; the old one says goodbye); null when
   * the kept one is busy (another plan of this JVM: this plan gets a driver of its own).
   */
  private KeptDriver leaseKeptDriver(ActorSystem<Void> system, FarmDriver.Settings settings) {
    KeptDriver old;
    synchronized (JobFarm.class) {
      KeptDriver k = keptDriver;
      if (k != null && k.system != system) k = null; // made in a system that is gone
      if (k != null && k.plan != null && !k.stopped) return null;
      if (k != null && !k.stopped && k.expectedNodes == settings.expectedNodes()
          && k.joinTimeout.equals(settings.joinTimeout())) {
        k.plan = this;
        return k;
      }
      old = k;
      keptDriver = null;
    }
    if (old != null && !old.stopped) goodbye(old.ref);
    return new KeptDriver(system, null, settings.expectedNodes(), settings.joinTimeout());
  }

  /** Tells a driver to say goodbye to its nodes and stop, and waits for it (at most its leave timeout and a second). */
  private static void goodbye(ActorRef<FarmDriver.Command> driver) {
    CompletableFuture<Void> unwatched = new CompletableFuture<>();
    driver.tell(new FarmDriver.Leave(unwatched));
    awaitDriver(unwatched);
  }

  /**
   * Waits for a driver's answer (its goodbye, or the end of its plan), at most its leave timeout and a second; a
   * driver that stopped meanwhile (its system did) answers nothing, and there is nothing to wait for.
   */
  private static void awaitDriver(CompletableFuture<Void> answered) {
    try {
      answered.get(FarmDriver.LEAVE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException ignored) {
      // it stopped meanwhile
    }
  }

  /**
   * Starts the driver at {@code bind} (port 0: any free one), which asks the node at {@code seed} for the
   * cluster's workers. Nothing is dispatched before {@code expectedNodes} nodes answered; the driver
   * gives up when no node answered within {@code joinTimeout} of jobs waiting ({@link FarmDriver.GaveUp}).
   *
   * @param expectedNodes dispatch nothing before this many nodes answered (0: start with the first one)
   * @param keepSystem reuse the actor system kept by an earlier plan with the same seed, address and key,
   *     and keep this one's for the next plan (an ephemeral {@code bind} port only; ignored otherwise)
   */
  public static JobFarm start(ClusterNode.HostPort seed, ClusterNode.HostPort bind, ClusterSecurity security,
      int expectedNodes, Duration joinTimeout, boolean keepSystem) {
    trace("start");
    boolean keep = keepSystem && bind.port() == 0;
    ActorSystem<Void> system = keep ? keptSystem(seed, bind, security) : null;
    if (system == null) {
      system = ActorSystem.create(Behaviors.empty(), "cnemu",
          security.systemSetup(ClusterNode.driverConfig(bind, seed, security, keep)));
      if (keep) {
        synchronized (JobFarm.class) {
          kept = new Kept(system, seed, bind, security.describe());
        }
      }
    }
    trace("system started");
    try {
      ActorRef<FarmDirectory.Command> directory = ActorRefResolver.get(system)
          .resolveActorRef(seed.address() + FarmDirectory.PATH);
      return new JobFarm(system, keep, bind,
          new FarmDriver.Settings(expectedNodes, joinTimeout, MAX_RESULT_BYTES, directory));
    } catch (RuntimeException e) {
      if (keep) dropKeptSystem();
      ClusterNode.stop(system, 2);
      throw e;
    }
  }

  /** The kept system if it was started with these settings and still runs; else stops it (if any) and returns null. */
  private static ActorSystem<Void> keptSystem(ClusterNode.HostPort seed, ClusterNode.HostPort bind,
      ClusterSecurity security) {
    Kept k;
    synchronized (JobFarm.class) {
      k = kept;
      if (k != null && k.seed().equals(seed) && k.bind().equals(bind) && k.security().equals(security.describe())
          && !k.system().getWhenTerminated().toCompletableFuture().isDone()) {
        return k.system();
      }
      kept = null;
    }
    if (k != null) stopKept(k); // another cluster, address or key now
    return null;
  }

  /**
   * Stops the actor system a plan kept (if any), its kept driver saying goodbye first: the daemon stops, or
   * its cluster settings changed.
   */
  public static void dropKeptSystem() {
    Kept k;
    synchronized (JobFarm.class) {
      k = kept;
      kept = null;
    }
    if (k != null) stopKept(k);
  }

  /** Stops a kept system; its kept driver, if idle, says goodbye first (the nodes stop watching it before it goes). */
  private static void stopKept(Kept k) {
    KeptDriver d;
    synchronized (JobFarm.class) {
      d = keptDriver;
      keptDriver = null;
    }
    if (d != null && !d.stopped && d.plan == null && !k.system().getWhenTerminated().toCompletableFuture().isDone()) {
      goodbye(d.ref);
    }
    ClusterNode.stop(k.system(), 5);
  }

  /** The driver actor (tests: whether a plan reused a kept one). */
  ActorRef<FarmDriver.Command> driver() {
    return driver;
  }

  /** The actor system (tests: whether a plan reused a kept one). */
  ActorSystem<Void> system() {
    return system;
  }

  /**
   * -Dcnemu.trace=true: "TRACE farm WHAT SECONDS" with the seconds since this JVM started, so a benchmark
   * can tell the fixed cost of a farmed plan (JVM start, actor system, finding the workers, stopping) from its jobs.
   */
  public static void trace(String what) {
    if (TRACE) {
      if (what.equals("start")) traceThreadCpuAtExit();
      System.err.printf(Locale.ROOT, "TRACE farm %s %.3f%n", what,
          java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3);
      if (what.equals("system started") || what.equals("close")) snapshotThreadCpu();
    }
  }

  private static final boolean TRACE = Boolean.getBoolean("cnemu.trace");

  /**
   * -Dcnemu.trace=true: at exit, "TRACE farm cpu [NAME] xTHREADS SECONDS" per thread name (digits
   * dropped, so a pool is one line), from /proc/self/task: the JIT compilers and the collector too, which
   * no Java API lists. Each thread counts as last seen: at the actor system's start (the thread that
   * started it ends soon after), before it stops (its threads end with it), and at exit. "TRACE farm cpu
   * all" is the process's own total.
   */
  private static void traceThreadCpuAtExit() {
    // once per JVM: a daemon starts a driver per served command, and each would print the same lines at exit
    if (!CPU_AT_EXIT.compareAndSet(false, true)) return;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      snapshotThreadCpu();
      Map<String, long[]> byName = new TreeMap<>();
      THREAD_TICKS.values().forEach(t -> {
        long[] v = byName.computeIfAbsent(t.name(), k -> new long[2]);
        v[0]++;
        v[1] += t.ticks();
      });
      try {
        String self = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
        String[] f = self.substring(self.lastIndexOf(')') + 2).split(" ");
        System.err.printf(Locale.ROOT, "TRACE farm cpu all %.2f%n",
            (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) USER_HZ);
      } catch (java.io.IOException | RuntimeException noProc) {
        return; // not Linux
      }
      byName.forEach((name, v) -> System.err.printf(Locale.ROOT, "TRACE farm cpu [%s] x%d %.2f%n", name, v[0],
          v[1] / (double) USER_HZ));
    }, "cnemu-trace-cpu"));
  }

  private static final AtomicBoolean CPU_AT_EXIT = new AtomicBoolean();
  private static final long USER_HZ = 100; // Linux's clock ticks in /proc
  private record ThreadTicks(String name, long ticks) {}
  private static final Map<String, ThreadTicks> THREAD_TICKS = new ConcurrentHashMap<>();

  private static void snapshotThreadCpu() {
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path t : (Iterable<java.nio.file.Path>) tasks::iterator) {
        try {
          String stat = java.nio.file.Files.readString(t.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          THREAD_TICKS.put(t.getFileName().toString(), new ThreadTicks(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
        } catch (java.io.IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
    } catch (java.io.IOException | RuntimeException noProc) {
      // not Linux: no per-thread figures
    }
  }

  /** Microseconds since the epoch (trace only: one clock for the driver and the nodes of a machine). */
  static long epochMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /**
   * Completes when the seed's directory first answered this driver: the seed takes this driver's key
   * (the answer came over TLS with mutual authentication, each side presenting the key's certificate and
   * trusting only it), so no handshake of the caller's own needs to check that.
   */
  public CompletableFuture<Void> listed() {
    return listed;
  }

  public void submit(List<FarmDriver.Job> jobs) {
    driver.tell(new FarmDriver.Submit(List.copyOf(jobs)));
  }

  /** The next event, or null after {@code timeout}. */
  public FarmDriver.Event poll(long timeout, TimeUnit unit) throws InterruptedException {
    return events.poll(timeout, unit);
  }

  /** Gives up the plan: the nodes abandon its jobs; every job not done yet comes back as a {@link FarmDriver.Done} with an error. */
  public void cancel() {
    driver.tell(FarmDriver.Cancel.INSTANCE);
  }

  /**
   * Starts stopping the driver on a thread of its own, once the caller has every result it waits for:
   * what the caller still does (writing results, summaries, reports) overlaps the stop. {@link #close}
   * waits for it.
   */
  public synchronized void stopSoon() {
    if (leaving != null) return;
    leaving = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        stopDriver();
      } finally {
        leaving.complete(null);
      }
    }, "cnemu-farm-leave");
    t.setDaemon(true);
    t.start();
  }

  private void stopDriver() {
    trace("close");
    if (leased != null) {
      // the kept driver forgets this plan and stays, with its nodes and watches, for the next one: no goodbye
      // (one that stopped, or whose system did, has nobody to say it to; the next plan makes another)
      if (!leased.stopped && !system.getWhenTerminated().toCompletableFuture().isDone()) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        driver.tell(new FarmDriver.EndPlan(ended));
        awaitDriver(ended);
      }
      onTerminated.set(null);
      synchronized (JobFarm.class) {
        if (leased.plan == this) leased.plan = null;
      }
      trace("stopped");
      return;
    }
    // Goodbye first: the nodes stop watching this driver before its actor system stops. Else their
    // failure detectors fire for a JVM that is gone ("Detected unreachable"), which also takes down the
    // association of the next process on the same address (a partitioned run's member on a fixed --bind port).
    if (!system.getWhenTerminated().toCompletableFuture().isDone()) goodbye(driver);
    onTerminated.set(null);
    if (keepSystem && !system.getWhenTerminated().toCompletableFuture().isDone()) {
      trace("stopped"); // the driver actor stopped after its goodbye; the system stays for the next plan
      return;
    }
    if (TRACE) traceStacksIfSlow(system);
    ClusterNode.stop(system, 5);
    // A fixed port (--bind) may be taken next by a run's member in this JVM (a plan that needs partitions)
    // or by the next command: its listener can outlive the stop's own wait on a loaded machine.
    if (bind.port() != 0 && !ClusterNode.awaitPortFree(bind, PORT_FREE_TIMEOUT)) {
      System.err.println("warning: " + bind.host() + ":" + bind.port() + " is still in use " + PORT_FREE_TIMEOUT.toSeconds()
          + " s after this driver stopped");
    }
    trace("stopped");
  }

  /** How long {@link #close} waits for a fixed --bind port to bind again. */
  static final Duration PORT_FREE_TIMEOUT = Duration.ofSeconds(30);

  /** -Dcnemu.trace=true: every thread's stack when the actor system takes over 2 s to stop (why it does). */
  private static void traceStacksIfSlow(ActorSystem<Void> system) {
    Thread t = new Thread(() -> {
      try {
        system.getWhenTerminated().toCompletableFuture().get(2, TimeUnit.SECONDS);
      } catch (TimeoutException slow) {
        StringBuilder b = new StringBuilder("TRACE farm slow stop, threads:\n");
        Thread.getAllStackTraces().forEach((th, stack) -> {
          b.append("  ").append(th.getName()).append(' ').append(th.getState()).append('\n');
          for (StackTraceElement e : stack) b.append("    at ").append(e).append('\n');
        });
        System.err.print(b);
      } catch (Exception ignored) {
        // stopped, or interrupted: nothing to say
      }
    }, "cnemu-trace-stop");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Stops the actor system at once, without a goodbye: for a driver whose seed refused this JVM's key
   * (no node ever heard of it, so none watches it).
   */
  public void abort() {
    if (keepSystem) {
      synchronized (JobFarm.class) {
        if (kept != null && kept.system() == system) kept = null;
        if (keptDriver != null && keptDriver.system == system) keptDriver = null;
      }
    }
    ClusterNode.stop(system, 2);
  }

  /** Stops the driver and its actor system (the nodes then drop anything of this plan). */
  @Override
  public void close() {
    stopSoon();
    leaving.join();
  }
}
