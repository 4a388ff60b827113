package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.cnemu.devices.Profile;
import org.junit.jupiter.api.Test;

/**
 * Waking a blocked thread costs CPU on the right cores: the waker's try_to_wake_up in its own context (the softirq
 * that queued the data), the woken thread's leaving of the idle loop and switch in before its step, and its switch
 * out when it blocks again; the latency between is the C-state exit, a delay. Every figure is exact, from the
 * profile's costs.
 */
class WakeTest {
  /** Measured span: 6 ms runs with a 2 ms warm-up. */
  static final long SPAN_NANOS = 4_000_000;

  /**
   * One 64 B datagram per millisecond between two idle native hosts (as JourneyTest's idle path): the receiver's
   * IRQ core and its reader's core are two idle cores, so the softirq wakes the reader remotely.
   */
  static Config oneDatagramPerMs() {
    return ConfigFactory.parseString(
        "experiment { name = wake, seed = 1, duration = 6ms, warmup = 2ms, model = kernel, profile = hotcloud19,"
            + " steering = vanilla, journeys { sample-every = 1, first = 0 },"
            + " overrides { nic { adaptive-rx { enabled = false } } },"
            + " topology { stack = native, host-count = 2, link { delay = 1us } }, workloads = ["
            + " { id = u, protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 64B, rate = 512kbps } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> cores(Map<String, Object> r, String host) {
    return ((List<Map<String, Object>>) r.get("cores")).stream().filter(c -> c.get("host").equals(host)).toList();
  }

  static double pct(Map<String, Object> core, String cat) {
    return ((Number) core.get(cat)).doubleValue();
  }

  /** results.json's figure for {@code nanos} of the span: a percentage with 3 decimals (KernelResults.r3). */
  static double asReported(long nanos) {
    return Math.round(100.0 * nanos / SPAN_NANOS * 1000.0) / 1000.0;
  }

  /**
   * The softirq on h2's IRQ core wakes the reader on another, idle core: the IRQ core pays try_to_wake_up (its
   * softirq time is the receive path's stages plus it), the reader's core pays idle-exit + sched-in before each
   * read and sched-out after it (sys), and the read starts ttwu + the C-state exit + idle-exit + sched-in after
   * the datagram reached the socket.
   */
  @Test
  void aReaderWokenBySoftirqOnAnotherCorePaysOnTheRightCores() {
    Config e = oneDatagramPerMs();
    Profile p = KernelModels.spec(e).profile;
    Map<String, Object> r = Calib.run(e, 1, 1).results();
    List<Map<String, Object>> h2 = cores(r, "h2");
    Map<String, Object> irqCore = h2.stream().filter(c -> pct(c, "irq") > 0).findFirst().orElseThrow();
    Map<String, Object> reader = h2.stream().filter(c -> pct(c, "usr") > 0).findFirst().orElseThrow();
    assertTrue(irqCore != reader, "the reader runs on another core than the interrupt");
    long datagrams = 4; // one per ms of the 4 ms span
    // the reader: iperf3's select() and recvmsg with the copy and the free (sys), its loop (usr); and the scheduler
    long read = p.pollSyscall + p.syscall + p.copyToUser(64) + p.skbFree;
    long switches = p.idleExitNanos + p.schedInNanos + p.schedOutNanos;
    assertEquals(asReported(datagrams * p.appPerMessage), pct(reader, "usr"), "the reader's loop");
    assertEquals(asReported(datagrams * (read + switches)), pct(reader, "sys"),
        "the reader's recvmsg, its switch in from the idle loop and its switch out");
    assertEquals(0.0, pct(reader, "soft"), "no softirq on the reader's core");
    // the IRQ core: the hard IRQ, then NET_RX up to the socket and the waker's try_to_wake_up
    long softirq = p.netRxAction + p.napiPoll + p.driverRx + p.groPerPkt + p.ipRx + p.netfilter + p.udpRx;
    assertEquals(asReported(datagrams * p.irq), pct(irqCore, "irq"), "the hard IRQ");
    assertEquals(asReported(datagrams * (softirq + p.tryToWakeUpNanos)), pct(irqCore, "soft"),
        "the receive path's softirq and its try_to_wake_up of the reader");
    assertEquals(0.0, pct(irqCore, "sys"), "the waker pays in its own context (softirq), not as sys");
    // the latency: the datagram waits in the socket for the wake-up, then recvmsg copies it
    Map<String, Object> appRead = JourneyTest.list(JourneyTest.list(JourneyTest.journeys(r).get("flows")).get(0)
        .get("stages")).stream().filter(s -> s.get("stage").equals("app_read")).findFirst().orElseThrow();
    assertEquals(p.tryToWakeUpNanos + p.idleExitLatencyNanos + p.idleExitNanos + p.schedInNanos,
        JourneyTest.num(appRead, "wait_mean_ns"), "try_to_wake_up, C1's exit, the idle loop's exit, the switch in");
  }
}
