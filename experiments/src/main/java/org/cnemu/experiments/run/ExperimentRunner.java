package org.cnemu.experiments.run;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.experiments.live.LiveMetrics;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.emulator.model.ModelProvider;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.report.Reports;

/**
 * Runs a validated experiment: {@code runs} repetitions (run i uses seed + i), each built afresh by
 * the model and run on its own actor system, each writing its results.json atomically.
 *
 * <p>{@link #runPoint} runs one configuration into one folder; a sweep (later) is a loop over
 * points, each with its own folder, around it.
 */
public final class ExperimentRunner {
  public static final String RESULTS_FILE = "results.json";
  public static final String SUMMARY_FILE = "summary.json";

  /**
   * How to execute: never part of the results. Null fields fall back to the experiment file.
   *
   * @param reports also write CSV tables, plots and report.html next to each results.json
   */
  public record Options(Path outDir, Integer threads, boolean reports, ClusterTarget cluster,
      LiveMetrics.Settings live) {
    public Options(Path outDir, Integer threads, boolean reports) {
      this(outDir, threads, reports, null, null);
    }

    public static Options defaults() {
      return new Options(null, null, true);
    }
  }

  /**
   * Run on a Pekko cluster reached through {@code seed}; this JVM joins at {@code bind} and hosts
   * partitions too. {@code nodes} = 0 uses every member that is up.
   *
   * @param hostPartitions whether this JVM hosts partitions too, or only coordinates
   * @param security the cluster key or --insecure, already checked against the seed
   */
  public record ClusterTarget(ClusterNode.HostPort seed, ClusterNode.HostPort bind, int nodes, boolean hostPartitions,
      org.cnemu.emulator.cluster.ClusterSecurity security) {}

  /** Hooks for the terminal UI. */
  public interface Listener {
    default void runStarted(int run, int runs, long seed) {}

    /** Progress of the current run, or null for none. */
    default Coordinator.ProgressListener progress(int run, int runs) {
      return null;
    }

    default void runFinished(RunOutcome outcome) {}

    /** Something went wrong that does not invalidate the results (e.g. a report could not be drawn). */
    default void warning(String message) {}
  }

  /** One run's outcome; {@code result} and {@code document} are null when it failed before the end. */
  public record RunOutcome(int run, long seed, Path resultsFile, boolean complete, String error,
      SimulationResult result, Map<String, Object> document, Wall wall) {}

  /** All runs of one point; {@code summaryFile} is null for a single run. */
  public record PointOutcome(Path outDir, List<RunOutcome> runs, Path summaryFile) {
    public boolean complete() {
      return runs.stream().allMatch(RunOutcome::complete);
    }

    public RunOutcome firstFailure() {
      return runs.stream().filter(r -> !r.complete()).findFirst().orElse(null);
    }
  }

  private final ModelProvider provider;

  public ExperimentRunner(ModelProvider provider) {
    this.provider = provider;
  }

  /** The output folder: --out, else experiment.output.dir, else results/&lt;name&gt;/ (relative to the cwd). */
  public static Path outputDir(EngineSettings s, Options o) {
    if (o.outDir() != null) return o.outDir();
    if (!s.outputDir().isBlank()) return Paths.get(s.outputDir());
    return Paths.get("results", s.name());
  }

  public static int threads(EngineSettings s, Options o) {
    int t = o.threads() != null ? o.threads() : s.threadsSetting();
    return t > 0 ? t : Runtime.getRuntime().availableProcessors();
  }

  public PointOutcome run(LoadedExperiment experiment, Options options, Listener listener) throws IOException {
    if (!experiment.ok()) throw new IllegalArgumentException("experiment has problems; validate first");
    EngineSettings s = EngineSettings.from(experiment.experiment());
    if (options.live() == null) {
      return runPoint(experiment.experiment(), experiment.pekkoOverrides(), outputDir(s, options), options, listener);
    }
    // Kamon before any actor system, so its Pekko instrumentation (if asked for) sees them all.
    LiveMetrics.Settings live = options.live();
    if (experiment.kamonOverrides() != null) {
      live = new LiveMetrics.Settings(live.host(), live.port(), live.instrumentActors(),
          experiment.kamonOverrides().withFallback(live.kamonOverrides()));
    }
    try (LiveMetrics metrics = LiveMetrics.start(live, runTags(experiment.experiment(), 0))) {
      return runPoint(experiment.experiment(), experiment.pekkoOverrides(), outputDir(s, options), options, listener);
    }
  }

  /** Tags on every live series of a run. */
  static Map<String, String> runTags(Config experiment, int run) {
    Map<String, String> tags = new java.util.LinkedHashMap<>();
    tags.put("experiment", experiment.getString("name"));
    tags.put("run", Integer.toString(run));
    tags.put("policy", experiment.hasPath("steering") ? experiment.getValue("steering").unwrapped().toString() : "none");
    return tags;
  }

  /** Runs one configuration (all its repetitions) into {@code dir}; stops at the first failed run. */
  public PointOutcome runPoint(Config experiment, Config pekkoOverrides, Path dir, Options options,
      Listener listener) throws IOException {
    EngineSettings s = EngineSettings.from(experiment);
    int threads = threads(s, options);
    Map<String, Object> config = ConfigJson.of(experiment);
    Files.createDirectories(dir);
    // A result from an earlier run in this folder must not look like this run's: remove it first.
    Files.deleteIfExists(dir.resolve(RESULTS_FILE));
    Files.deleteIfExists(dir.resolve(SUMMARY_FILE));

    List<RunOutcome> outcomes = new ArrayList<>();
    for (int i = 0; i < s.runs(); i++) {
      Path runDir = s.runs() == 1 ? dir : dir.resolve("run-" + i);
      RunOutcome o = runOne(experiment, pekkoOverrides, s, i, threads, runDir, config, options, listener);
      if (options.reports()) report(() -> Reports.writeRun(runDir), runDir, listener);
      outcomes.add(o);
      listener.runFinished(o);
      if (!o.complete()) break;
    }
    Path summary = null;
    if (s.runs() > 1) {
      summary = dir.resolve(SUMMARY_FILE);
      JsonFiles.writeAtomically(summary, RunSummary.of(s, config, outcomes));
      if (options.reports()) report(() -> Reports.writeSweep(dir), dir, listener);
    }
    return new PointOutcome(dir, outcomes, summary);
  }

  private RunOutcome runOne(Config experiment, Config pekkoOverrides, EngineSettings s, int run, int threads,
      Path runDir, Map<String, Object> config, Options options, Listener listener) throws IOException {
    long seed = s.seed() + run;
    Path file = runDir.resolve(RESULTS_FILE);
    Files.createDirectories(runDir);
    Files.deleteIfExists(file);
    ResultsDocument.RunSpec spec = new ResultsDocument.RunSpec(s.name(), run, seed, s.durationNanos());
    listener.runStarted(run, s.runs(), seed);
    long startWall = System.nanoTime(); // wall section only
    try {
      SimulationBuilder builder = new SimulationBuilder(seed, run, s.partitions(), s.placement());
      BuiltModel model = provider.build(experiment, builder);
      if (options.live() != null) LiveMetrics.retag(runTags(experiment, run));
      SimulationResult r = options.cluster() == null
          ? Simulation.run(builder, s.durationNanos(), threads, listener.progress(run, s.runs()), pekkoOverrides)
          : ClusterNode.run(builder, experiment.root().render(com.typesafe.config.ConfigRenderOptions.concise()),
              s.durationNanos(), threads, options.cluster().seed(), options.cluster().bind(), options.cluster().nodes(),
              options.cluster().hostPartitions(), options.cluster().security(), listener.progress(run, s.runs()),
              "run" + run);
      Map<String, Object> sections = model.results(r);
      double seconds = (System.nanoTime() - startWall) / 1e9;
      Wall wall = new Wall(seconds, r.eventsPerWallSecond(), threads, r.barrierWaitShare(threads),
          runDir.toString());
      Map<String, Object> doc = ResultsDocument.complete(spec, config, r, sections, wall);
      JsonFiles.writeAtomically(file, doc);
      return new RunOutcome(run, seed, file, true, null, r, doc, wall);
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      // a run that fails for any reason leaves complete: false and one line, never a stale or missing result
      String error = describe(e);
      Wall wall = new Wall((System.nanoTime() - startWall) / 1e9, 0, threads, 0, runDir.toString());
      Map<String, Object> doc = ResultsDocument.failed(spec, config, error, wall);
      JsonFiles.writeAtomically(file, doc);
      return new RunOutcome(run, seed, file, false, error, null, doc, wall);
    }
  }

  private interface ReportWriter {
    void write() throws IOException;
  }

  /** Reports are derived from results.json: failing to draw them leaves the results valid, so only warn. */
  private static void report(ReportWriter writer, Path dir, Listener listener) {
    try {
      writer.write();
    } catch (IOException | RuntimeException e) {
      listener.warning("report in " + dir + " not written: " + describe(e));
    }
  }

  /** One line naming what went wrong; the engine's messages (causality) already say who, when and where. */
  public static String describe(Throwable e) {
    Throwable t = e;
    // unwrap wrappers that add nothing (ExecutionException-style causes with the real message inside)
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    String text = msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    if (!(t instanceof IllegalArgumentException || t instanceof IllegalStateException
        || t instanceof org.cnemu.emulator.CausalityViolation || t instanceof org.cnemu.emulator.RunInterrupted)) {
      text = t.getClass().getSimpleName() + ": " + text;
    }
    return text.replace('\n', ' ');
  }
}
