package org.cnemu.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentSpec;

/**
 * One job run in this JVM, from its point's experiment to the text of its results.json: the same code
 * for a job of a local plan and for a job a cluster node runs for a farming driver, so both write the
 * same bytes (outside {@code wall}).
 */
final class JobWork {
  private JobWork() {}

  /**
   * What one job needs.
   *
   * @param point the point's typed spec (settings and the model's spec, parsed once for all its runs)
   * @param pekkoOverrides the file's own {@code pekko { }} block (engine tuning; never changes results)
   * @param outDir the job's folder as results.json's {@code wall.out_dir} names it (the driver's)
   * @param threads --threads, or null for engine.threads
   * @param node the cluster node that runs it (wall only), or null in the plan's own JVM
   */
  record Spec(ExperimentSpec.Point point, Config pekkoOverrides, int run, long seed, String outDir, Integer threads,
      String node) {
    /** The point's resolved experiment block (results.json's {@code config}; a cluster node's text). */
    Config experiment() {
      return point.experiment();
    }
  }

  /** Before the run starts (live metrics retag their series); null: nothing. */
  interface BeforeRun {
    void accept(Spec spec);
  }

  /**
   * Runs the job; a run that fails for any reason gives a results.json that says so ({@code complete:
   * false} and one line), never an exception.
   *
   * @param partitionsOn the cluster that hosts the run's partitions, or null to run them in this JVM
   */
  static String run(Spec spec, PlanRunner.ClusterTarget partitionsOn, Coordinator.ProgressListener progress,
      BeforeRun before, String runId) {
    // The document is made in a call of its own: once it returns, the model and the run's entities (the
    // partitions' state, tens of MB at 1,000 hosts) are unreachable, so a collection while the text is
    // made, or after, copies the document only (a local of a method still running stays reachable until
    // it returns, whatever the code after it uses).
    Map<String, Object> doc = document(spec, partitionsOn, progress, before, runId);
    try {
      String json = JsonFiles.toJson(doc);
      PhaseTrace.mark("to-json");
      return json;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The job's results document: the model built, the run, the model's sections; a failed run's says why. */
  private static Map<String, Object> document(Spec spec, PlanRunner.ClusterTarget partitionsOn,
      Coordinator.ProgressListener progress, BeforeRun before, String runId) {
    EngineSettings s = spec.point().settings();
    int threads = PlanRunner.threads(s, spec.threads());
    Map<String, Object> config = ConfigJson.of(spec.experiment());
    ResultsDocument.RunSpec runSpec = new ResultsDocument.RunSpec(s.name(), spec.run(), spec.seed(), s.durationNanos());
    long startWall = System.nanoTime(); // wall section only
    Map<String, Object> doc;
    PlanRunner.ClusterTarget c = partitionsOn;
    // in this JVM, what the run needs (an actor system for several partitions) starts while the model builds
    Simulation.Engine engine = null;
    try {
      if (c == null) engine = Simulation.Engine.start(s.partitions(), threads, spec.pekkoOverrides());
      SimulationBuilder builder = new SimulationBuilder(spec.seed(), spec.run(), s.partitions(), s.placement());
      BuiltModel model = spec.point().model().build(builder);
      PhaseTrace.mark("model-build");
      if (before != null) before.accept(spec);
      SimulationResult r = c == null
          ? engine.run(builder, s.durationNanos(), progress)
          : ClusterNode.run(builder, spec.experiment().root().render(ConfigRenderOptions.concise()), s.durationNanos(),
              threads, c.seed(), c.bind(), c.nodes(), c.hostPartitions(), c.security(), progress, runId);
      PhaseTrace.mark("simulation");
      Map<String, Object> sections = model.results(r);
      PhaseTrace.mark("model-results");
      Wall wall = new Wall((System.nanoTime() - startWall) / 1e9, r.wallNanos() / 1e9, r.eventsPerWallSecond(), threads,
          r.barrierWaitShare(threads), spec.outDir(), spec.node());
      doc = ResultsDocument.complete(runSpec, config, r, sections, wall);
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      Wall wall = new Wall((System.nanoTime() - startWall) / 1e9, 0, 0, threads, 0, spec.outDir(), spec.node());
      doc = ResultsDocument.failed(runSpec, config, PlanRunner.describe(e), wall);
    } finally {
      if (engine != null) engine.close();
    }
    return doc;
  }
}
