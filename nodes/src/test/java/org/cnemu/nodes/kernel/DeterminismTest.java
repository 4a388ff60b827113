package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.model.BuiltModel;
import org.junit.jupiter.api.Test;

/** Same experiment and seed: identical results for any partition and thread count. */
class DeterminismTest {
  private static String results(Config e, int partitions, int threads) {
    return Calib.run(e, partitions, threads).results().toString();
  }

  @Test
  void identicalAcrossPartitionsAndThreads() {
    // the last two: fan-in, UDP request-response open and closed loop, Poisson arrivals, an incast pattern
    for (String name : new String[] {"tcp-1flow-docker-overlay", "udp-1flow-native", "examples/sockperf-udp",
        "examples/fan-in"}) {
      Config e = Calib.load(name).getConfig("experiment")
          .withValue("duration", ConfigValueFactory.fromAnyRef("8ms"))
          .withValue("warmup", ConfigValueFactory.fromAnyRef("2ms"));
      String ref = results(e, 1, 1);
      assertEquals(ref, results(e, 2, 1), name + " p2 t1");
      assertEquals(ref, results(e, 2, 2), name + " p2 t2");
      assertEquals(ref, results(e, 4, 2), name + " p4 t2");
    }
  }

  /** Every packet sampled: the journeys (crossing partitions with their packets) are identical too. */
  @Test
  void journeysIdenticalAcrossPartitionsAndThreads() {
    for (String name : new String[] {"tcp-1flow-docker-overlay", "udp-1flow-native"}) {
      Config e = Calib.load(name).getConfig("experiment")
          .withValue("duration", ConfigValueFactory.fromAnyRef("5ms"))
          .withValue("warmup", ConfigValueFactory.fromAnyRef("2ms"))
          .withValue("journeys.sample-every", ConfigValueFactory.fromAnyRef(1));
      String ref = results(e, 1, 1);
      org.junit.jupiter.api.Assertions.assertTrue(ref.contains("journeys={sample_every=1"), name);
      assertEquals(ref, results(e, 2, 1), name + " p2 t1");
      assertEquals(ref, results(e, 4, 2), name + " p4 t2");
    }
  }

  /**
   * A star whose placement weighs the switch (its partition gets fewer hosts, so the block boundaries
   * differ from an even split by count), with every packet's journey sampled (raw samples spilling into
   * histograms): identical for any partition count.
   */
  @Test
  void starPlacedByExpectedWorkIdenticalAcrossPartitions() {
    Config e = Calib.load("bench/star-8").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("2ms"))
        .withValue("journeys.sample-every", ConfigValueFactory.fromAnyRef(1));
    String ref = results(e, 1, 1);
    assertEquals(ref, results(e, 2, 2), "p2 t2");
    assertEquals(ref, results(e, 3, 2), "p3 t2");
    assertEquals(ref, results(e, 9, 2), "p9 t2: one group per partition");
  }

  /** Run {@code run} of {@code e} as the runner does it: seed + run, run index {@code run}. */
  private static String run(Config e, int run) {
    SimulationBuilder b = new SimulationBuilder(e.getLong("seed") + run, run, 1, SimulationBuilder.Placement.BLOCK);
    BuiltModel m = KernelModels.build(e, b);
    SimulationResult r = Simulation.run(b, 20_000_000, 1);
    return m.results(r).toString();
  }

  private static Config twoFlows(String jitter) {
    return ConfigFactory.parseString(
        "experiment { name = reps, seed = 7, duration = 20ms, warmup = 0ms, model = kernel, profile = hotcloud19,"
            + " steering = vanilla, topology { stack = native, host-count = 2 }, workloads = ["
            + " { id = a, protocol = tcp, src = \"h1/c1\", dst = \"h2/c1\", start-jitter = " + jitter + " },"
            + " { id = b, protocol = tcp, src = \"h1/c2\", dst = \"h2/c2\", start-jitter = " + jitter + " } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @Test
  void runsOfOneSeedDifferThroughTheFlowsStartJitterAndHashingAndEachRunRepeatsExactly() {
    Config e = twoFlows("100us");
    String run0 = run(e, 0);
    assertEquals(run0, run(e, 0), "same seed and run: identical");
    assertNotEquals(run0, run(e, 1), "another run draws other start offsets");
    Config exact = twoFlows("0us");
    String exact0 = run(exact, 0);
    assertEquals(exact0, run(exact, 0), "same seed and run: identical");
    // without jitter the runs still differ: each draws its NICs' RSS keys and its connections' source
    // ports, so the flows land on other queues and cores
    assertNotEquals(exact0, run(exact, 1), "another run hashes the flows to other queues");
  }
}
