package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.SettingsReader;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;
import org.junit.jupiter.api.Test;

/**
 * A policy's settings are parsed once per configuration, against every core count of its hosts, and
 * every host of every run builds its instance from that one record; the model tags live series with the
 * policy's name. A test policy (registered for the nodes tests only) counts the calls.
 */
class PolicyParsedOnceTest {
  /** Records parse and create calls; settings = the core counts it was parsed for. */
  public static final class Counting implements SteeringPolicyProvider<Set<Integer>> {
    static final List<Set<Integer>> PARSES = new ArrayList<>();
    static final List<Object> CREATED_FROM = new ArrayList<>();
    static final List<Integer> CREATED_CPUS = new ArrayList<>();

    @Override
    public String name() {
      return "counting-test";
    }

    @Override
    public String description() {
      return "test only: counts parse and create calls";
    }

    @Override
    public Parsed<Set<Integer>> parse(SettingsReader settings) {
      Set<Integer> hostCpus = settings.hostCpus();
      synchronized (PARSES) {
        PARSES.add(new TreeSet<>(hostCpus));
      }
      if (hostCpus.contains(3)) {
        return Parsed.failed(List.of(new ConfigProblem(null, 0, "cpus", "no three-core hosts")));
      }
      return Parsed.of(Set.copyOf(hostCpus));
    }

    @Override
    public SteeringPolicy create(Set<Integer> settings, int cpus, String hostId) {
      synchronized (PARSES) {
        CREATED_FROM.add(settings);
        CREATED_CPUS.add(cpus);
      }
      return new SteeringPolicy() {
        @Override
        public String name() {
          return "counting-test";
        }

        @Override
        public int targetCpu(Boundary boundary, StageContext ctx) {
          return ctx.cpu();
        }
      };
    }
  }

  private static Config experiment(String hosts) {
    return ConfigFactory.parseString("experiment { name = t, seed = 5, model = kernel, profile = hotcloud19, "
            + "steering = counting-test, duration = 1ms, warmup = 0ms, topology { stack = native, host-count = 3, "
            + "hosts { " + hosts + " } }, workloads = [{ protocol = udp, message-size = 1472B, src = h1, dst = h2, rate = 1Gbps }] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @Test
  void settingsAreParsedOncePerConfigurationAndSharedByEveryHostOfEveryRun() {
    synchronized (Counting.PARSES) {
      Counting.PARSES.clear();
      Counting.CREATED_FROM.clear();
      Counting.CREATED_CPUS.clear();
    }
    KernelModelProvider model = new KernelModelProvider();
    KernelSpec spec = KernelModels.parse(experiment("h1 { cpus = 4 }"));
    int profileCpus = spec.profile.cpus;
    assertEquals(List.of(new TreeSet<>(Set.of(4, profileCpus))), Counting.PARSES, "one parse, every core count");
    for (int run = 0; run < 2; run++) {
      model.build(spec, new SimulationBuilder(5 + run, run, 1, SimulationBuilder.Placement.BLOCK));
    }
    assertEquals(1, Counting.PARSES.size(), "building runs parses nothing");
    assertEquals(6, Counting.CREATED_FROM.size(), "one instance per host per run");
    for (Object s : Counting.CREATED_FROM) assertSame(spec.steering.settings(), s);
    assertEquals(List.of(4, profileCpus, profileCpus, 4, profileCpus, profileCpus), Counting.CREATED_CPUS);
    assertEquals(Map.of("policy", "counting-test"), model.tags(spec));
  }

  @Test
  void aSettingTheParseRefusesIsAProblemOfTheConfigurationAtItsKey() {
    List<ConfigProblem> ps = KernelModels.problems(experiment("h2 { cpus = 3 }"));
    assertEquals(1, ps.size(), ps::toString);
    assertEquals("experiment.steering", ps.get(0).key());
    assertTrue(ps.get(0).message().contains("steering-settings.counting-test.cpus: no three-core hosts"), ps::toString);
  }
}
