package org.cnemu.experiments.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.live.LiveMetrics;
import org.cnemu.experiments.run.FarmedJobs;
import org.cnemu.experiments.run.PlanRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu run FILE}: validate, then run the file's plan (its repetitions, every point of its sweep,
 * every arm of its comparison) and write the results folder with its summaries.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run an experiment file and write its results folder.",
        "Every repetition, every point of its sweep { } and every arm of its compare { } run, several at once (--jobs).",
        "The file is validated first; any problem stops the run (exit code 2)."})
public final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "Run this experiment file (HOCON), e.g. experiments/quickstart.conf.")
  Path file;

  @Mixin
  ExperimentOptions options;

  @Option(names = "--cluster", paramLabel = "HOST:PORT",
      description = "Run on the cnemu cluster whose seed listens at HOST:PORT (see 'cnemu cluster'): a plan of "
          + "several one-partition jobs is farmed out job by job, a single run is split into partitions "
          + "(--cluster-mode). The results are byte-identical to a one-JVM run.")
  String cluster;

  @Option(names = "--cluster-mode", paramLabel = "MODE",
      description = "With --cluster, 'jobs' sends whole jobs to the nodes, as many at once as their slots allow; "
          + "'partitions' runs one job at a time with its partitions dealt over the nodes. Default: jobs when the "
          + "plan has more than one job and every job has one partition, else partitions.")
  String clusterMode;

  @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
      description = "With --cluster, this JVM joins the cluster from this address (default ${DEFAULT-VALUE}: loopback, any free port).")
  String bind;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "0",
      description = "With --cluster, in partitions mode the run uses N nodes, this one included (unless --coordinate-only; "
          + "0, the default: every node that is up); in jobs mode N nodes must have joined before the first job is "
          + "handed out (this JVM only coordinates; 0, the default: start with the first).")
  int nodes;

  @Option(names = "--coordinate-only",
      description = "With --cluster, this JVM coordinates the run but hosts no partitions; they run on the "
          + "seed and workers, which stay warm from run to run (a farmed plan always only coordinates).")
  boolean coordinateOnly;

  @picocli.CommandLine.Mixin
  ClusterCommand.SecurityOptions clusterSecurity;

  @Option(names = "--prometheus", paramLabel = "PORT",
      description = "Serve live metrics (Kamon) for Prometheus at http://HOST:PORT/metrics during the run.")
  Integer prometheusPort;

  @Option(names = "--prometheus-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "Serve the Prometheus endpoint on this address (default ${DEFAULT-VALUE}; anything else is an explicit choice).")
  String prometheusHost;

  @Option(names = "--instrument-actors",
      description = "Also attach Kamon's agent for Pekko actor metrics (roughly halves actor message rates).")
  boolean instrumentActors;

  @Spec
  CommandSpec spec;

  /** A farmed plan's check that the seed takes the key ({@link FarmedJobs#refusal}); null: checked already, or no cluster. */
  private java.util.concurrent.CompletableFuture<String> refusal;
  /** The farming driver was stopped at once (its key refused): no goodbye to wait for. */
  private boolean aborted;

  @Override
  public Integer call() throws Exception {
    org.cnemu.experiments.run.PhaseTrace.mark("picocli");
    Invocation invocation = Cli.invocation(spec);
    if (coordinateOnly && cluster == null) {
      throw new ParameterException(spec.commandLine(), "--coordinate-only needs --cluster HOST:PORT");
    }
    if (coordinateOnly && prometheusPort != null) {
      // the model's live series (cores, flows, drops) come from the partitions this JVM hosts: none here, and the
      // seed and workers serve no metrics, so the dashboard's model panels would stay empty without a word
      throw new ParameterException(spec.commandLine(), "--prometheus serves the series of the partitions this JVM "
          + "hosts, and --coordinate-only hosts none (the seed and workers serve no metrics): leave out "
          + "--coordinate-only, or --prometheus");
    }
    if (cluster != null && options.jobs != null) {
      // accepted and ignored before: a farmed plan's nodes run as many jobs at once as their slots, a partitioned
      // plan runs one job at a time
      throw new ParameterException(spec.commandLine(), "--jobs has no effect with --cluster: a farmed plan runs as "
          + "many jobs at once as the nodes have job slots (cluster seed / worker --job-slots N), a partitioned one a "
          + "job at a time; leave out --jobs");
    }
    if (clusterMode != null && cluster == null) {
      throw new ParameterException(spec.commandLine(), "--cluster-mode needs --cluster HOST:PORT");
    }
    PlanRunner.ClusterMode mode = null;
    if (clusterMode != null) {
      mode = switch (clusterMode) {
        case "jobs" -> PlanRunner.ClusterMode.JOBS;
        case "partitions" -> PlanRunner.ClusterMode.PARTITIONS;
        default -> throw new ParameterException(spec.commandLine(),
            "--cluster-mode: expected jobs or partitions, got '" + clusterMode + "'");
      };
    }
    if (nodes < 0) throw new ParameterException(spec.commandLine(), "--nodes must be >= 0");
    PlanRunner.ClusterTarget target = null;
    refusal = null;
    aborted = false;
    if (cluster != null) {
      ClusterNode.HostPort seedAt;
      ClusterNode.HostPort bindAt;
      try {
        seedAt = ClusterNode.HostPort.parse(cluster);
        bindAt = ClusterNode.HostPort.parse(bind);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--cluster/--bind: " + e.getMessage());
      }
      // null: refused, one line printed; the key is read per command (a daemon serving it too)
      var security = clusterSecurity.resolve(spec, null, invocation);
      if (security == null) return ExitCodes.BAD_INPUT;
      // The mode, when not forced, follows from the plan (PlanCommand). A farmed plan's driver starts now
      // and finds its nodes while the experiment loads; a plan that turns out to need partitions drops it.
      // Not on a fixed --bind port unless jobs mode is forced: a partitioned run's member would then take the
      // dropped driver's address while the nodes may still hold the driver's incarnation of it (the goodbye
      // races the driver's own start-up when the experiment loads fast); a partitioned run never joined then.
      boolean early = mode == PlanRunner.ClusterMode.JOBS || (mode == null && bindAt.port() == 0);
      var farm = early ? FarmedJobs.open(seedAt, bindAt, security, nodes, invocation.keepFarmDriver()) : null;
      // The seed must take this key. A farming driver's first answer from the seed says so, else a TLS
      // handshake of its own, either while the experiment loads (checked before the plan runs, below);
      // a run's member checks it now.
      if (farm != null) {
        refusal = FarmedJobs.refusal(farm, security, seedAt);
      } else {
        // a partitioned run's member: nothing listening at the seed's address (after a few seconds, for a seed
        // still starting) is a wrong address, refused before the folder is touched
        String refused = FarmedJobs.seedRefusal(security, seedAt, FarmedJobs.REFUSED_FOR, () -> false);
        if (refused != null) {
          spec.commandLine().getErr().println("error: " + refused);
          spec.commandLine().getErr().flush();
          return ExitCodes.BAD_INPUT;
        }
      }
      target = new PlanRunner.ClusterTarget(seedAt, bindAt, nodes, !coordinateOnly, security, mode, farm);
    }
    try {
      return runPlan(invocation, target);
    } finally {
      // waits for the driver's goodbye (else the JVM may exit before the nodes stopped watching it)
      if (target != null && target.farm() != null && !aborted) FarmedJobs.discard(target.farm(), true);
    }
  }

  private int runPlan(Invocation invocation, PlanRunner.ClusterTarget target) throws Exception {
    if (prometheusPort != null && (prometheusPort < 1 || prometheusPort > 65535)) {
      throw new ParameterException(spec.commandLine(), "--prometheus must be a port between 1 and 65535");
    }
    LoadedExperiment experiment = PlanCommand.load(spec.commandLine(), file, options, invocation);
    org.cnemu.experiments.run.PhaseTrace.mark("load");
    if (experiment == null) return ExitCodes.BAD_INPUT;
    String refused = refusal == null ? null : refusal.join();
    org.cnemu.experiments.run.PhaseTrace.mark("key-accepted");
    if (refused != null) {
      spec.commandLine().getErr().println("error: " + refused);
      spec.commandLine().getErr().flush();
      FarmedJobs.abort(target.farm()); // no node heard of this driver: no goodbye
      aborted = true;
      return ExitCodes.BAD_INPUT;
    }
    LiveMetrics.Settings live = prometheusPort == null ? null
        : new LiveMetrics.Settings(prometheusHost, prometheusPort, instrumentActors,
            com.typesafe.config.ConfigFactory.empty());
    return PlanCommand.execute(spec.commandLine(), experiment, options, invocation, target, live);
  }
}
