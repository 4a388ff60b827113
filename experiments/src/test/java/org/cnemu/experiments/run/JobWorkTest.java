package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.ExperimentSpec;
import org.cnemu.experiments.config.LoadedExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job runs its point's typed spec, parsed once by the loader and shared by every run of the point. */
class JobWorkTest {
  @TempDir
  Path dir;

  private LoadedExperiment load() throws Exception {
    Path f = Files.writeString(dir.resolve("p.conf"), String.join("\n",
        "experiment {",
        "  name = shared, seed = 5, runs = 3, duration = 200us, model = phold",
        "  phold { lps = 8, population = 2 }",
        "  sweep { phold.remote = [0.5, 0.9] }",
        "}", ""));
    LoadedExperiment e = new ExperimentLoader().load(f);
    assertTrue(e.ok(), e.problems()::toString);
    return e;
  }

  @Test
  void everyRunOfAPointSharesItsOneParsedSpec() throws Exception {
    Plan plan = Plan.of(load(), dir.resolve("out"));
    assertEquals(6, plan.jobs().size());
    for (Plan.Point p : plan.groups().get(0).points()) {
      List<Plan.Job> jobs = p.jobs().stream().map(plan.jobs()::get).toList();
      assertEquals(3, jobs.size());
      for (Plan.Job j : jobs) assertSame(p.spec().model(), plan.point(j).spec().model());
    }
  }

  @Test
  void aJobBuildsFromTheTypedSpecNotFromTheConfigItEchoes() throws Exception {
    ExperimentSpec.Point p = load().spec().points().get(0);
    // the echoed block says 16 LPs; the parsed spec (what the model runs) says 8
    ExperimentSpec.Point echoOnly = new ExperimentSpec.Point(p.index(), p.values(), p.baseline(), p.settings(),
        p.model(), p.experiment().withValue("phold.lps", ConfigValueFactory.fromAnyRef(16)));
    String json = JobWork.run(new JobWork.Spec(echoOnly, null, 0, 5, "out", 1, null), null, null, null, "t");
    assertTrue(json.contains("\"complete\" : true"), json);
    String section = json.substring(json.lastIndexOf("\"phold\"")); // the model's section, after the echo
    assertTrue(section.contains("\"lps\" : 8,"), section);
    String echo = json.substring(json.indexOf("\"config\""), json.lastIndexOf("\"phold\""));
    assertTrue(echo.contains("\"lps\" : 16"), echo);
  }
}
