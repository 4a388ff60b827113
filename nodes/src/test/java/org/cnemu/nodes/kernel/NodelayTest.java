package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;

/**
 * TCP_NODELAY is a workload's socket option ({@code workloads[].nodelay}, default true), not a sysctl: with
 * iperf3's own default (false, Nagle) each evenly paced 128 KB write's 752 B tail waits for the ACK of the
 * previous one and leaves alone, raising receiver interrupts of its own (docs/calibration.md, "TCP_NODELAY,
 * iperf3's pacing and the TCP prequeue"; now H8 docker 719 / 347 with TCP_NODELAY, 784 / 440 with Nagle).
 */
class NodelayTest {
  private static Calib.Run run(boolean nodelay) {
    Config e = Calib.load("tcp-5gbps-docker-overlay").getConfig("experiment");
    return Calib.run(Calib.withWorkloads(e, "nodelay", nodelay), 2, 2);
  }

  @Test
  void nagleIsTheWorkloadsChoice() {
    Calib.Run on = run(true);
    Calib.Run off = run(false);
    System.out.printf("H8 docker NET_RX / IRQs: TCP_NODELAY %d / %d, Nagle %d / %d%n", on.netRx("h2"), on.irqs("h2"),
        off.netRx("h2"), off.irqs("h2"));
    assertEquals(347, on.irqs("h2"), "TCP_NODELAY (the default): the calibrated H8 run");
    assertEquals(719, on.netRx("h2"));
    assertEquals(440, off.irqs("h2"), "Nagle: the lone tails raise interrupts of their own");
    assertEquals(784, off.netRx("h2"));
  }
}
