package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;

/**
 * TCP_NODELAY is a workload's socket option ({@code workloads[].nodelay}, default true), not a sysctl: with
 * iperf3's own default (false, Nagle) each evenly paced 128 KB write's 752 B tail waits for the ACK of the
 * previous one and leaves alone, raising receiver interrupts of its own (docs/calibration.md, "TCP_NODELAY,
 * iperf3's pacing and the TCP prequeue": H8 docker 736 / 353 with TCP_NODELAY, 793 / 451 with Nagle).
 */
class NodelayTest {
  private static Calib.Run run(boolean nodelay) {
    Config e = Calib.load("tcp-5gbps-docker-overlay").getConfig("experiment");
    return Calib.run(Calib.withWorkloads(e, "nodelay", nodelay), 2, 2);
  }

  @Test
  void nagleIsTheWorkloadsChoice() {
    Calib.Run on = run(true);
    assertEquals(353, on.irqs("h2"), "TCP_NODELAY (the default): the calibrated H8 run");
    assertEquals(726, on.netRx("h2"));
    Calib.Run off = run(false);
    assertEquals(424, off.irqs("h2"), "Nagle: the lone tails raise interrupts of their own");
    assertEquals(765, off.netRx("h2"));
  }
}
