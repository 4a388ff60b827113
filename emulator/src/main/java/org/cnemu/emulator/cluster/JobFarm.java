package org.cnemu.emulator.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The driver's side of a farmed plan, for a caller that blocks: this JVM joins the cluster as a member
 * that only coordinates (it runs no jobs), starts a {@link FarmDriver}, and hands the caller the
 * driver's events from a queue. Close it to leave the cluster.
 */
public final class JobFarm implements AutoCloseable {
  /** Results larger than this are refused (a results.json is kilobytes to a few megabytes). */
  public static final long MAX_RESULT_BYTES = 512L << 20;

  private final ActorSystem<Void> system;
  private final ActorRef<FarmDriver.Command> driver;
  private final LinkedBlockingQueue<FarmDriver.Event> events = new LinkedBlockingQueue<>();
  private CompletableFuture<Void> leaving;

  private JobFarm(ActorSystem<Void> system, FarmDriver.Settings settings) {
    this.system = system;
    this.driver = system.systemActorOf(FarmDriver.create(settings, events::add), "farm-driver", Props.empty());
    // the split-brain resolver may down this JVM (unreachable for long on a loaded machine): say so
    system.getWhenTerminated().thenRun(() -> events.add(new FarmDriver.GaveUp(
        "this driver's cluster member stopped (downed by the other nodes after being unreachable, or shut down)")));
  }

  /**
   * Joins the cluster through {@code seed} at {@code bind}.
   *
   * @param expectedNodes dispatch nothing before this many nodes answered (0: start with the first one)
   */
  public static JobFarm join(ClusterNode.HostPort seed, ClusterNode.HostPort bind, ClusterSecurity security,
      int expectedNodes, Duration joinTimeout) {
    trace("join");
    // A driver holds no jobs once it leaves: after its leave is seen (Exiting) it need not wait up to 10 s
    // for its own removal while stopping (the nodes remove an exiting member that is gone).
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "cnemu", com.typesafe.config.ConfigFactory
        .parseString("pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 1s")
        .withFallback(ClusterNode.config(bind, seed, 1, security)));
    trace("system started");
    try {
      Cluster cluster = Cluster.get(system);
      long deadline = System.nanoTime() + joinTimeout.toNanos();
      while (cluster.selfMember().status() != MemberStatus.up()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not join the cnemu cluster at " + seed.host() + ":" + seed.port()
              + " within " + joinTimeout.toSeconds() + " s (is `bin/cnemu cluster seed` running there?)");
        }
        Thread.sleep(20);
      }
      trace("member up");
      return new JobFarm(system, new FarmDriver.Settings(expectedNodes, joinTimeout, MAX_RESULT_BYTES));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ClusterNode.stop(system, 2);
      throw new IllegalStateException("interrupted while joining the cluster", e);
    } catch (RuntimeException e) {
      ClusterNode.stop(system, 2);
      throw e;
    }
  }

  /**
   * -Dcnemu.trace=true: "TRACE farm WHAT SECONDS" with the seconds since this JVM started, so a benchmark
   * can tell the fixed cost of a farmed plan (JVM start, joining, leaving) from its jobs.
   */
  public static void trace(String what) {
    if (TRACE) {
      System.err.printf(java.util.Locale.ROOT, "TRACE farm %s %.3f%n", what,
          java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3);
    }
  }

  private static final boolean TRACE = Boolean.getBoolean("cnemu.trace");

  public String address() {
    return system.address().toString();
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
   * Starts leaving the cluster on a thread of its own, once the caller has every result it waits for:
   * what the caller still does (writing results, summaries, reports) overlaps the leave. {@link #close}
   * waits for it.
   */
  public synchronized void leaveSoon() {
    if (leaving != null) return;
    leaving = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        leaveAndStop();
      } finally {
        leaving.complete(null);
      }
    }, "cnemu-farm-leave");
    t.setDaemon(true);
    t.start();
  }

  private void leaveAndStop() {
    trace("close");
    boolean up = !system.whenTerminated().isCompleted();
    if (up) ClusterNode.leave(system);
    trace("left");
    ClusterNode.stop(system, up ? 10 : 2);
    trace("stopped");
  }

  /** Leaves the cluster (the nodes then drop anything of this plan) and stops this JVM's member. */
  @Override
  public void close() {
    leaveSoon();
    leaving.join();
  }
}
