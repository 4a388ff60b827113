package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * sock_owned_by_user: an ACK that reaches the sender while its application is inside sendmsg() waits in
 * the socket backlog until release_sock. Without it, the ACK softirq (another core) would transmit the
 * Nagle-held tail of a write whose copy has not finished, ahead of that write's own skbs: in the Docker
 * overlay the two leave through different cores' backlogs, so the receiver sees them out of order and the
 * sender retransmits spuriously (43 segments in this run without the mechanism, reordering raised to 89).
 */
class SocketOwnerTest {
  /** The 5 Gbps Docker flow, Nagle on (iperf3's default) and writes evenly spaced (pacing-timer 0): one Nagle-held tail per write. */
  private static Config paced() {
    return Calib.withWorkloads(Calib.withWorkloads(Calib.load("tcp-5gbps-docker-overlay").getConfig("experiment"),
        "nodelay", false), "pacing-timer", "0ns").withValue("duration", ConfigValueFactory.fromAnyRef("40ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("10ms"));
  }

  @Test
  void acksDuringSendmsgWaitForReleaseSockSoNagleTailsLeaveInOrder() {
    assertInOrder(Calib.run(paced(), 2, 2));
  }

  /**
   * The socket stays owned until the write's skbs have left the sender's core: Linux runs the softirq a sendmsg's
   * transmits raise (veth's netif_rx to this CPU's backlog) at dev_queue_xmit's local_bh_enable inside tcp_sendmsg,
   * and __release_sock keeps the socket owned while it transmits what the backlogged ACKs released. Before the model
   * did both (it released the socket at the step's end, then ran that softirq), an ACK taken by the IRQ core in
   * between released the next data from that core's backlog, ahead of the write's skbs still in the sender's: the
   * same flow on the same kernel without retpolines (every stage 20 ns per indirect call faster, which puts the ACKs
   * in that window) retransmitted 65 segments spuriously, tp->reordering 101 (tried).
   */
  @Test
  void theWritesSkbsLeaveTheSendersBacklogBeforeTheSocketIsReleased() {
    Config e = paced().withValue("overrides.kernel.retpoline", ConfigValueFactory.fromAnyRef(false));
    assertInOrder(Calib.run(e, 2, 2));
  }

  private static void assertInOrder(Calib.Run r) {
    Map<String, Object> f = r.list("flows").get(0);
    assertTrue(r.gbps() > 4.8, "the paced flow keeps its rate: " + r.gbps());
    assertEquals(0L, ((Number) f.get("retransmits")).longValue(), "no spurious retransmission");
    assertEquals(3L, ((Number) f.get("reordering")).longValue(), "no reordering seen (tp->reordering stays 3)");
  }
}
