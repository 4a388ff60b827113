package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.experiments.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnemu cluster seed|worker}: long-lived nodes that host partitions of runs started elsewhere. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = {"Start a cnemu cluster node (see docs/cluster.md).",
        "Start one seed, then workers on other machines, then: cnemu run FILE --cluster SEED_HOST:PORT"},
    subcommands = {ClusterCommand.Seed.class, ClusterCommand.Worker.class})
public final class ClusterCommand extends CommandGroup {

  static int serve(CommandSpec spec, String bind, String seed, int threads, String role) {
    ClusterNode.HostPort b;
    ClusterNode.HostPort s;
    try {
      b = ClusterNode.HostPort.parse(bind);
      s = ClusterNode.HostPort.parse(seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 0");
    int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    PrintWriter out = spec.commandLine().getOut();
    ActorSystem<Void> system = ClusterNode.serve(b, s, t, line -> {
      out.println(line);
      out.flush();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(system::terminate, "cnemu-cluster-stop"));
    out.printf("cnemu %s listening at %s (seed %s, %d threads); Ctrl-C to stop%n", role, system.address(),
        s.host() + ":" + s.port(), t);
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
        description = "Dispatcher threads for this node's partitions; 0 = one per processor.")
    int threads;
  }

  @Command(name = "seed", mixinStandardHelpOptions = true,
      description = "Start the seed node: the first node, whose address the others join.")
  static final class Seed implements Callable<Integer> {
    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:25520",
        description = "Address to listen on (default ${DEFAULT-VALUE}; binding beyond loopback is an explicit choice).")
    String bind;

    @picocli.CommandLine.Mixin
    NodeOptions node;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      return serve(spec, bind, bind, node.threads, "seed");
    }
  }

  @Command(name = "worker", mixinStandardHelpOptions = true, description = "Start a worker that joins a seed.")
  static final class Worker implements Callable<Integer> {
    @Option(names = "--seed", paramLabel = "HOST:PORT", required = true, description = "The seed node's address.")
    String seed;

    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
        description = "Address to listen on (default ${DEFAULT-VALUE}: loopback, any free port).")
    String bind;

    @picocli.CommandLine.Mixin
    NodeOptions node;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      return serve(spec, bind, seed, node.threads, "worker");
    }
  }
}
