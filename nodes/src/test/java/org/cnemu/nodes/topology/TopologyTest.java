package org.cnemu.nodes.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.nodes.kernel.KernelModelProvider;
import org.cnemu.nodes.kernel.KernelModels;
import org.junit.jupiter.api.Test;

/** Per-host settings, the leaf-spine fabric (routing, ECMP, drops, conservation, partitions) and topology validation. */
class TopologyTest {
  static Config experiment(String body) {
    return ConfigFactory.parseString("experiment { model = kernel, seed = 7, duration = 4ms, warmup = 1ms\n" + body + "\n}")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  static Config file(String name) {
    return ConfigFactory.parseFile(new File("../experiments/examples/" + name + ".conf"))
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  static Map<String, Object> run(Config e, int partitions) {
    SimulationBuilder b = new SimulationBuilder(e.getLong("seed"), 0, partitions, SimulationBuilder.Placement.BLOCK);
    BuiltModel m = KernelModels.build(e, b);
    SimulationResult r = Simulation.run(b, Units.nanos(e, "duration"), Math.min(partitions, 2));
    return m.results(r);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> r, String key) {
    return (List<Map<String, Object>>) r.get(key);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> sw(Map<String, Object> r, String id) {
    return list(r, "switches").stream().filter(s -> s.get("id").equals(id)).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> portOf(Map<String, Object> r, String id, String peer) {
    for (Map<String, Object> p : (List<Map<String, Object>>) sw(r, id).get("ports")) {
      if (p.get("port").equals(peer)) return p;
    }
    throw new IllegalArgumentException(id + "/" + peer);
  }

  /** Packets switch {@code id} forwarded out of its port toward {@code peer}. */
  static long port(Map<String, Object> r, String id, String peer) {
    return num(portOf(r, id, peer), "forwarded");
  }

  static long num(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).longValue();
  }

  @SuppressWarnings("unchecked")
  static void assertConserved(Map<String, Object> r) {
    Map<String, Object> c = (Map<String, Object>) r.get("conservation");
    assertEquals(Boolean.TRUE, c.get("balanced"), c::toString);
    assertEquals(num(c, "sent"), num(c, "delivered") + num(c, "dropped") + num(c, "in_flight"), c::toString);
  }

  static final String LEAF_SPINE = "topology { stack = native, fabric = leaf-spine, leaf-spine { leaves = 2, spines = 2,"
      + " hosts-per-leaf = 4, uplink { rate = 100Gbps } } }\n";

  // ------------------------------------------------------------------ per-host settings

  @Test
  void perHostOverridesTakeEffect() {
    Config e = file("mixed-hosts").withValue("duration", ConfigValueFactory.fromAnyRef("4ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("1ms"));
    assertTrue(KernelModels.problems(e).isEmpty(), () -> KernelModels.problems(e).toString());
    Map<String, Object> r = run(e, 1);
    Map<String, Long> cores = list(r, "cores").stream()
        .collect(Collectors.groupingBy(c -> (String) c.get("host"), Collectors.counting()));
    assertEquals(Map.of("h1", 20L, "h2", 8L, "h3", 20L, "h4", 32L), cores); // h2: cpus = 8; h4: k5-100g has 32
    // stacks: h1/h2 docker-overlay (vxlan0, docker0, veth), h3/h4 native (pNIC and backlog only)
    Map<String, List<String>> devs = list(r, "devices").stream().collect(Collectors.groupingBy(
        d -> (String) d.get("host"), Collectors.mapping(d -> (String) d.get("device"), Collectors.toList())));
    assertEquals(List.of("eth0", "vxlan0", "docker0", "veth", "backlog"), devs.get("h2"));
    assertEquals(List.of("eth0", "backlog"), devs.get("h4"));
    for (Map<String, Object> f : list(r, "flows")) {
      assertTrue(((Number) f.get("throughput_gbps")).doubleValue() > 1, f::toString);
    }
    // h4's NIC capped at 40 Gbps: the star port toward it runs at 40, not k5-100g's 100
    assertEquals(40.0, ((Number) portOf(r, "switch", "h4").get("rate_gbps")).doubleValue());
    assertConserved(r);
  }

  @Test
  void fewerNicQueuesMeanFewerIrqVectors() {
    // one UDP flow per source port spreads over RX queues; with 1 queue every IRQ goes to core 0. 2 Gbps in all
    // (~180 k datagrams/s): one core takes them with interrupts to spare. At 8 Gbps the single queue's core is
    // 100 % softirq and, like any saturated NAPI core, polls without interrupts (each poll uses its whole weight and
    // is repolled), so it counted no IRQ time in the window at all
    // no scheduler tick: it would give the busy app cores IRQ time too (the cores counted here are the NIC vectors')
    String wl = "overrides.kernel.tick-hz = 0\nworkloads = [{ protocol = udp, src = h1, dst = h2, streams = 8, message-size = 1400B, rate = 250Mbps }]";
    Map<String, Object> one = run(experiment("topology { hosts { h2 { nic { queues = 1 } } } }\n" + wl), 1);
    Map<String, Object> all = run(experiment(wl), 1);
    assertEquals(1, irqCores(one, "h2"), () -> list(one, "cores").toString());
    assertTrue(irqCores(all, "h2") > 1, () -> list(all, "cores").toString());
  }

  static long irqCores(Map<String, Object> r, String host) {
    return list(r, "cores").stream().filter(c -> c.get("host").equals(host) && ((Number) c.get("irq")).doubleValue() > 0).count();
  }

  // ------------------------------------------------------------------ leaf-spine

  @Test
  void flowsUnderOneLeafNeverTouchTheSpines() {
    Map<String, Object> r = run(experiment(LEAF_SPINE + "workloads = [{ src = h1, dst = h2 }, { src = h7, dst = h5 }]"), 2);
    assertEquals(0L, num(sw(r, "spine1"), "forwarded"));
    assertEquals(0L, num(sw(r, "spine2"), "forwarded"));
    assertTrue(port(r, "leaf1", "h2") > 1000 && port(r, "leaf2", "h5") > 1000, () -> list(r, "switches").toString());
    assertConserved(r);
  }

  @Test
  void crossLeafFlowsUseOneSpineEachAndEcmpSpreadsThem() {
    int[] bySpine = new int[2];
    for (int i = 1; i <= 4; i++) {
      String f = "workloads = [{ src = h" + i + ", dst = h" + (i + 4) + " }]";
      Map<String, Object> r = run(experiment(LEAF_SPINE + f), 2);
      long s1 = port(r, "spine1", "leaf2");
      long s2 = port(r, "spine2", "leaf2");
      // all data packets of the flow on one spine (its ACKs go back toward leaf1, maybe over the other)
      assertTrue((s1 > 1000 && s2 == 0) || (s2 > 1000 && s1 == 0), "flow h" + i + ": spine1 " + s1 + ", spine2 " + s2);
      bySpine[s1 > 0 ? 0 : 1]++;
      Map<String, Object> flow = list(r, "flows").get(0);
      assertEquals(0L, num(flow, "out_of_order"), flow::toString);
      assertEquals(0L, num(flow, "retransmits"), flow::toString);
      assertEquals(0L, port(r, "leaf1", "h" + (i == 1 ? 2 : 1)), "no other host sees the flow");
      assertConserved(r);
    }
    assertTrue(bySpine[0] > 0 && bySpine[1] > 0, "ECMP put all 4 flows on one spine");
    // all four at once: both spines carry data toward leaf2, still no reordering
    Map<String, Object> r = run(experiment(LEAF_SPINE + "workloads = [{ src = h1, dst = h5 }, { src = h2, dst = h6 },"
        + " { src = h3, dst = h7 }, { src = h4, dst = h8 }]"), 4);
    assertTrue(port(r, "spine1", "leaf2") > 1000 && port(r, "spine2", "leaf2") > 1000, () -> list(r, "switches").toString());
    for (Map<String, Object> f : list(r, "flows")) assertEquals(0L, num(f, "out_of_order"), f::toString);
    assertConserved(r);
  }

  @Test
  void switchDropsAreReportedBySwitchAndPortAndConserved() {
    // incast: four senders under leaf1 to h5 under leaf2 through a tiny host-port queue at leaf2
    Map<String, Object> r = run(experiment("topology { stack = native, fabric = leaf-spine, leaf-spine { leaves = 2,"
        + " spines = 2, hosts-per-leaf = 4, host-link { queue = 30KB } } }\n"
        + "workloads = [{ src = h1, dst = h5 }, { src = h2, dst = h5 }, { src = h3, dst = h5 }, { src = h4, dst = h5 }]"), 2);
    List<Map<String, Object>> drops = list(r, "drops").stream().filter(d -> d.get("host").equals("leaf2")).toList();
    assertEquals(1, drops.size(), () -> list(r, "drops").toString());
    assertEquals("leaf2_port_h5", drops.get(0).get("place"));
    assertEquals("queue_full", drops.get(0).get("reason"));
    assertEquals(num(sw(r, "leaf2"), "dropped"), num(drops.get(0), "packets"));
    assertTrue(num(drops.get(0), "packets") > 0);
    assertConserved(r);
  }

  @Test
  void identicalResultsAcrossPartitions() {
    Config e = file("leaf-spine").withValue("duration", ConfigValueFactory.fromAnyRef("3ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("1ms"));
    Map<String, Object> one = run(e, 1);
    assertConserved(one);
    assertEquals(one, run(e, 2));
    assertEquals(one, run(e, 4));
  }

  // ------------------------------------------------------------------ validation

  @Test
  void badTopologyIsReportedWithLines() {
    String text = String.join("\n",
        "experiment {",                                                  // 1
        "  model = kernel",                                              // 2
        "  topology {",                                                  // 3
        "    fabric = leaf-spine",                                       // 4
        "    leaf-spine {",                                              // 5
        "      spines = 0",                                              // 6
        "      uplink { rate = 0bps }",                                  // 7
        "    }",                                                         // 8
        "    hosts {",                                                   // 9
        "      h1 { profile = fast }",                                   // 10
        "      h2 { cpus = 64 }",                                        // 11
        "      h3 { nic { queues = 99 } }",                              // 12
        "      h4 { stack = docker-overlay }",                           // 13
        "      h99 { cpus = 2 }",                                        // 14
        "    }",                                                         // 15
        "  }",                                                           // 16
        "  workloads = [{ src = h3, dst = h4 }]",                        // 17
        "}");
    Config e = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription("bad.conf"))
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
    List<ConfigProblem> ps = KernelModels.problems(e);
    String all = ps.stream().map(ConfigProblem::format).collect(Collectors.joining("\n"));
    assertLine(ps, "topology.leaf-spine.spines", 6, "at least 1, got 0");
    assertLine(ps, "topology.leaf-spine.uplink.rate", 7, "a positive rate");
    assertLine(ps, "topology.hosts.\"h1\".profile", 10, "unknown profile 'fast'; valid profiles: hotcloud19, k5-100g");
    assertLine(ps, "topology.hosts.\"h2\".cpus", 11, "64 cores, but profile hotcloud19 has 20");
    assertLine(ps, "topology.hosts.\"h3\".nic.queues", 12, "99 NIC queues, but profile hotcloud19 has 16");
    assertLine(ps, "topology.hosts.\"h99\"", 14, "no host 'h99'");
    assertLine(ps, "workloads[0].dst", 17, "both ends of a flow must be overlay hosts");
    assertTrue(all.contains("bad.conf"), all);
  }

  static void assertLine(List<ConfigProblem> ps, String key, int line, String text) {
    String all = ps.stream().map(ConfigProblem::format).collect(Collectors.joining("\n"));
    assertTrue(ps.stream().anyMatch(p -> p.key().equals("experiment." + key) && p.line() == line && p.message().contains(text)),
        () -> "expected " + key + " at line " + line + " (" + text + ") in\n" + all);
  }

  @Test
  void examplesAreValid() {
    for (String n : List.of("leaf-spine", "mixed-hosts")) {
      List<ConfigProblem> ps = KernelModels.problems(file(n));
      assertTrue(ps.isEmpty(), () -> n + ": " + ps);
    }
  }
}
