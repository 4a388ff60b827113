package org.cnemu.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.live.LiveMetrics;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.run.ExperimentRunner;
import org.cnemu.experiments.ui.ProgressLine;
import org.cnemu.experiments.ui.SummaryTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnemu run FILE}: validate, run every repetition, write results.json, print a summary. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run an experiment file and write its results folder.",
        "The file is validated first; any problem stops the run (exit code 2)."})
public final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "Experiment file (HOCON), e.g. experiments/quickstart.conf.")
  Path file;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Results folder (default: experiment.output.dir, else results/<experiment name>/).")
  Path out;

  @Option(names = "--seed", paramLabel = "N", description = "Experiment seed (overrides experiment.seed); run i uses N + i.")
  Long seed;

  @Option(names = "--threads", paramLabel = "N",
      description = "Dispatcher threads (overrides experiment.engine.threads; 0 = one per processor). Never changes results.")
  Integer threads;

  @Option(names = "--partitions", paramLabel = "N",
      description = "Engine partitions (overrides experiment.engine.partitions).")
  Integer partitions;

  @Option(names = "--no-report", description = "Write only results.json: no CSV tables, plots or report.html.")
  boolean noReport;

  @Option(names = {"-q", "--quiet"}, description = "Print only the path of the results file.")
  boolean quiet;

  @Option(names = "--cluster", paramLabel = "HOST:PORT",
      description = "Run on the cnemu cluster whose seed listens at HOST:PORT (see 'cnemu cluster'). "
          + "The result is byte-identical to a one-JVM run.")
  String cluster;

  @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
      description = "With --cluster: this JVM's own cluster address (default ${DEFAULT-VALUE}: loopback, any free port).")
  String bind;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "0",
      description = "With --cluster: nodes to use, this one included (unless --coordinate-only); "
          + "0 = every node that is up (default).")
  int nodes;

  @Option(names = "--coordinate-only",
      description = "With --cluster: this JVM coordinates the run but hosts no partitions; they run on the "
          + "seed and workers, which stay warm from run to run.")
  boolean coordinateOnly;

  @picocli.CommandLine.Mixin
  ClusterCommand.SecurityOptions clusterSecurity;

  @Option(names = "--prometheus", paramLabel = "PORT",
      description = "Serve live metrics (Kamon) for Prometheus at http://HOST:PORT/metrics during the run.")
  Integer prometheusPort;

  @Option(names = "--prometheus-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "Address of the Prometheus endpoint (default ${DEFAULT-VALUE}; anything else is an explicit choice).")
  String prometheusHost;

  @Option(names = "--instrument-actors",
      description = "Also attach Kamon's agent for Pekko actor metrics (roughly halves actor message rates).")
  boolean instrumentActors;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (threads != null && threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 0");
    if (partitions != null && partitions < 1) {
      throw new ParameterException(spec.commandLine(), "--partitions must be >= 1");
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();

    Map<String, Object> overrides = new LinkedHashMap<>();
    if (seed != null) overrides.put("experiment.seed", seed);
    if (partitions != null) overrides.put("experiment.engine.partitions", partitions);
    Invocation invocation = Cli.invocation(spec);
    LoadedExperiment experiment = new ExperimentLoader().load(file, overrides, invocation.cwd());
    if (!experiment.ok()) {
      Output.problems(stderr, experiment.problems());
      return ExitCodes.BAD_INPUT;
    }
    EngineSettings s = EngineSettings.from(experiment.experiment());
    ExperimentRunner.ClusterTarget target = null;
    if (coordinateOnly && cluster == null) {
      throw new ParameterException(spec.commandLine(), "--coordinate-only needs --cluster HOST:PORT");
    }
    if (cluster != null) {
      ClusterNode.HostPort seedAt;
      ClusterNode.HostPort bindAt;
      try {
        seedAt = ClusterNode.HostPort.parse(cluster);
        bindAt = ClusterNode.HostPort.parse(bind);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--cluster/--bind: " + e.getMessage());
      }
      var security = clusterSecurity.resolve(spec, seedAt); // null: refused, one line printed
      if (security == null) return ExitCodes.BAD_INPUT;
      target = new ExperimentRunner.ClusterTarget(seedAt, bindAt, nodes, !coordinateOnly, security);
    }
    if (prometheusPort != null && (prometheusPort < 1 || prometheusPort > 65535)) {
      throw new ParameterException(spec.commandLine(), "--prometheus must be a port between 1 and 65535");
    }
    LiveMetrics.Settings live = prometheusPort == null ? null
        : new LiveMetrics.Settings(prometheusHost, prometheusPort, instrumentActors,
            com.typesafe.config.ConfigFactory.empty());
    ExperimentRunner.Options given = new ExperimentRunner.Options(out, threads, !noReport, target, live);
    boolean sweep = org.cnemu.experiments.run.SweepRunner.isSweep(experiment);
    // The results folder as the user names it (--out, experiment.output.dir or results/<name>) and as
    // this JVM writes it: the same unless the daemon serves a caller in another folder.
    Invocation.PathView dir = invocation.view(ExperimentRunner.outputDir(
        sweep ? EngineSettings.from(org.cnemu.experiments.config.Sweep.base(experiment.experiment())) : s, given));
    ExperimentRunner.Options options = new ExperimentRunner.Options(dir.actual(), threads, !noReport, target, live);
    if (sweep) return SweepRun.run(spec.commandLine(), experiment, options, quiet, dir, invocation.interactive());
    if (!quiet) {
      stdout.printf("cnemu: experiment '%s', model %s, %d run%s from seed %d, %s virtual, %d partitions, %d threads%n",
          s.name(), s.model(), s.runs(), s.runs() == 1 ? "" : "s", s.seed(),
          experiment.experiment().getString("duration"), s.partitions(), ExperimentRunner.threads(s, options));
      stdout.flush();
    }
    boolean showProgress = !quiet && invocation.interactive();
    ExperimentRunner runner = new ExperimentRunner(new ModelRegistry().get(s.model()));
    ExperimentRunner.PointOutcome outcome = runner.run(experiment, options, new ExperimentRunner.Listener() {
      private ProgressLine line;

      @Override
      public Coordinator.ProgressListener progress(int run, int runs) {
        if (!showProgress) return null;
        line = new ProgressLine(stderr, runs > 1 ? "run " + (run + 1) + "/" + runs + " " : "");
        return line;
      }

      @Override
      public void warning(String message) {
        if (line != null) line.clear();
        stderr.println("warning: " + message);
        stderr.flush();
      }

      @Override
      public void runFinished(ExperimentRunner.RunOutcome o) {
        if (line != null) line.clear();
        if (!quiet && o.complete()) {
          stdout.println();
          SummaryTable.print(stdout, o, s.runs());
          stdout.flush();
        }
      }
    });

    ExperimentRunner.RunOutcome failed = outcome.firstFailure();
    if (failed != null) {
      stderr.println("error: run " + failed.run() + " (seed " + failed.seed() + ") failed: " + failed.error());
      stderr.flush();
      return ExitCodes.FAILURE;
    }
    Path result = outcome.summaryFile() != null ? outcome.summaryFile() : outcome.runs().get(0).resultsFile();
    stdout.println(quiet ? dir.show(result) : "\nresults: " + dir.show(result));
    stdout.flush();
    return ExitCodes.OK;
  }
}
