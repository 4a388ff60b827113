package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.cnemu.devices.Profile;
import org.junit.jupiter.api.Test;

/**
 * RPS's IPIs follow enqueue_to_backlog (Linux 4.4 / 5.4 net/core/dev.c): an enqueue that finds the target's backlog
 * idle schedules it and queues the target on the sender's rps_ipi_list, whose IPIs net_rx_action sends at its end,
 * one per target; an enqueue that finds it scheduled (an IPI on its way, or its process_backlog polling or pending)
 * sends none. h2's RX queue's core hands every skb to core 1 (rps_cpus of one bit); the reader is on core 3.
 */
class RpsIpiTest {
  static final int TARGET = 1;

  static Config run(String profile, String messageSize, String rate, String costs) {
    return ConfigFactory.parseString(
        "experiment { name = rps-ipi, seed = 1, duration = 6ms, warmup = 2ms, model = kernel, profile = " + profile + ","
            + " steering = rps, steering-settings.rps.cpus = [" + TARGET + "], journeys.sample-every = 1,"
            + " overrides { nic { adaptive-rx { enabled = false } }, costs { " + costs + " } },"
            + " topology { stack = native, host-count = 2, link { delay = 1us } }, workloads = ["
            + " { id = u, protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = " + messageSize + ","
            + " rate = " + rate + ", dst-cpu = 3 } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> h2(Map<String, Object> r) {
    return ((List<Map<String, Object>>) r.get("hosts")).stream().filter(h -> h.get("id").equals("h2")).findFirst()
        .orElseThrow();
  }

  static long num(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).longValue();
  }

  /** The flow's journey stage {@code stage} (mean wait and service of its packets). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> stage(Map<String, Object> r, String stage) {
    List<Map<String, Object>> flows = (List<Map<String, Object>>) ((Map<String, Object>) r.get("journeys")).get("flows");
    return ((List<Map<String, Object>>) flows.get(0).get("stages")).stream().filter(s -> s.get("stage").equals(stage))
        .findFirst().orElseThrow();
  }

  static double targetIrq(Map<String, Object> r) {
    return WakeTest.pct(WakeTest.cores(r, "h2").get(TARGET), "irq");
  }

  /**
   * A datagram a millisecond finds core 1 idle each time: one IPI per datagram (4 in the 4 ms span), its handler
   * the core's only hard IRQ time. The enqueue costs only itself (the steer stage); ipi-send is paid when
   * net_rx_action ends, and the IPI leaves after it: 1 us more of ipi-send moves the skb's wait in core 1's backlog
   * by exactly 1 us and leaves the steer stage as it was (main charged it in the steer stage, and the IPI left when
   * the step's last enqueue ended).
   */
  @Test
  void anIdleTargetGetsOneIpiSentWhenTheSendersNetRxActionEnds() {
    Config e = run("hotcloud19", "64B", "512kbps", "");
    Config slower = run("hotcloud19", "64B", "512kbps", "ipi-send = 1300ns");
    Profile p = KernelModels.spec(e).profile;
    assertEquals(1_000, KernelModels.spec(slower).profile.ipiSend - p.ipiSend);
    Map<String, Object> r = Calib.run(e, 1, 1).results();
    Map<String, Object> s = Calib.run(slower, 1, 1).results();
    assertEquals(4, num(h2(r), "ipis"));
    assertEquals(4, num(h2(s), "ipis"));
    assertEquals(WakeTest.asReported(4 * p.ipiRx), targetIrq(r), "core 1's hard IRQ time: the 4 IPI handlers");
    assertEquals(num(stage(r, "steer"), "service_mean_ns"), num(stage(s, "steer"), "service_mean_ns"),
        "the enqueue does not pay ipi-send");
    assertEquals(num(stage(r, "steer"), "service_mean_ns"), p.backlogEnqueue, "the steer stage: the enqueue alone");
    assertEquals(1_000, num(stage(s, "backlog"), "wait_mean_ns") - num(stage(r, "backlog"), "wait_mean_ns"),
        "the IPI leaves after ipi-send, at net_rx_action's end");
  }

  /**
   * A 63 KB datagram a millisecond on 100 GbE: its 43 fragments reach h2's RX queue in a burst, which each RX
   * interrupt's net_rx_action takes in several poll steps, each handing its fragments to core 1. Core 1 drains
   * them between interrupts, so the first hand-off of each net_rx_action finds its backlog idle and the later
   * ones find it scheduled (the IPI on its way, or process_backlog running, which takes them when it has run what
   * it holds): exactly one IPI per RX interrupt, 12 in the span. Main sent one per poll step with hand-offs: 36.
   */
  @Test
  void aBusyTargetTakesLaterHandOffsWithoutAnIpi() {
    Config e = run("k5-100g", "63KB", "504Mbps", "");
    Profile p = KernelModels.spec(e).profile;
    Map<String, Object> r = Calib.run(e, 1, 1).results();
    assertEquals(12, num(h2(r), "irqs"));
    assertEquals(12, num(h2(r), "ipis"), "one IPI per net_rx_action that hands off: the later hand-offs find SCHED set");
    assertEquals(WakeTest.asReported(12 * p.ipiRx), targetIrq(r), "core 1's hard IRQ time: the 12 IPI handlers");
  }

  /**
   * The same datagrams with ip-rx at 5 us: core 1 takes 215 us over a datagram's 43 fragments, far past the 3 RX
   * interrupts that bring them, so only the first hand-off of each datagram finds its backlog idle: 4 IPIs in the
   * span, 12 RX interrupts. The hand-offs of the 2 later interrupts land in a queue whose process_backlog runs.
   */
  @Test
  void aTargetBusyAcrossNetRxActionsGetsNoIpi() {
    Config e = run("k5-100g", "63KB", "504Mbps", "ip-rx = 5us");
    Profile p = KernelModels.spec(e).profile;
    Map<String, Object> r = Calib.run(e, 1, 1).results();
    assertEquals(12, num(h2(r), "irqs"));
    assertEquals(4, num(h2(r), "ipis"), "one IPI per datagram: core 1 is still on the previous interrupt's fragments");
    assertEquals(WakeTest.asReported(4 * p.ipiRx), targetIrq(r));
  }
}
