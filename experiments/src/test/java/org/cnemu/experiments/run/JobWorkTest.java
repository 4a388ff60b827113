package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigValueFactory;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.emulator.model.ModelProvider;
import org.cnemu.emulator.model.ModelSpec;
import org.cnemu.emulator.model.Parsed;
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

  /**
   * The built model (and through it the run's entities) is unreachable while the results' text is made: a
   * collection there copies the document only. The model's section carries a value whose serialization
   * collects and says whether the model is gone.
   */
  @Test
  void theModelIsReleasedBeforeTheResultsTextIsMade() throws Exception {
    ExperimentSpec.Point p = load().spec().points().get(0);
    @SuppressWarnings("unchecked")
    ModelSpec<Object> phold = (ModelSpec<Object>) p.model();
    Probe probe = new Probe();
    ModelProvider<Object> watched = new ModelProvider<>() {
      @Override
      public String name() {
        return phold.provider().name();
      }

      @Override
      public String description() {
        return phold.provider().description();
      }

      @Override
      public Parsed<Object> parse(com.typesafe.config.Config experiment, com.typesafe.config.Config reference) {
        return phold.provider().parse(experiment, reference);
      }

      @Override
      public BuiltModel build(Object spec, SimulationBuilder builder) {
        BuiltModel inner = phold.provider().build(spec, builder);
        BuiltModel outer = r -> {
          Map<String, Object> sections = new LinkedHashMap<>(inner.results(r));
          sections.put("probe", probe);
          return sections;
        };
        probe.model = new WeakReference<>(outer);
        return outer;
      }
    };
    ExperimentSpec.Point point = new ExperimentSpec.Point(p.index(), p.values(), p.baseline(), p.settings(),
        new ModelSpec<>(watched, phold.spec()), p.experiment());
    String json = JobWork.run(new JobWork.Spec(point, null, 0, 5, "out", 1, null), null, null, null, "t");
    assertTrue(json.contains("\"model_released\" : true"), json.substring(json.indexOf("\"probe\"")));
  }

  /** Serialized as {@code {"model_released": ...}}: collects first, then looks. */
  public static final class Probe {
    WeakReference<BuiltModel> model;

    @com.fasterxml.jackson.annotation.JsonProperty("model_released")
    public boolean modelReleased() throws InterruptedException {
      for (int i = 0; i < 10 && model.get() != null; i++) {
        System.gc();
        Thread.sleep(10);
      }
      return model.get() == null;
    }
  }
}
