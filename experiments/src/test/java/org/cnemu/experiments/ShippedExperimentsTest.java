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

  /**
   * experiments/examples/ shows every workload kind over each protocol, every traffic pattern, and connection
   * churn over the kernel and over FreeFlow: a kind, protocol or pattern added to the domains without an
   * example fails here (ExampleRepetitionsTest then runs each example).
   */
  @Test
  void theExamplesShowEveryWorkloadKindProtocolPatternAndChurnPath() throws IOException {
    com.typesafe.config.Config reference = com.typesafe.config.ConfigFactory.defaultReference();
    String domain = "cnemu.domain.experiment.workloads.";
    java.util.Set<String> wanted = new java.util.TreeSet<>();
    for (String kind : reference.getStringList(domain + "kind.enum")) {
      for (String protocol : reference.getStringList(domain + "protocol.enum")) wanted.add(kind + "/" + protocol);
    }
    for (String pattern : reference.getStringList(domain + "pattern.enum")) {
      if (!pattern.isEmpty()) wanted.add("pattern " + pattern);
    }
    wanted.add("per-request over vanilla");
    wanted.add("per-request over freeflow");
    java.util.Set<String> shown = new java.util.TreeSet<>();
    try (Stream<Path> files = Files.list(TestFiles.shipped("examples"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".conf")).toList()) {
        LoadedExperiment e = new ExperimentLoader().load(f);
        assertTrue(e.ok(), f + ": " + e.problems());
        com.typesafe.config.Config x = com.typesafe.config.ConfigFactory.parseFile(f.toFile())
            .withFallback(reference).resolve().getConfig("experiment");
        for (com.typesafe.config.Config w : x.getConfigList("workloads")) {
          com.typesafe.config.Config c = w.withFallback(reference.getConfig("cnemu.schema.experiment.workloads"));
          shown.add(c.getString("kind") + "/" + c.getString("protocol"));
          if (!c.getString("pattern").isEmpty()) shown.add("pattern " + c.getString("pattern"));
          if (c.getString("connection").equals("per-request")) shown.add("per-request over " + x.getString("steering"));
        }
      }
    }
    wanted.removeAll(shown);
    assertEquals(java.util.Set.of(), wanted, "without an example under experiments/examples/ (shown: " + shown + ")");
  }

  @Test
  void profileOverridesAreCheckedAgainstTheProfileShape() throws IOException {
    Path f = dir.resolve("o.conf");
    Files.writeString(f, "experiment {\n  model = kernel\n  overrides {\n    nic { queuez = 1 }\n"
        + "    costs { driver-rx = 5 }\n  }\n  workloads = [ { src = h1, dst = h2 } ]\n}\n");
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
