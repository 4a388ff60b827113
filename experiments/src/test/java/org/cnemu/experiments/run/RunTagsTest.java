package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.ExperimentSpec;
import org.cnemu.experiments.config.LoadedExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tags of a run's live series: the runner's experiment and run, then the model's own (the kernel model:
 * policy, the names the dashboards select on), taken from each point's typed spec.
 */
class RunTagsTest {
  @TempDir
  Path dir;

  private List<ExperimentSpec.Point> points(String text) throws IOException {
    Path f = Files.writeString(dir.resolve("t.conf"), text);
    LoadedExperiment e = new ExperimentLoader().load(f);
    assertTrue(e.ok(), () -> e.problems().toString());
    return e.spec().points();
  }

  @Test
  void eachArmOfAComparisonIsTaggedWithItsOwnPolicy() throws IOException {
    List<ExperimentSpec.Point> ps = points("experiment { name = ab, duration = 1ms, model = kernel, "
        + "topology { stack = native, host-count = 2 }, workloads = [{ src = h1, dst = h2 }], "
        + "compare { steering = [vanilla, rfs] } }\n");
    List<List<Map.Entry<String, String>>> tags = new ArrayList<>();
    for (ExperimentSpec.Point p : ps) tags.add(List.copyOf(PlanRunner.runTags(p, 3).entrySet()));
    assertEquals(List.of(
        List.of(Map.entry("experiment", "ab"), Map.entry("run", "3"), Map.entry("policy", "vanilla")),
        List.of(Map.entry("experiment", "ab"), Map.entry("run", "3"), Map.entry("policy", "rfs"))), tags);
  }

  @Test
  void aModelWithoutTagsGivesOnlyTheRunnersOwn() throws IOException {
    ExperimentSpec.Point p = points("experiment { name = ph, duration = 100us, model = phold }\n").get(0);
    assertEquals(List.of(Map.entry("experiment", "ph"), Map.entry("run", "0")),
        List.copyOf(PlanRunner.runTags(p, 0).entrySet()));
  }
}
