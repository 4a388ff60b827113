package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.cnemu.devices.Profile;
import org.junit.jupiter.api.Test;

/**
 * The reschedule IPI goes with a preemption only (resched_curr): on h2 a UDP reader fed once per millisecond shares
 * its core with the reader of a bulk TCP flow, and the softirq that wakes it runs on another core. With a wake-up
 * granularity no wake-up can beat (1 s), that core takes no IPI at all (main sent one per wake-up of a thread on a
 * busy core); with one every wake-up beats (1 ns), it takes one per wake-up, each finding the TCP reader running.
 */
class ReschedIpiTest {
  static final int READER = 5;

  static Config run(String granularity) {
    return ConfigFactory.parseString(
        "experiment { name = resched, seed = 1, duration = 6ms, warmup = 2ms, model = kernel, profile = hotcloud19,"
            + " steering = vanilla, overrides { nic { adaptive-rx { enabled = false } },"
            // no scheduler tick: the readers' core's only hard IRQs are the IPIs (the tick's are SchedTickTest's)
            + " kernel { sched-wakeup-granularity = " + granularity + ", tick-hz = 0 } },"
            + " topology { stack = native, host-count = 2, link { delay = 1us } }, workloads = ["
            + " { id = u, protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 64B, rate = 512kbps,"
            + " dst-cpu = " + READER + " },"
            + " { id = t, protocol = tcp, src = \"h1/c1\", dst = \"h2/c1\", dst-cpu = " + READER + " } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  static Map<String, Object> readerCore(Map<String, Object> r) {
    List<Map<String, Object>> h2 = WakeTest.cores(r, "h2");
    return h2.stream().filter(c -> ((Number) c.get("core")).intValue() == READER).findFirst().orElseThrow();
  }

  @Test
  void aWokenThreadThatDoesNotPreemptSendsNoRescheduleIpi() {
    Profile p = KernelModels.spec(run("1s")).profile;
    Map<String, Object> never = readerCore(Calib.run(run("1s"), 1, 1).results());
    Map<String, Object> always = readerCore(Calib.run(run("1ns"), 1, 1).results());
    assertEquals(0.0, WakeTest.pct(never, "irq"), "no preemption: no IPI, no hard IRQ on the readers' core");
    // the 4 datagrams of the 4 ms span each wake the UDP reader while the TCP reader runs: 4 IPI handlers
    assertEquals(WakeTest.asReported(4 * p.ipiRx), WakeTest.pct(always, "irq"), "every wake-up preempts: the IPIs");
  }
}
