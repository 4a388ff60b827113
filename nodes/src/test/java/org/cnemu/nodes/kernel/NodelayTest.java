package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/**
 * TCP_NODELAY is a workload's socket option ({@code workloads[].nodelay}, default auto: what the tool does), not a sysctl:
 * with iperf3's own default (Nagle, Nagle with Minshall's check) an evenly paced 128 KB write's 752 B tail waits while
 * the previous short segment is unacknowledged, and then joins the next write's data (docs/calibration.md,
 * "TCP_NODELAY, iperf3's pacing and the TCP prequeue"). The receiver's poll takes what arrives while it runs (its
 * re-read of the ring), so no tail arrives alone after it and the interrupts and NET_RX runs are the same either
 * way (the H8 file's 30 ms window: 228 / 469; over its whole 90 ms 718 / 1506, and with a poll that took only what
 * its ring held at its start 841 / 1666 with TCP_NODELAY and 1010 / 1772 with Nagle, whose lone tails raised
 * interrupts of their own).
 */
class NodelayTest {
  private static Calib.Run run(boolean nodelay) {
    return run(Calib.load("tcp-5gbps-docker-overlay").getConfig("experiment"), nodelay);
  }

  private static long segments(Calib.Run r) {
    return ((Number) r.list("flows").get(0).get("packets_sent")).longValue();
  }

  @Test
  void nagleIsTheWorkloadsChoice() {
    Calib.Run on = run(true);
    Calib.Run off = run(false);
    System.out.printf("H8 docker NET_RX / IRQs: TCP_NODELAY %d / %d, Nagle %d / %d; segments %d / %d%n", on.netRx("h2"),
        on.irqs("h2"), off.netRx("h2"), off.irqs("h2"), segments(on), segments(off));
    // with retpolines (every stage of both ends pays its indirect calls): segments 39,138 / 38,971 -> 39,137 / 38,972,
    // TCP_NODELAY 228 / 469 -> 229 / 474 interrupts / NET_RX (one interrupt more in the window: the two settings no
    // longer give the same count; not traced further), Nagle, the calibrated H8 run, 228 / 469 unchanged (2.057).
    // With wake-ups charged (the sender's switches around its sleeps on a full buffer, the reader's around its
    // reads; docs/calibration.md, "Wake-ups and context switches"): TCP_NODELAY 39,137 -> 39,134 segments, 229 / 474
    // -> 233 / 481; Nagle 38,972 unchanged, 228 / 469 -> 229 / 476 (H8 2.079). With the slice's rotations switched,
    // wake-up preemption and the IPI only when it preempts (docs/calibration.md, "Time slices, wake-up preemption and
    // the timer interrupt"): TCP_NODELAY 39,134 unchanged, 233 / 481 -> 231 / 473; Nagle 38,972 -> 38,970,
    // 229 / 476 -> 230 / 476 (H8 2.070). With the overlay's MTU (MSS 1398: docs/datapath.md, "The overlay's MTU") no
    // tail of this run waits under Nagle any more: both settings send the same 40,461 segments with the same 205 / 429
    // (H8 2.093), as the native 5 Gbps run with its 128 KB writes does (39,159); the native run's 64 KB writes show
    // the choice: Nagle's held tails join the next write's data, in fewer segments
    assertEquals(40461, segments(on), "TCP_NODELAY: every tail leaves with its write");
    assertEquals(40461, segments(off), "Nagle (iperf3's default): no tail of this run waits");
    assertEquals(205, on.irqs("h2"));
    assertEquals(429, on.netRx("h2"));
    assertEquals(205, off.irqs("h2"), "the calibrated H8 run's measured window");
    assertEquals(429, off.netRx("h2"));
    Config native64 =
        Calib.withWorkloads(Calib.load("tcp-5gbps-native").getConfig("experiment"), "message-size", "64KB");
    Calib.Run nativeOn = run(native64, true);
    Calib.Run nativeOff = run(native64, false);
    assertEquals(39541, segments(nativeOn), "TCP_NODELAY, native 64 KB writes: every tail leaves with its write");
    assertEquals(39383, segments(nativeOff), "Nagle, native 64 KB writes: held tails join the next write's data");
  }

  private static Calib.Run run(Config e, boolean nodelay) {
    return Calib.run(Calib.withWorkloads(e, "nodelay", nodelay), 2, 2);
  }

  private static boolean nodelay(String kind, String value) {
    return Load.nodelay(ConfigFactory.parseString("kind = " + kind + ", nodelay = " + value));
  }

  @Test
  void autoIsWhatTheWorkloadsToolDoes() {
    assertFalse(nodelay("iperf", "auto"), "iperf3 leaves Nagle on unless -N");
    assertTrue(nodelay("request-response", "auto"), "memcached sets TCP_NODELAY");
    assertTrue(nodelay("ping-pong", "auto"), "sockperf's ping-pong sets TCP_NODELAY");
    assertTrue(nodelay("iperf", "true"), "iperf3 -N");
    assertFalse(nodelay("ping-pong", "false"));
    assertFalse(Load.of(Calib.load("tcp-5gbps-docker-overlay").getConfigList("experiment.workloads").get(0)
        .withFallback(ConfigFactory.defaultReference().getConfig("cnemu.schema.experiment.workloads")), "message-size").nodelay(),
        "the calibration file's iperf3 flow runs with Nagle by default");
  }
}
