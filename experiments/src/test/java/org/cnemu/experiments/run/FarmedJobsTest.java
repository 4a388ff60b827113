package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cnemu.emulator.cluster.FarmWorker;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster node's side of a farmed job, without a cluster: what it runs and what it refuses. */
class FarmedJobsTest {
  @TempDir
  Path dir;

  private Plan plan() throws Exception {
    Path f = Files.writeString(dir.resolve("p.conf"), String.join("\n",
        "experiment {",
        "  name = farmjob, seed = 5, runs = 2, duration = 200us, model = phold",
        "  phold { lps = 8, population = 2 }",
        "  sweep { phold.remote = [0.5, 0.9] }",
        "}",
        "pekko.actor.default-dispatcher.throughput = 20", ""));
    LoadedExperiment e = new ExperimentLoader().load(f);
    assertTrue(e.ok(), e.problems()::toString);
    return Plan.of(e, dir.resolve("out"));
  }

  private static String cutWall(String json) {
    return json.substring(0, json.lastIndexOf("\"wall\""));
  }

  /** Job {@code job}'s shared text: its point's experiment. */
  private static FarmWorker.Shared text(Plan plan, Plan.Job job) {
    return FarmWorker.Shared.of(FarmedJobs.file(plan, job));
  }

  @Test
  void aNodeWritesTheResultsOfALocalRun() throws Exception {
    Plan plan = plan();
    Plan.Job job = plan.jobs().get(3); // point 1, run 1: seed 6
    String spec = FarmedJobs.spec(job, null);
    assertTrue(!spec.contains("phold"), "the experiment is the shared text, not in each job's own part: " + spec);
    String farmed = new String(FarmedJobs.nodeRunner().run(text(plan, job), spec, "pekko://cnemu@127.0.0.1:1",
        new AtomicBoolean(), null), StandardCharsets.UTF_8);
    Plan.Point p = plan.point(job);
    String local = JobWork.run(new JobWork.Spec(p.spec(), plan.group(job).pekkoOverrides(), job.run(), job.seed(),
        job.dir().toString(), null, null), null, null, null, "t");
    assertTrue(farmed.contains("\"complete\" : true"), farmed);
    assertEquals(cutWall(local), cutWall(farmed));
    assertTrue(farmed.contains("\"node\" : \"pekko://cnemu@127.0.0.1:1\""), farmed);
    assertTrue(farmed.contains("\"out_dir\" : \"" + job.dir() + "\""), farmed);
  }

  @Test
  void aNodeChecksEachExperimentTextOnceForAllItsRuns() throws Exception {
    Plan plan = plan();
    FarmedJobs.NodeRunner runner = FarmedJobs.nodeRunner();
    for (Plan.Job job : plan.jobs()) { // 2 points x 2 runs: two distinct texts
      String out = new String(runner.run(text(plan, job), FarmedJobs.spec(job, null), "n", new AtomicBoolean(), null),
          StandardCharsets.UTF_8);
      assertTrue(out.contains("\"complete\" : true"), out);
    }
    assertEquals(2, runner.checks(), "a text is parsed, loaded and validated once");
    // what the check found stays found: a run outside the point's runs is refused after a cached check
    ObjectNode n = (ObjectNode) JsonFiles.MAPPER.readTree(FarmedJobs.spec(plan.jobs().get(0), null));
    n.put("run", 5);
    FarmWorker.Shared first = text(plan, plan.jobs().get(0));
    Exception e = assertThrows(Exception.class, () -> runner.run(first, n.toString(), "n", new AtomicBoolean(), null));
    assertTrue(e.getMessage().contains("run 5"), e.getMessage());
    assertEquals(2, runner.checks());
    // a refused text is refused again, each time, without another check; another text is checked
    n.put("run", 0);
    FarmWorker.Shared bogus = FarmWorker.Shared.of("experiment { model = phold, duration = 1ms, bogus-key = 3 }");
    for (int i = 0; i < 2; i++) {
      Exception r = assertThrows(Exception.class, () -> runner.run(bogus, n.toString(), "n", new AtomicBoolean(), null));
      assertTrue(r.getMessage().contains("bogus-key"), r.getMessage());
    }
    assertEquals(3, runner.checks());
    // the node dropped the first text (its cache's bound in bytes): its check went with it, so it is checked again
    runner.dropped(first.digest());
    String again = new String(runner.run(first, FarmedJobs.spec(plan.jobs().get(0), null), "n", new AtomicBoolean(), null),
        StandardCharsets.UTF_8);
    assertTrue(again.contains("\"complete\" : true"), again);
    assertEquals(4, runner.checks());
  }

  /** The spec of job 0 with one field replaced. */
  private String specWith(String field, Object value) throws Exception {
    Plan plan = plan();
    ObjectNode n = (ObjectNode) JsonFiles.MAPPER.readTree(FarmedJobs.spec(plan.jobs().get(0), null));
    if (value instanceof String s) n.put(field, s);
    else n.put(field, ((Number) value).longValue());
    return n.toString();
  }

  /** Why a node refuses job 0 with the shared text {@code text} and the job's own part {@code spec}. */
  private static String refusal(String text, String spec) {
    FarmWorker.Runner runner = FarmedJobs.nodeRunner();
    Exception e = assertThrows(Exception.class,
        () -> runner.run(FarmWorker.Shared.of(text), spec, "n", new AtomicBoolean(), null));
    return e.getMessage();
  }

  /** Why a node refuses job 0 with the shared text {@code text}. */
  private String refusalOfText(String text) throws Exception {
    return refusal(text, FarmedJobs.spec(plan().jobs().get(0), null));
  }

  /** Why a node refuses job 0 with its own part {@code spec}. */
  private String refusalOfSpec(String spec) throws Exception {
    Plan plan = plan();
    return refusal(FarmedJobs.file(plan, plan.jobs().get(0)), spec);
  }

  @Test
  void aNodeValidatesWhatItIsSent() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret.conf"), "experiment.name = leaked\n");
    String include = refusalOfText("include file(\"" + secret + "\")\nexperiment { model = phold }");
    assertTrue(include.contains("includes are refused"), include);
    String unknown = refusalOfText("experiment { model = phold, duration = 1ms, bogus-key = 3 }");
    assertTrue(unknown.startsWith("refused the job: ") && unknown.contains("bogus-key"), unknown);
    String sweep = refusalOfText("experiment { model = phold, duration = 1ms, sweep { phold.lps = [8, 16] } }");
    assertTrue(sweep.contains("one point, not a sweep"), sweep);
    String seed = refusalOfSpec(specWith("seed", 99));
    assertTrue(seed.contains("is not one of the 2 runs from seed 5"), seed);
    String run = refusalOfSpec(specWith("run", 7));
    assertTrue(run.contains("run 7"), run);
    String pekko = refusalOfText("experiment { model = phold, duration = 1ms }\npekko.remote.artery.transport = tcp");
    assertTrue(pekko.startsWith("refused the job: "), pekko);
    assertTrue(refusalOfSpec("[1, 2]").contains("malformed"));
    // a job that names no text (its node refuses it first; its runner too)
    String spec = FarmedJobs.spec(plan().jobs().get(0), null);
    Exception none = assertThrows(Exception.class,
        () -> FarmedJobs.nodeRunner().run(new FarmWorker.Shared("", ""), spec, "n", new AtomicBoolean(), null));
    assertTrue(none.getMessage().contains("malformed"), none.getMessage());
  }
}
