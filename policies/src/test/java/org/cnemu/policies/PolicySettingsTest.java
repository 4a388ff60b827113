package org.cnemu.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.ConfiguredPolicy;
import org.cnemu.kernel.api.SteeringRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each policy's settings are read and checked in its parse, once: typed settings or every problem at its key and line. */
class PolicySettingsTest {
  /** {@code text} as a file's lines (line 1 = its first), over the policy's defaults. */
  private static Config block(String name, String text) {
    return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription("e.conf"))
        .withFallback(ConfigFactory.defaultReference().getConfig("experiment.steering-settings.\"" + name + "\""));
  }

  private static Parsed<ConfiguredPolicy<?>> parse(String name, String text, Integer... hostCpus) {
    return new SteeringRegistry().configure(name, block(name, text), Set.of(hostCpus));
  }

  /** One bad setting per policy that has settings: the key, the line and what was expected. */
  static Stream<Arguments> bad() {
    return Stream.of(
        Arguments.of("rps", "cpus = [1]\nboundaries = [AFTER_GRO, NOWHERE]", "boundaries[1]", 2, "AFTER_GRO, BACKLOG"),
        Arguments.of("rps", "cpus = [20, 30]", "cpus", 1, "on a host with 16 cores"),
        Arguments.of("rfs", "\nflow-entries = 0", "flow-entries", 2, "between 1 and"),
        Arguments.of("falcon", "cpus = [-3]", "cpus[0]", 1, "core index"),
        Arguments.of("falcon", "tick = 0ms", "tick", 1, "must be between 1us and 1s, got 0ms"),
        Arguments.of("freeflow", "slot-size = 2MiB", "slot-size", 1, "must be between 64B and 1MiB, got 2MiB"),
        Arguments.of("rps", "cpus = [0, 4096]", "cpus[1]", 1, "expected a core index: must be between 0 and 4095, got 4096"),
        Arguments.of("mflow", "split-point = middle", "split-point", 1, "after-gro, before-gro"),
        Arguments.of("mflow-nomerge", "batch = 0", "batch", 1, "between 1 and"),
        Arguments.of("prism-batch", "split-cpus = [16]", "split-cpus", 1, "on a host with 16 cores"),
        Arguments.of("prism-sync", "min-priority = 2", "min-priority", 1, "between 0 and 1"),
        Arguments.of("freeflow", "\n\nmonitor = gpu", "monitor", 3, "core, nic"),
        Arguments.of("freeflow", "doorbell-batch = 0", "doorbell-batch", 1, "between 1 and 1024"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("bad")
  void aBadSettingIsRefusedAtItsKeyAndLine(String policy, String text, String key, int line, String expected) {
    Parsed<ConfiguredPolicy<?>> p = parse(policy, text, 16);
    assertFalse(p.ok(), text);
    assertEquals(1, p.problems().size(), p.problems()::toString);
    ConfigProblem pr = p.problems().get(0);
    assertEquals(key, pr.key());
    assertEquals(line, pr.line(), pr::toString);
    assertTrue(pr.message().contains(expected), pr.message());
  }

  @Test
  void everyProblemIsReportedNotOnlyTheFirst() {
    Parsed<ConfiguredPolicy<?>> p = parse("freeflow", "ring-slots = 0\nmonitor = gpu\npcie-latency = 5s", 8);
    assertEquals(List.of("ring-slots", "monitor", "pcie-latency"),
        p.problems().stream().map(ConfigProblem::key).toList());
  }

  @Test
  void aCoreListIsCheckedAgainstEveryCoreCountOfTheHosts() {
    // [8, 9] works on 16-core hosts but leaves an 8-core host no core: refused when any host has 8
    assertTrue(parse("falcon", "cpus = [8, 9]", 16, 32).ok());
    Parsed<ConfiguredPolicy<?>> p = parse("falcon", "cpus = [8, 9]", 8, 16);
    assertFalse(p.ok());
    assertTrue(p.problems().get(0).message().contains("on a host with 8 cores (0..7)"), p.problems()::toString);
  }

  @Test
  void theParsedSettingsBuildEachHostsInstanceFromTheSameRecord() {
    ConfiguredPolicy<?> c = parse("mflow", "cpus = [1, 3, 12], batch = 4", 4, 16).spec();
    MflowPolicy.Settings s = (MflowPolicy.Settings) c.settings();
    assertEquals(4, s.batch());
    // a 4-core host uses the listed cores below 4; a 16-core host all three
    SteeringPoliciesTest.Ctx ctx = new SteeringPoliciesTest.Ctx();
    Set<Integer> small = new java.util.TreeSet<>();
    Set<Integer> big = new java.util.TreeSet<>();
    var p4 = c.create(4, "h1");
    var p16 = c.create(16, "h2");
    for (int i = 0; i < 200; i++) {
      ctx.flow = i % 7;
      ctx.hash = i * 7919;
      small.add(p4.targetCpu(s.splitAt(), ctx));
      big.add(p16.targetCpu(s.splitAt(), ctx));
    }
    assertEquals(Set.of(1, 3), small);
    assertEquals(Set.of(1, 3, 12), big);
  }

  /**
   * A duration or size without a unit is refused, as everywhere in an experiment file (the engine's
   * Units): "10" could be ms or ns. HOCON's own getters would take {@code tick = 10} as 10 ms.
   */
  @Test
  void aQuantityWithoutAUnitIsRefusedNotGuessed() {
    for (String[] c : new String[][] {{"falcon", "tick = 10", "tick"}, {"mflow", "merge-timeout = \"5\"", "merge-timeout"},
        {"freeflow", "slot-size = 4096", "slot-size"}}) {
      Parsed<ConfiguredPolicy<?>> p = parse(c[0], c[1], 16);
      assertFalse(p.ok(), c[1]);
      assertEquals(List.of(c[2]), p.problems().stream().map(ConfigProblem::key).toList());
      assertTrue(p.problems().get(0).message().contains("with a unit"), p.problems()::toString);
    }
    assertEquals(10_000_000L, ((FalconPolicy.Settings) parse("falcon", "tick = 10ms", 16).spec().settings()).tickNanos());
  }
}
