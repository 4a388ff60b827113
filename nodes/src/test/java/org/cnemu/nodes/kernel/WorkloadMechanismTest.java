package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnemu.emulator.RandomStreams;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.emulator.model.ConfigProblem;
import org.junit.jupiter.api.Test;

/**
 * The mechanisms of the workloads: arrival processes, per-run hashing, common random numbers across
 * policy arms, fan-in into one server thread, UDP ping-pong and under-load, size distributions and
 * traffic patterns. Each test fails when its mechanism is removed.
 */
class WorkloadMechanismTest {
  private static Config experiment(String body) {
    return ConfigFactory.parseString("experiment { name = t, seed = 42, model = kernel, profile = hotcloud19, "
            + "steering = vanilla, warmup = 1ms, " + body + " }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  /** Run {@code run} (seed + run index) of {@code e}. */
  private static Calib.Run run(Config e, int run) {
    SimulationBuilder b = new SimulationBuilder(e.getLong("seed"), run, 1, SimulationBuilder.Placement.BLOCK);
    BuiltModel m = KernelModels.build(e, b);
    SimulationResult r = Simulation.run(b, Units.nanos(e, "duration"), 1);
    return new Calib.Run(m.results(r), r);
  }

  private static double num(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static double[] series(Map<String, Object> flow) {
    return ((List<Map<String, Object>>) flow.get("throughput_series")).stream().mapToDouble(p -> num(p, "gbps")).toArray();
  }

  private static double cv(double[] x) {
    double m = Arrays.stream(x).average().orElse(0);
    double v = Arrays.stream(x).map(a -> (a - m) * (a - m)).sum() / (x.length - 1);
    return Math.sqrt(v) / m;
  }

  // ---- arrival processes --------------------------------------------------------------------------

  @Test
  void poissonGapsHaveTheMeanAndAnExponentialSpread() {
    Load poisson = new Load(true, 0, null, null, false, 1);
    Load constant = new Load(false, 0, null, null, false, 1);
    SplittableRandom r = new SplittableRandom(1);
    double[] g = new double[200_000];
    for (int i = 0; i < g.length; i++) g[i] = poisson.gapNanos(r, 10_000);
    double mean = Arrays.stream(g).average().orElse(0);
    assertEquals(10_000, mean, 10_000 * 0.01, "mean gap");
    assertEquals(1.0, cv(g), 0.02, "an exponential gap's coefficient of variation is 1");
    for (int i = 0; i < 100; i++) assertEquals(10_000, constant.gapNanos(r, 10_000));
  }

  private static final String UDP_PACED = "duration = 21ms, throughput-interval = 1ms, "
      + "topology { stack = native, host-count = 2, link { delay = 1us } }, "
      + "workloads = [{ id = u, protocol = udp, src = h1, dst = h2, message-size = 1472B, rate = 2Gbps, "
      + "start-jitter = 0us, arrival = ARRIVAL }]";

  @Test
  void poissonArrivalsKeepTheRateAndVaryTheLoad() {
    Map<String, Object> p = run(experiment(UDP_PACED.replace("ARRIVAL", "poisson")), 0).list("flows").get(0);
    Map<String, Object> c = run(experiment(UDP_PACED.replace("ARRIVAL", "constant")), 0).list("flows").get(0);
    double expected = 2e9 * 0.021 / 8 / 1472; // datagrams at the mean rate over the run
    assertEquals(expected, num(c, "packets_sent"), expected * 0.001, "constant gaps: exactly the rate");
    assertEquals(expected, num(p, "packets_sent"), expected * 0.05, "poisson: the rate on average");
    double[] cs = Arrays.copyOfRange(series(c), 1, 21);
    double[] ps = Arrays.copyOfRange(series(p), 1, 21);
    // 1 ms bins of ~170 datagrams: Poisson counts vary by ~1/sqrt(170) = 7.7 %; constant gaps by < 1 %
    assertTrue(cv(cs) < 0.01, "constant arrivals, per-ms load varies by " + cv(cs));
    assertTrue(cv(ps) > 0.04 && cv(ps) < 0.15, "poisson arrivals, per-ms load varies by " + cv(ps));
  }

  // ---- common random numbers and per-run hashing --------------------------------------------------

  @Test
  void armsOfAPointShareTheirArrivalDrawsAndRunsDoNot() {
    Config vanilla = experiment(UDP_PACED.replace("ARRIVAL", "poisson"));
    Config rps = vanilla.withValue("steering", ConfigValueFactory.fromAnyRef("rps"));
    Map<String, Object> a = run(vanilla, 0).list("flows").get(0);
    Map<String, Object> b = run(rps, 0).list("flows").get(0);
    Map<String, Object> other = run(vanilla, 1).list("flows").get(0);
    // the sender's open-loop sends do not depend on the receiver's steering: same draws, same sends
    assertEquals(a.get("packets_sent"), b.get("packets_sent"), "arms of one point: same arrivals");
    assertNotEquals(a.get("packets_sent"), other.get("packets_sent"), "another run: other arrivals");
    // and the streams a run's flows draw from do not name the policy: Spec of both arms draws alike
    Spec sa = KernelModels.spec(vanilla, new RandomStreams(42, 3));
    Spec sb = KernelModels.spec(rps, new RandomStreams(42, 3));
    assertEquals(sa.flows.get(0).startNanos(), sb.flows.get(0).startNanos());
    assertEquals(sa.flows.get(0).portHash(), sb.flows.get(0).portHash());
    assertEquals(sa.hosts.get(1).rssKey(), sb.hosts.get(1).rssKey());
    assertEquals(sa.streams.stream("flow/u", "arrival").nextLong(), sb.streams.stream("flow/u", "arrival").nextLong());
  }

  @Test
  void runsHashFlowsToDifferentQueues() {
    // nothing else stochastic: no jitter, constant everything; only the RSS key and source ports vary
    Config e = experiment("duration = 3ms, topology { stack = native, host-count = 2, link { delay = 1us } }, "
        + "workloads = [{ id = u, protocol = udp, src = h1, dst = h2, streams = 6, message-size = 1472B, "
        + "rate = 1Gbps, start-jitter = 0us }]");
    List<String> irqCores = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Calib.Run r = run(e, i);
      StringBuilder s = new StringBuilder();
      for (double b : r.busy("h2")) s.append(b > 0.5 ? '1' : '0');
      irqCores.add(s.toString());
    }
    assertTrue(irqCores.stream().distinct().count() > 1, "the receiver's busy cores per run: " + irqCores);
    Spec s0 = KernelModels.spec(e, new RandomStreams(42, 0));
    Spec s1 = KernelModels.spec(e, new RandomStreams(42, 1));
    assertNotEquals(s0.hosts.get(1).rssKey(), s1.hosts.get(1).rssKey());
    // the 5-tuple hash the sender stamps (RPS, the VXLAN source port and ECMP use it) follows the drawn port
    assertNotEquals(HostKernel.flowHash(s0.flows.get(0), 0), HostKernel.flowHash(s1.flows.get(0), 0));
  }

  @Test
  void eachRunKeysTheReceiversRssHash() {
    // IP fragments carry no ports: the NIC hashes the 2-tuple, so only the host's RSS key moves the flow
    Config e = experiment("duration = 2ms, topology { stack = native, host-count = 2, link { delay = 1us } }, "
        + "workloads = [{ id = u, protocol = udp, src = h1, dst = h2, message-size = 8000B, rate = 1Gbps, "
        + "start-jitter = 0us }]");
    java.util.Set<String> irqCores = new java.util.TreeSet<>();
    for (int i = 0; i < 6; i++) {
      Calib.Run r = run(e, i);
      Map<String, Object> busiest = r.list("cores").stream().filter(c -> c.get("host").equals("h2"))
          .max(java.util.Comparator.comparingDouble(c -> num(c, "irq") + num(c, "soft"))).orElseThrow();
      irqCores.add(String.valueOf(busiest.get("core")));
    }
    assertTrue(irqCores.size() > 1, "the receiver's softirq core over six runs: " + irqCores);
  }

  // ---- fan-in -------------------------------------------------------------------------------------

  @Test
  void oneServerThreadSaturatesBelowWhatSeparateThreadsReach() {
    Config fanIn = Calib.load("examples/fan-in").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("10ms")).withValue("warmup", ConfigValueFactory.fromAnyRef("3ms"));
    Config w = fanIn.getConfigList("workloads").get(0).withValue("fan-in", ConfigValueFactory.fromAnyRef(false));
    Config separate = fanIn.withValue("workloads", ConfigValueFactory.fromIterable(List.of(w.root())));
    Calib.Run one = run(fanIn, 0);
    Calib.Run many = run(separate, 0);
    // the server's app cores: one (100 % in copies) with fan-in, one per stream without
    long appOne = one.list("cores").stream().filter(c -> c.get("host").equals("h2") && num(c, "sys") > 5).count();
    long appMany = many.list("cores").stream().filter(c -> c.get("host").equals("h2") && num(c, "sys") > 5).count();
    assertEquals(1, appOne, "fan-in: one server thread");
    assertEquals(4, appMany, "no fan-in: a server thread per stream");
    // the one server thread's core is saturated: its reads (sys) and what the softirq does there
    Map<String, Object> server = one.list("cores").stream().filter(c -> c.get("host").equals("h2"))
        .max(java.util.Comparator.comparingDouble(c -> num(c, "sys"))).orElseThrow();
    double busy = num(server, "sys") + num(server, "soft") + num(server, "irq") + num(server, "usr");
    assertTrue(busy > 95, "the one server thread's core is saturated: " + server);
    assertTrue(one.gbps() < 0.8 * many.gbps(), "one thread " + one.gbps() + " Gbps vs separate " + many.gbps());
    assertEquals(Boolean.TRUE, one.conservation().get("balanced"));
  }

  // ---- UDP ping-pong and under-load ---------------------------------------------------------------

  @Test
  @SuppressWarnings("unchecked")
  void udpPingPongAndUnderLoadReportRoundTripsAndHalves() {
    Config e = Calib.load("examples/sockperf-udp").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("12ms"));
    Calib.Run r = run(e, 0);
    List<Map<String, Object>> flows = r.list("flows");
    assertEquals(4, flows.size(), "pp and the three incast clients");
    Map<String, Object> pp = flows.get(0);
    assertEquals("udp", pp.get("protocol"));
    Map<String, Object> rtt = (Map<String, Object>) pp.get("latency_us");
    Map<String, Object> half = (Map<String, Object>) pp.get("half_round_trip_us");
    assertEquals(num(rtt, "p50") / 2, num(half, "p50"), 0.006);
    // closed loop, one message outstanding: transactions/s = 1 / round trip
    assertEquals(1.0, num(pp, "transactions_per_sec") * num(rtt, "p50") / 1e6, 0.05);
    for (Map<String, Object> c : flows.subList(1, 4)) {
      assertEquals("h2", c.get("dst"));
      // open loop: the offered 50,000 messages/s are all answered (Poisson: within a few %)
      assertEquals(50_000, num(c, "transactions_per_sec"), 50_000 * 0.1, c.get("id") + " " + c.get("transactions_per_sec"));
      assertEquals(0.0, num(c, "messages_lost"));
      Map<String, Object> l = (Map<String, Object>) c.get("latency_us");
      assertTrue(num(l, "p99") > num(l, "p50"), "Poisson arrivals queue at the one server thread: " + l);
    }
    long serverCores = r.list("cores").stream().filter(c -> c.get("host").equals("h2") && num(c, "sys") > 1).count();
    assertEquals(2, serverCores, "one server thread for pp, one for the three fan-in clients");
    assertEquals(Boolean.TRUE, r.conservation().get("balanced"));
  }

  // ---- request sizes and think times --------------------------------------------------------------

  @Test
  @SuppressWarnings("unchecked")
  void drawnSizesAndThinkTimesShapeTheTransactions() {
    String base = "duration = 12ms, topology { stack = native, host-count = 2, link { delay = 1us } }, "
        + "workloads = [{ id = p, kind = ping-pong, src = h1, dst = h2, message-size = 64B LOAD }]";
    Map<String, Object> constant = run(experiment(base.replace("LOAD", "")), 0).list("flows").get(0);
    Map<String, Object> mixed = run(experiment(base.replace("LOAD",
        ", size-distribution = empirical, size-values = [64B, 64B, 64B, 256KB]")), 0).list("flows").get(0);
    Map<String, Object> lc = (Map<String, Object>) constant.get("latency_us");
    Map<String, Object> lm = (Map<String, Object>) mixed.get("latency_us");
    assertTrue(num(lc, "p99") < 1.2 * num(lc, "p50"), "constant sizes: " + lc);
    assertEquals(num(lc, "p50"), num(lm, "p50"), 0.1 * num(lc, "p50"), "three quarters of the messages are 64 B: " + lm);
    assertTrue(num(lm, "p90") > 5 * num(lm, "p50"), "a quarter of the messages are 256 KB: " + lm);
    // exponential think time of mean 100 us: about 1 / (round trip + 100 us) transactions per second
    Map<String, Object> thinking = run(experiment(base.replace("LOAD",
        ", think-distribution = exponential, think-time = 100us")), 0).list("flows").get(0);
    double expected = 1e6 / (num(lc, "p50") + 100);
    assertEquals(expected, num(thinking, "transactions_per_sec"), expected * 0.15);
    // empirical think times (no think-time set): a quarter of the gaps are 400 us, a mean of 100 us again
    Map<String, Object> empirical = run(experiment(base.replace("LOAD",
        ", think-distribution = empirical, think-values = [0us, 0us, 0us, 400us]")), 0).list("flows").get(0);
    assertEquals(expected, num(empirical, "transactions_per_sec"), expected * 0.25);
  }

  // ---- traffic patterns ---------------------------------------------------------------------------

  private static Spec pattern(int hosts, String pattern) {
    return KernelModels.spec(experiment("duration = 1ms, topology { stack = native, host-count = " + hosts + " }, "
        + "workloads = [{ id = f, protocol = udp, dst = h3, " + pattern + " }]"), new RandomStreams(42, 0));
  }

  @Test
  void patternsExpandOverTheHosts() {
    Spec ring = pattern(12, "pattern = ring");
    assertEquals(12, ring.flows.size());
    assertEquals("h1/c1", ring.flows.get(0).src());
    assertEquals("h2/c1", ring.flows.get(0).dst());
    assertEquals("h10/c1", ring.flows.get(9).src(), "natural order: h10 after h9");
    assertEquals("h12/c1", ring.flows.get(11).src());
    assertEquals("h1/c1", ring.flows.get(11).dst());
    assertEquals("f-12", ring.flows.get(11).id());

    Spec perm = pattern(50, "pattern = permutation, pattern-container = \"\"");
    int[] out = new int[50];
    int[] in = new int[50];
    for (Spec.FlowSpec f : perm.flows) {
      assertNotEquals(f.srcHost(), f.dstHost());
      out[f.srcHost()]++;
      in[f.dstHost()]++;
    }
    for (int h = 0; h < 50; h++) assertTrue(out[h] == 1 && in[h] == 1, "a permutation: host " + h);
    Spec perm1 = KernelModels.spec(experiment("duration = 1ms, topology { stack = native, host-count = 50 }, "
        + "workloads = [{ id = f, protocol = udp, pattern = permutation }]"), new RandomStreams(42, 1));
    assertNotEquals(perm.flows.stream().map(Spec.FlowSpec::dst).toList(), perm1.flows.stream().map(Spec.FlowSpec::dst).toList(),
        "each run draws its own assignment");

    assertEquals(6 * 5, pattern(6, "pattern = all-to-all").flows.size());
    assertEquals(20, pattern(20, "pattern = all-to-all, pattern-hosts = 5, streams = 1").flows.size());
    Spec incast = pattern(10, "pattern = incast, pattern-count = 4, streams = 2");
    assertEquals(8, incast.flows.size());
    assertEquals(4, incast.flows.stream().map(Spec.FlowSpec::src).distinct().count(), "distinct senders");
    assertTrue(incast.flows.stream().allMatch(f -> f.dst().equals("h3") && !f.src().startsWith("h3/")));
    Spec pairs = pattern(10, "pattern = random-pairs, pattern-count = 25");
    assertEquals(25, pairs.flows.size());
    assertTrue(pairs.flows.stream().allMatch(f -> f.srcHost() != f.dstHost()));
  }

  @Test
  void aTenThousandHostRingIsWritableAndAllToAllIsRefusedBeforeExpansion() {
    Spec ring = pattern(10_000, "pattern = ring");
    assertEquals(10_000, ring.flows.size());
    List<ConfigProblem> ps = KernelModels.problems(experiment("duration = 1ms, "
        + "topology { stack = native, host-count = 10000 }, workloads = [{ protocol = udp, pattern = all-to-all }]"));
    assertTrue(ps.stream().anyMatch(p -> p.key().equals("experiment.workloads") && p.message().startsWith("99990000 flows")),
        ps.toString());
  }
}
