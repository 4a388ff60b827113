package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.cnemu.emulator.RandomStreams;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.Parsed;
import org.junit.jupiter.api.Test;

/** The kernel model's typed spec: parsed once per configuration, expanded per run with the run's streams. */
class KernelSpecTest {
  private static Config experiment(String body) {
    return ConfigFactory.parseString("experiment { name = t, seed = 42, model = kernel, profile = hotcloud19, "
            + "steering = vanilla, duration = 3ms, warmup = 1ms, " + body + " }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  private static final String JITTERED = "topology { stack = native, host-count = 4 }, workloads = [{ id = u, "
      + "protocol = udp, pattern = permutation, message-size = 1472B, rate = 1Gbps, start-jitter = 100us }]";

  @Test
  void oneParseIsSharedByRunsThatStillDrawTheirOwnStreams() {
    KernelSpec k = KernelModels.parse(experiment(JITTERED));
    Spec run0 = new Spec(k, new RandomStreams(42, 0));
    Spec run1 = new Spec(k, new RandomStreams(42, 1));
    Spec run0again = new Spec(k, new RandomStreams(42, 0));
    // what the file says is read once and shared
    assertSame(k.profile, run0.profile);
    assertSame(k.fabric, run1.fabric);
    assertEquals(4, k.hosts.size());
    assertTrue(k.hosts.stream().allMatch(h -> h.rssKey() == 0), "the spec holds no run's draw");
    // what a run draws differs between runs and repeats within one
    assertNotEquals(run0.hosts.get(0).rssKey(), run1.hosts.get(0).rssKey());
    assertNotEquals(flows(run0), flows(run1));
    assertEquals(flows(run0), flows(run0again));
    assertEquals(run0.hosts.get(2).rssKey(), run0again.hosts.get(2).rssKey());
  }

  /**
   * Validation refuses a run in which no first packet could be delivered before the end, from the same draws the
   * model makes: with three runs, the latest of the runs' earliest deliveries (a flow's start drawn by Spec, plus
   * FirstPacket's bound) is refused as the duration, naming that run, and 1 ns more is accepted. Checking the
   * start key alone (0ms) would accept both; a draw of another stream would move the boundary.
   */
  @Test
  void aDurationBeforeEveryFirstPacketOfARunIsRefusedFromTheModelsOwnDraws() {
    String body = JITTERED.replace("rate = 1Gbps", "rate = 1Gbps, streams = 2") + ", runs = 3";
    KernelSpec k = KernelModels.parse(experiment(body));
    Config e = experiment(body);
    FirstPacket bound = new FirstPacket(e, ConfigFactory.defaultReference());
    Config w = e.getConfigList("workloads").get(0).withFallback(ConfigFactory.defaultReference()
        .getConfig("cnemu.schema.experiment.workloads"));
    long latest = -1;
    int latestRun = -1;
    for (int r = 0; r < 3; r++) {
      Spec run = new Spec(k, new RandomStreams(42 + r, r));
      long arrives = run.flows.stream().mapToLong(f -> f.startNanos() + bound.of(0, w, f.startNanos()).totalNanos())
          .min().orElseThrow();
      if (arrives > latest) {
        latest = arrives;
        latestRun = r;
      }
    }
    List<ConfigProblem> refused = KernelModels.problems(experiment(body + ", duration = " + latest + "ns, warmup = 0ms"));
    assertEquals(1, refused.size(), refused::toString);
    assertEquals("experiment.duration", refused.get(0).key());
    String m = refused.get(0).message();
    assertTrue(m.startsWith(latest + "ns ends before any packet could be delivered in run " + (latestRun + 1) + " (seed "
        + (42 + latestRun) + "): its first flow, "), m);
    assertTrue(m.contains("to be delivered (") && m.contains("hard IRQ); expected a duration above "), m);
    assertEquals(List.of(), KernelModels.problems(experiment(body + ", duration = " + (latest + 1) + "ns, warmup = 0ms")));
  }

  private static List<String> flows(Spec s) {
    return s.flows.stream().map(f -> f.src() + ">" + f.dst() + "@" + f.startNanos() + "#" + f.portHash()).toList();
  }

  @Test
  void aBlockWithProblemsGivesNoSpecAndOneWithoutGivesNoProblems() {
    Parsed<KernelSpec> bad = new KernelModelProvider().parse(experiment(JITTERED.replace("hotcloud19", "x")
        .replace("stack = native", "stack = nope")), ConfigFactory.defaultReference());
    assertFalse(bad.ok());
    List<ConfigProblem> ps = bad.problems();
    assertTrue(ps.stream().anyMatch(p -> "experiment.topology.stack".equals(p.key())), ps::toString);
    Parsed<KernelSpec> good = new KernelModelProvider().parse(experiment(JITTERED), ConfigFactory.defaultReference());
    assertTrue(good.ok() && good.problems().isEmpty());
  }

  @Test
  void theModelReadsDefaultsOnlyFromTheReferenceItIsGiven() {
    // a reference whose hotcloud19 has 3 cores: the spec's hosts follow it, not the class path's reference
    Config reference = ConfigFactory.parseString("cnemu.profiles.hotcloud19.cpus = 3")
        .withFallback(ConfigFactory.defaultReference()).resolve();
    KernelSpec k = new KernelModelProvider().parse(experiment(JITTERED), reference).spec();
    assertEquals(3, k.profile.cpus);
    assertEquals(3, k.hosts.get(0).cpus());
  }
}
