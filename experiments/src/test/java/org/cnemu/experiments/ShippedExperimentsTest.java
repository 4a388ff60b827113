package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every experiment file we ship validates, and profile overrides are checked like any key. */
class ShippedExperimentsTest {
  @TempDir
  Path dir;

  @Test
  void everyShippedExperimentValidates() throws IOException {
    List<String> bad = new ArrayList<>();
    int checked = 0;
    try (Stream<Path> files = Files.walk(Path.of("."))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".conf"))
          .filter(p -> !p.toString().contains("target") && !p.toString().contains("src"))
          .sorted().toList()) {
        String text = Files.readString(f);
        if (!text.contains("experiment {") && !text.contains("experiment{")) continue; // fragments, suite files
        LoadedExperiment e = new ExperimentLoader().load(f);
        checked++;
        if (!e.ok()) bad.add(f + ": " + e.problems().stream().map(ConfigProblem::format).toList());
      }
    }
    assertTrue(checked >= 20, "found only " + checked + " experiment files");
    assertTrue(bad.isEmpty(), String.join("\n", bad));
  }

  @Test
  void profileOverridesAreCheckedAgainstTheProfileShape() throws IOException {
    Path f = dir.resolve("o.conf");
    Files.writeString(f, "experiment {\n  model = kernel\n  overrides {\n    nic { queuez = 1 }\n"
        + "    costs { driver-rx = 5 }\n  }\n}\n");
    List<ConfigProblem> ps = new ExperimentLoader().load(f).problems();
    assertEquals(2, ps.size(), ps.toString());
    assertTrue(ps.stream().anyMatch(p -> p.line() == 4 && p.message().contains("did you mean 'queues'")), ps.toString());
    assertTrue(ps.stream().anyMatch(p -> p.line() == 5 && p.message().contains("duration with a unit")), ps.toString());
  }

  @Test
  void everyKernelModelProblemIsReportedAtOnceWithItsLine() throws IOException {
    Path f = dir.resolve("typo.conf");
    Files.writeString(f, String.join("\n",
        "experiment {",
        "  model = kernel",
        "  profile = hotcloud20",
        "  steering = falconn",
        "  duraton = 10ms",
        "  topology { stack = docker, host-count = 2 }",
        "  workloads = [ { src = \"h1/c1\", dst = \"h3/c1\", rate = 10 } ]",
        "}", ""));
    List<ConfigProblem> ps = new ExperimentLoader().load(f).problems();
    String all = ps.stream().map(ConfigProblem::format).toList().toString();
    assertEquals(6, ps.size(), all);
    assertTrue(ps.stream().anyMatch(p -> p.line() == 3 && p.message().contains("valid profiles: hotcloud19, k5-100g")), all);
    assertTrue(ps.stream().anyMatch(p -> p.line() == 4 && p.message().contains("valid policies: falcon")), all);
    assertTrue(ps.stream().anyMatch(p -> p.line() == 5 && p.message().contains("did you mean 'duration'")), all);
    assertTrue(ps.stream().anyMatch(p -> p.line() == 6 && p.key().equals("experiment.topology.stack")), all);
    assertTrue(ps.stream().anyMatch(p -> p.line() == 7 && p.key().equals("experiment.workloads[0].rate")), all);
    assertTrue(ps.stream().anyMatch(p -> p.line() == 7 && p.message().contains("unknown host 'h3'")), all);
  }
}
