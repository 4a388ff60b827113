package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-packet journeys: the stages of sampled packets add up to their end-to-end latency, for every policy. */
class JourneyTest {
  @SuppressWarnings("unchecked")
  static Map<String, Object> journeys(Map<String, Object> results) {
    return (Map<String, Object>) results.get("journeys");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  static long num(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).longValue();
  }

  /** Every flow's stage sums add up to its end-to-end sum exactly; no stage starts before the previous one ended. */
  static void assertExact(String what, Map<String, Object> j) {
    assertNotNull(j, what + ": a journeys section");
    assertEquals(0L, num(j, "stage_overlaps"), what + ": stages in order");
    assertFalse(list(j.get("flows")).isEmpty(), what + ": journeys of some flow");
    for (Map<String, Object> f : list(j.get("flows"))) {
      long sum = 0;
      double share = 0;
      for (Map<String, Object> s : list(f.get("stages"))) {
        sum += num(s, "wait_sum_ns") + num(s, "service_sum_ns");
        share += ((Number) s.get("share")).doubleValue();
        assertTrue(num(s, "wait_p50_ns") >= 0 && num(s, "service_p50_ns") >= 0, what + " " + s);
      }
      assertEquals(num(f, "e2e_sum_ns"), sum, what + " " + f.get("flow") + ": stages add up to the end-to-end latency");
      assertEquals(1.0, share, 0.002, what + " " + f.get("flow") + ": shares");
      assertTrue(num(f, "packets") > 0);
    }
  }

  private static Config shorter(Config e, int every) {
    return e.withValue("duration", ConfigValueFactory.fromAnyRef("6ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("2ms"))
        .withValue("journeys.sample-every", ConfigValueFactory.fromAnyRef(every));
  }

  /** Each policy file, each arm of its comparison, runs with a journeys section whose stages add up exactly. */
  @Test
  void everyPolicyFileHasJourneysThatAddUpExactly() {
    File[] files = new File("../experiments/policies").listFiles((d, n) -> n.endsWith(".conf"));
    assertNotNull(files);
    assertTrue(files.length >= 8);
    java.util.Arrays.sort(files);
    for (File file : files) {
      Config e = ConfigFactory.parseFile(file).withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
      List<String> arms = new ArrayList<>();
      arms.add(e.getString("steering"));
      if (e.hasPath("compare.steering")) arms = e.getStringList("compare.steering");
      for (String arm : arms) {
        Config a = shorter(e.withoutPath("compare").withoutPath("sweep"), 7).withValue("steering", ConfigValueFactory.fromAnyRef(arm));
        Map<String, Object> r = Calib.run(a, 1, 1).results();
        assertExact(file.getName() + " " + arm, journeys(r));
      }
    }
  }

  /**
   * One 64 B datagram per millisecond between two idle native hosts, every one sampled: each stage's
   * queueing and service is what the profile's costs say, to the nanosecond, and they add up to the
   * end-to-end latency.
   */
  @Test
  void anIdlePathCostsExactlyWhatTheProfileSays() {
    Config e = idleUdpPath("native");
    org.cnemu.devices.Profile p = KernelModels.spec(e).profile;
    Map<String, Object> j = journeys(Calib.run(e, 1, 1).results());
    assertExact("idle udp", j);
    Map<String, Object> f = list(j.get("flows")).get(0);
    assertEquals(4L, num(f, "packets"), "one datagram per ms over 4 ms");
    Map<String, long[]> got = new java.util.LinkedHashMap<>();
    for (Map<String, Object> s : list(f.get("stages"))) {
      got.put((String) s.get("stage"), new long[] {num(s, "wait_mean_ns"), num(s, "service_mean_ns")});
    }
    long ser = NicEntity.serNanos(64 + 38 + 28, p.nicRateBps); // payload + Ethernet + IP/UDP at 40 Gbps
    Map<String, long[]> want = new java.util.LinkedHashMap<>();
    // a paced iperf3 client: one select() per write; the copy from its cache-resident buffer
    want.put("socket_send", new long[] {0, p.appPerMessage + p.pollSyscall + p.syscall + p.memcpy(64) + p.udpTx});
    want.put("ip_tx", new long[] {0, p.ipTx + p.netfilter}); // native: the host netns' rules
    want.put("driver_tx", new long[] {0, p.qdisc + p.driverTx});
    want.put("nic_tx", new long[] {0, ser});
    want.put("link", new long[] {0, 2 * 1000});
    want.put("switch", new long[] {0, ser});
    want.put("irq", new long[] {p.rxUsecs + p.irqLatency, p.irq}); // moderation timer, then the IRQ's latency
    want.put("napi_poll", new long[] {p.napiPoll, p.driverRx});
    want.put("gro", new long[] {0, p.groPerPkt});
    want.put("ip_rx", new long[] {0, p.ipRx + p.netfilter});
    want.put("socket_rx", new long[] {0, p.udpRx});
    want.put("app_read",
        new long[] {p.idleWakeupNanos(), p.appPerMessage + p.pollSyscall + p.syscall + p.copyToUser(64) + p.skbFree});
    assertEquals(want.keySet(), got.keySet(), "the stages of a native UDP path, in order");
    long e2e = 0;
    for (String k : want.keySet()) {
      assertEquals(want.get(k)[0], got.get(k)[0], k + " queueing");
      assertEquals(want.get(k)[1], got.get(k)[1], k + " service");
      e2e += want.get(k)[0] + want.get(k)[1];
    }
    assertEquals(e2e, num(f, "e2e_mean_ns"), "end to end");
  }

  /**
   * The same idle 64 B path over the Linux overlay: the socket is in the host netns, so the inner packet passes its
   * hooks once each way, exactly: OUTPUT + POSTROUTING before vxlan0, PREROUTING + INPUT on vxlan0. The outer VXLAN
   * packet's passes are not charged, as on the Docker overlay (docs/datapath.md, "Known gaps").
   */
  @Test
  void anIdleLinuxOverlayPathPassesTheHostNetnsHooksOnceEachWay() {
    Config e = idleUdpPath("linux-overlay");
    org.cnemu.devices.Profile p = KernelModels.spec(e).profile;
    Map<String, Object> j = journeys(Calib.run(e, 1, 1).results());
    assertExact("idle udp linux-overlay", j);
    Map<String, Object> f = list(j.get("flows")).get(0);
    assertEquals(4L, num(f, "packets"), "one datagram per ms over 4 ms");
    Map<String, Long> got = new java.util.LinkedHashMap<>();
    for (Map<String, Object> s : list(f.get("stages"))) got.put((String) s.get("stage"), num(s, "service_mean_ns"));
    assertEquals(p.ipTx + p.netfilter + p.vxlanEncap + p.ipTx, got.get("ip_tx"), "inner output, then the outer");
    assertEquals(p.ipRx + p.udpRx + p.vxlanDecap + p.groCellEnqueue, got.get("vxlan"),
        "outer input, decap, then the gro_cell's enqueue");
    assertEquals(p.ipRx + p.netfilter, got.get("ip_rx"), "inner input on vxlan0");
  }

  /** Sampling every packet changes nothing but the journeys section: no random stream, no timing. */
  @Test
  void samplingChangesNothingElse() {
    for (String name : new String[] {"tcp-1flow-docker-overlay", "udp-1flow-native"}) {
      Config e = shorter(Calib.load(name).getConfig("experiment"), 0);
      Map<String, Object> off = new java.util.LinkedHashMap<>(Calib.run(e, 1, 1).results());
      Map<String, Object> on = new java.util.LinkedHashMap<>(Calib.run(
          e.withValue("journeys.sample-every", ConfigValueFactory.fromAnyRef(1)), 1, 1).results());
      assertNotNull(on.remove("journeys"));
      assertEquals(off.toString(), on.toString(), name);
    }
  }

  /** Off: no section at all (the results are as without the feature). */
  @Test
  void offMeansNoSection() {
    Config e = shorter(Calib.load("udp-1flow-native").getConfig("experiment"), 0);
    assertFalse(Calib.run(e, 1, 1).results().containsKey("journeys"));
  }

  /** One 64 B datagram per ms from h1 to h2 on {@code stack}, every skb's journey sampled, RX moderation fixed. */
  private static Config idleUdpPath(String stack) {
    return ConfigFactory.parseString(
        "experiment { name = exact, seed = 1, duration = 6ms, warmup = 2ms, model = kernel, profile = hotcloud19,"
            + " steering = vanilla, journeys { sample-every = 1, first = 0 },"
            + " overrides { nic { adaptive-rx { enabled = false } } },"
            + " topology { stack = " + stack + ", host-count = 2, link { delay = 1us } }, workloads = ["
            + " { id = u, protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 64B, rate = 512kbps } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }
}
