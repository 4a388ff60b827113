package org.cnemu.emulator.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;

/** Entry points for cluster nodes: a long-lived seed or worker, and a driver that runs one experiment. */
public final class ClusterNode {
  private ClusterNode() {}

  /**
   * The dispatcher of a cluster JVM's messaging: Pekko's internal one, one thread with remoting moved onto it
   * (cnemu-cluster.conf); the farm's actors run there too, so that a message's way from the socket to them stays
   * on one thread.
   */
  static final String MESSAGING_DISPATCHER = "pekko.actor.internal-dispatcher";

  /** Props that run an actor on {@link #MESSAGING_DISPATCHER}. */
  static org.apache.pekko.actor.typed.Props messaging() {
    return org.apache.pekko.actor.typed.DispatcherSelector.fromConfig(MESSAGING_DISPATCHER);
  }

  /** host:port, checked. */
  public record HostPort(String host, int port) {
    public static HostPort parse(String s) {
      int i = s.lastIndexOf(':');
      if (i <= 0) throw new IllegalArgumentException("expected HOST:PORT, got '" + s + "'");
      int port;
      try {
        port = Integer.parseInt(s.substring(i + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected HOST:PORT with a numeric port, got '" + s + "'");
      }
      if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range in '" + s + "'");
      return new HostPort(s.substring(0, i), port);
    }

    String address() {
      return "pekko://cnemu@" + host + ":" + port;
    }
  }

  static Config config(HostPort bind, HostPort seed, int threads, ClusterSecurity security) {
    // The transport and its TLS settings come from the command line alone (the key, or --insecure): no
    // file or property can switch them. Then -D system properties, as in any Pekko application (e.g.
    // -Dcnemu.cluster.data-plane.port=25530).
    return security.transportConfig().withFallback(ConfigFactory.defaultOverrides()).withFallback(ConfigFactory.parseString(
            "pekko.remote.artery.canonical.hostname = \"" + bind.host() + "\"\n"
                + "pekko.remote.artery.canonical.port = " + bind.port() + "\n"
                + "pekko.cluster.seed-nodes = [\"" + seed.address() + "\"]\n"))
        .withFallback(Simulation.actorSystemConfig(threads,
            ConfigFactory.parseResources("cnemu-cluster.conf").resolve()));
  }

  /**
   * A farming driver's actor system: the same transport and key as a node's ({@link #config}), but no
   * cluster member (provider {@code remote}). It needs no join (a round of gossip to Up and the
   * receptionist's replication: ~2 s per command); it talks to the seed's {@link FarmDirectory} and
   * the workers directly, over the same TLS connections a member would use.
   */
  static Config driverConfig(HostPort bind, HostPort seed, ClusterSecurity security, boolean kept) {
    // warn-about-direct-use: Pekko's advice to prefer the cluster, printed on every command otherwise;
    // daemonic: a system kept between plans (JobFarm) never holds its JVM up at exit
    return ConfigFactory.parseString("pekko.actor.provider = remote\npekko.remote.warn-about-direct-use = off\n"
            + "pekko.daemonic = " + (kept ? "on" : "off"))
        .withFallback(config(bind, seed, 1, security));
  }

  /**
   * Starts a seed or worker node; returns the running system (the caller waits on termination).
   *
   * @param log one line per run this node takes part in (null: silent)
   */
  public static ActorSystem<Void> serve(HostPort bind, HostPort seed, int threads, ClusterSecurity security,
      java.util.function.Consumer<String> log) {
    return serve(bind, seed, threads, security, null, null, log);
  }

  /**
   * As {@link #serve(HostPort, HostPort, int, ClusterSecurity, java.util.function.Consumer)}, and the node
   * also runs whole jobs of farmed plans ({@link FarmWorker}) with {@code jobs}, up to {@code jobSlots} at once
   * (shared with the other nodes on this machine when the slots say so).
   *
   * @param jobs runs a farmed job here; null: this node hosts partitions only
   */
  public static ActorSystem<Void> serve(HostPort bind, HostPort seed, int threads, ClusterSecurity security,
      FarmWorker.Runner jobs, FarmWorker.Slots jobSlots, java.util.function.Consumer<String> log) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(ctx -> {
      ctx.spawn(NodeAgent.create(security, log), "node-agent");
      // every node can be a farming driver's contact point (the driver names one with --cluster)
      ctx.spawn(FarmDirectory.create(), "farm-directory", messaging());
      if (jobs != null) ctx.spawn(FarmWorker.create(jobs, jobSlots, log), "farm-worker", messaging());
      return Behaviors.empty();
    }), "cnemu", security.systemSetup(config(bind, seed, threads, security)));
    // Runs deal partitions only to members that are Up: say when this node becomes one.
    if (log != null) {
      org.apache.pekko.cluster.Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
          .registerOnMemberUp(() -> log.accept("member up: " + system.address() + " takes part in runs and plans started from now"));
    }
    return system;
  }

  /**
   * Runs one experiment on the cluster reached through {@code seed}; this JVM joins as a node too
   * (it hosts partitions as well as the coordinator).
   *
   * @param expectedNodes nodes to use including this one; 0 = every member that is up once this node is
   * @param hostPartitions false: this JVM only coordinates (joins the cluster, deals the partitions,
   *     gathers the results); {@code expectedNodes} then counts the other nodes only
   * @param security the cluster key (or --insecure); the caller has checked it against the seed ({@link
   *     ClusterSecurity#probe})
   */
  public static SimulationResult run(SimulationBuilder builder, String experimentHocon, long endNanos, int threads,
      HostPort seed, HostPort bind, int expectedNodes, boolean hostPartitions, ClusterSecurity security,
      Coordinator.ProgressListener progress, String runId) {
    long t0 = System.nanoTime();
    ActorSystem<Void> system = hostPartitions ? serve(bind, seed, threads, security, null)
        : ActorSystem.create(Behaviors.empty(), "cnemu", security.systemSetup(config(bind, seed, threads, security)));
    trace("system started", t0);
    boolean[] ok = {false};
    try {
      Cluster cluster = Cluster.get(system);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (cluster.selfMember().status() != MemberStatus.up()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not join the cnemu cluster at " + seed.host() + ":" + seed.port()
              + " within 30 s (is `bin/cnemu cluster seed` running there?)");
        }
        sleep(50);
      }
      trace("up", t0);
      int nodes = expectedNodes;
      if (nodes <= 0) {
        sleep(500); // let gossip settle so every member that is already up is counted
        nodes = hostPartitions ? 0 : -1; // a coordinating-only JVM is a member but no node agent
        for (var m : cluster.state().getMembers()) if (m.status() == MemberStatus.up()) nodes++;
      }
      if (nodes < 1) {
        throw new IllegalStateException("no cnemu node besides this coordinator is up at " + seed.host() + ":"
            + seed.port() + " (start `bin/cnemu cluster seed` / `worker` first)");
      }
      CompletableFuture<SimulationResult> result = new CompletableFuture<>();
      // This JVM's own actor system may stop first: the split-brain resolver downs a node that the others
      // could not reach for long (a loaded machine), and nothing would then ever complete the run.
      system.getWhenTerminated().thenRun(() -> result.completeExceptionally(new IllegalStateException(
          "this node's cluster member stopped before the run ended (downed by the other nodes after being "
              + "unreachable, or shut down); the run is incomplete")));
      ClusterDriver.Plan plan = new ClusterDriver.Plan(runId, experimentHocon, builder, endNanos, nodes,
          Duration.ofSeconds(30), progress);
      system.systemActorOf(ClusterDriver.create(plan, result), runId + "-driver", Props.empty());
      SimulationResult r = Simulation.await(result);
      trace("result", t0);
      boolean left = leave(system);
      trace("left", t0);
      if (left) quietForStop(system);
      ok[0] = true;
      return r;
    } finally {
      // After a failure (a lost node) leaving cannot converge, and shutting down towards a dead peer
      // can hang on flush timeouts: stop without waiting long, the outcome is already decided.
      stop(system, ok[0] ? 10 : 2);
    }
  }

  /**
   * Leaves the cluster gracefully, so the remaining nodes do not treat this one as crashed; whether the
   * leaving converged (this member exiting or removed) within 5 s.
   */
  static boolean leave(ActorSystem<Void> system) {
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Leave.create(cluster.selfMember().address()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && !gone(cluster)) sleep(50);
    return gone(cluster);
  }

  private static boolean gone(Cluster cluster) {
    MemberStatus s = cluster.selfMember().status();
    return s == MemberStatus.removed() || s == MemberStatus.exiting();
  }

  /**
   * A run's member whose results are in and that left the cluster: only errors are logged while its system
   * stops. The transport's warnings then are about connections closed on purpose, e.g. "Association to
   * [seed] ... is irrecoverably failed ... SystemMessageDelivery stopped with [1] pending system messages"
   * (Artery quarantines a peer when it stops with a system message unacknowledged; some runs here) after a
   * run that succeeded. A run that failed, or a member that did not leave, keeps them.
   */
  static void quietForStop(ActorSystem<Void> system) {
    system.classicSystem().eventStream().setLogLevel(org.apache.pekko.event.Logging.ErrorLevel());
  }

  static void stop(ActorSystem<Void> system, int waitSeconds) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(waitSeconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException ignored) {
      // the run's outcome is already decided; a slow shutdown changes nothing
    }
  }

  /**
   * Waits until {@code at} can be bound again (at most {@code timeout}): after an actor system on that
   * address was stopped, its listener may outlive the stop's own wait on a loaded machine, and the next
   * system on the same fixed port would fail with "Address already in use". Returns whether it is free.
   * ({@link JobFarm#close} waits so for a driver's fixed port.)
   */
  static boolean awaitPortFree(HostPort at, java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
        probe.setReuseAddress(true); // as the transport binds: TIME_WAIT connections do not block it
        probe.bind(new java.net.InetSocketAddress(at.host(), at.port()));
        return true;
      } catch (java.io.IOException inUse) {
        if (System.nanoTime() > deadline) return false;
        sleep(50);
      }
    }
  }

  /** -Dcnemu.trace=true: phase timings of a cluster run on stderr, for benchmarks (bench/cluster.sh). */
  static void trace(String what, long t0) {
    if (Boolean.getBoolean("cnemu.trace")) System.err.printf("TRACE %s %.3f%n", what, (System.nanoTime() - t0) / 1e9);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
