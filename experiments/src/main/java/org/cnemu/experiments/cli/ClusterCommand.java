package org.cnemu.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.cnemu.emulator.cluster.ClusterKey;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.emulator.cluster.ClusterSecurity;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.emulator.cluster.FarmWorker;
import org.cnemu.experiments.run.FarmedJobs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu cluster init|seed|worker}: the cluster key, and long-lived nodes that host partitions of
 * runs and whole jobs of plans started elsewhere.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = {"Start a cnemu cluster node (see docs/cluster.md).",
        "Once, run 'cnemu cluster init' and copy the key folder to every lab machine.",
        "Then start one seed, then workers on other machines, then run 'cnemu run FILE --cluster SEED_HOST:PORT'."},
    subcommands = {ClusterCommand.Init.class, ClusterCommand.Seed.class, ClusterCommand.Worker.class})
public final class ClusterCommand extends CommandGroup {

  /**
   * How a node authenticates to its cluster: {@code --cluster-key DIR} (default: the user's config
   * folder) or {@code --insecure}. Taken by {@code cluster seed|worker} and {@code run --cluster}.
   */
  public static final class SecurityOptions {
    @Option(names = "--cluster-key", paramLabel = "DIR",
        description = "Read the cluster key that 'cnemu cluster init' made from this folder (default: ~/.config/cnemu/cluster, "
            + "or $XDG_CONFIG_HOME/cnemu/cluster).")
    Path keyDirectory;

    @Option(names = "--insecure",
        description = "Use plain TCP without authentication or encryption: anyone who can reach the ports can join, "
            + "run and host. Only for throw-away clusters on one machine.")
    boolean insecure;

    /**
     * The security this node runs with, checked against the node at {@code seed} (null: none to check);
     * null after printing one line to stderr when the key is missing, unusable or not the seed's.
     */
    public ClusterSecurity resolve(CommandSpec spec, ClusterNode.HostPort seed) {
      return resolve(spec, seed, null);
    }

    /**
     * As {@link #resolve(CommandSpec, ClusterNode.HostPort)}, with {@code --cluster-key} relative to the
     * caller's folder ({@code invocation}: a command the daemon serves; null: this JVM's folder).
     */
    public ClusterSecurity resolve(CommandSpec spec, ClusterNode.HostPort seed, org.cnemu.experiments.Invocation invocation) {
      PrintWriter err = spec.commandLine().getErr();
      if (insecure && keyDirectory != null) {
        throw new ParameterException(spec.commandLine(), "--insecure and --cluster-key exclude each other");
      }
      ClusterSecurity security;
      if (insecure) {
        security = ClusterSecurity.insecure();
      } else {
        try {
          Path dir = directory();
          security = ClusterSecurity.withKey(ClusterKey.load(invocation == null ? dir : invocation.resolve(dir)));
        } catch (ClusterKey.KeyException e) {
          err.println("error: " + e.getMessage());
          err.flush();
          return null;
        }
      }
      return seed == null || acceptedBy(spec, security, seed) ? security : null;
    }

    /**
     * Whether the node at {@code seed} takes {@code security} (its key, or plain TCP); false after printing
     * one line to stderr. A TLS handshake with the seed; a seed not listening yet passes (a worker keeps trying
     * to join). {@code run --cluster} checks with {@link org.cnemu.experiments.run.FarmedJobs#seedRefusal}
     * instead (a farmed plan: {@link org.cnemu.experiments.run.FarmedJobs#refusal}), which refuses an address
     * where nothing listens.
     */
    public boolean acceptedBy(CommandSpec spec, ClusterSecurity security, ClusterNode.HostPort seed) {
      String refused = security.probe(seed);
      if (refused == null) return true;
      PrintWriter err = spec.commandLine().getErr();
      err.println("error: " + refused);
      err.flush();
      return false;
    }

    Path directory() {
      return keyDirectory != null ? keyDirectory : ClusterKey.defaultDirectory();
    }
  }

  static int serve(CommandSpec spec, String bind, String seed, NodeOptions node, String role) {
    int threads = node.threads;
    SecurityOptions options = node.security;
    ClusterNode.HostPort b;
    ClusterNode.HostPort s;
    try {
      b = ClusterNode.HostPort.parse(bind);
      s = ClusterNode.HostPort.parse(seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 0");
    if (node.jobSlots < 0) throw new ParameterException(spec.commandLine(), "--job-slots must be >= 0");
    int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    // the default, one per processor, is shared with the other nodes on this machine (a seed and a worker
    // on one machine take half each): explicit slots are the user's to decide
    FarmWorker.Slots slots = node.jobSlots > 0 ? FarmWorker.Slots.exactly(node.jobSlots)
        : FarmWorker.Slots.sharedMachine(Runtime.getRuntime().availableProcessors());
    // A seed has nobody to check against; a worker checks the seed before it joins.
    ClusterSecurity security = options.resolve(spec, role.equals("seed") ? null : s);
    if (security == null) return ExitCodes.BAD_INPUT;
    PrintWriter out = spec.commandLine().getOut();
    ActorSystem<Void> system = ClusterNode.serve(b, s, t, security, FarmedJobs.nodeRunner(), slots, line -> {
      out.println(line);
      out.flush();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(system::terminate, "cnemu-cluster-stop"));
    out.printf("cnemu %s listening at %s (seed %s, %d threads, %d job slots%s, %s); Ctrl-C to stop%n", role,
        system.address(), s.host() + ":" + s.port(), t, slots.count(),
        slots.shared() ? " shared with the other nodes on this machine" : "", security.describe());
    out.flush();
    try {
      system.getWhenTerminated().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      return ExitCodes.FAILURE;
    }
    return ExitCodes.OK;
  }

  /** Options every node takes. */
  static final class NodeOptions {
    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
        description = "Run this node's partitions on N dispatcher threads (0: one per processor).")
    int threads;

    @Option(names = "--job-slots", paramLabel = "N", defaultValue = "0",
        description = "Run up to N jobs of farmed plans at once (a one-partition job takes one slot; "
            + "0: one per processor, shared with the other cnemu nodes on this machine).")
    int jobSlots;

    @picocli.CommandLine.Mixin
    SecurityOptions security;
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Make a new cluster key: a private key and its certificate in DIR/" + ClusterKey.FILE_NAME
          + ", readable only by you.", "Copy the folder to the same place on every lab machine (docs/cluster.md)."})
  static final class Init implements Callable<Integer> {
    @Option(names = "--cluster-key", paramLabel = "DIR",
        description = "Write the key into this folder (default: ~/.config/cnemu/cluster, or $XDG_CONFIG_HOME/cnemu/cluster).")
    Path keyDirectory;

    @Option(names = "--force", description = "Replace an existing key (every node then needs the new one).")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Path dir = keyDirectory != null ? keyDirectory : ClusterKey.defaultDirectory();
      ClusterKey key;
      try {
        key = ClusterKey.init(dir, force);
      } catch (ClusterKey.KeyException e) {
        spec.commandLine().getErr().println("error: " + e.getMessage());
        return ExitCodes.BAD_INPUT;
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf("cnemu: cluster key %s written to %s (owner-only); copy %s to every lab machine "
          + "(docs/cluster.md)%n", key.fingerprint(), key.file(), dir);
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(name = "seed", mixinStandardHelpOptions = true,
      description = "Start the seed node: the first node, whose address the others join.")
  static final class Seed implements Callable<Integer> {
    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:25520",
        description = "Listen on this address (default ${DEFAULT-VALUE}; binding beyond loopback is an explicit choice).")
    String bind;

    @picocli.CommandLine.Mixin
    NodeOptions node;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      return serve(spec, bind, bind, node, "seed");
    }
  }

  @Command(name = "worker", mixinStandardHelpOptions = true, description = "Start a worker that joins a seed.")
  static final class Worker implements Callable<Integer> {
    @Option(names = "--seed", paramLabel = "HOST:PORT", required = true, description = "Join the cluster through the seed node at this address.")
    String seed;

    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
        description = "Listen on this address (default ${DEFAULT-VALUE}: loopback, any free port).")
    String bind;

    @picocli.CommandLine.Mixin
    NodeOptions node;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      return serve(spec, bind, seed, node, "worker");
    }
  }
}
