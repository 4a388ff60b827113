package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;

/**
 * TCP_NODELAY is a workload's socket option ({@code workloads[].nodelay}, default true), not a sysctl: with
 * iperf3's own default (false, Nagle) each evenly paced 128 KB write's 752 B tail waits for the ACK of the
 * previous one and leaves alone, raising receiver interrupts of its own (docs/calibration.md, "TCP_NODELAY,
 * iperf3's pacing and the TCP prequeue"; the H8 file's 90 ms run, HyStart on: 1666 / 841 with TCP_NODELAY, 1772 / 1010 with
 * Nagle; before HyStart and at 40 ms, 719 / 347 and 784 / 440).
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
    assertEquals(841, on.irqs("h2"), "TCP_NODELAY (the default): the calibrated H8 run");
    assertEquals(1666, on.netRx("h2"));
    assertEquals(1010, off.irqs("h2"), "Nagle: the lone tails raise interrupts of their own");
    assertEquals(1772, off.netRx("h2"));
  }
}
