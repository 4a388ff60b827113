package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SACK compression through the kernel model (TransportRx arms the hrtimer, a CoreEntity.CompAckKick runs the TCP
 * timer path at its expiry) on k5-100g (Linux 5.4.y, tcp_comp_sack_nr = 44), against the same run with
 * tcp_comp_sack_nr = 0 (an ACK per out-of-order arrival, as Linux 4.4).
 */
class SackCompressionRunTest {
  private static Config experiment(String body, int compSackNr) {
    return experiment(body, compSackNr, "1ms");
  }

  private static Config experiment(String body, int compSackNr, String compSackDelay) {
    return ConfigFactory.parseString("experiment { seed = 7, model = kernel, profile = k5-100g,"
            + " overrides { kernel { tcp { comp-sack-nr = " + compSackNr + ", comp-sack-delay = " + compSackDelay
            + " } } }, " + body + " }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  /** SprayedFlowTest's flow: reordered by the spray, every hole filled within a few skbs. */
  private static Calib.Run spray(int compSackNr) {
    return Calib.run(experiment("name = spray, duration = 30ms, warmup = 10ms, steering = mflow-nomerge,"
        + " steering-settings.mflow-nomerge { batch = 4 },"
        + " topology { stack = docker-overlay, host-count = 2, link { delay = 1us } },"
        + " workloads = [ { protocol = tcp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 128KB } ]", compSackNr),
        1, 1);
  }

  /** 4-to-1 incast into 32 KiB of switch queue at 10 Gbps, 25 us links: drops, and a window of skbs behind each hole. */
  private static Calib.Run incast(int compSackNr) {
    return incast(compSackNr, "1ms");
  }

  private static Calib.Run incast(int compSackNr, String compSackDelay) {
    StringBuilder w = new StringBuilder();
    for (int i = 1; i <= 4; i++) w.append(i > 1 ? ", " : "").append("{ protocol = tcp, src = h").append(i)
        .append(", dst = h5, message-size = 128KB }");
    return Calib.run(experiment("name = incast, duration = 20ms, warmup = 5ms, steering = vanilla,"
        + " topology { stack = native, host-count = 5, link { rate = 10Gbps, delay = 25us, queue = 32KiB } },"
        + " workloads = [ " + w + " ]", compSackNr, compSackDelay), 1, 1);
  }

  @SuppressWarnings("unchecked")
  private static long acks(Calib.Run r, String host) {
    return ((Number) ((Map<String, Object>) r.host(host).get("devices")).get("nic_tx_packets")).longValue();
  }

  private static List<Object> flows(Calib.Run r) {
    return r.list("flows").stream().map(f -> (Object) List.of(f.get("throughput_gbps"), f.get("retransmits"),
        f.get("out_of_order"), f.get("packets_sent"))).toList();
  }

  @Test
  void reorderingThatHealsWithinThreeSkbsIsNotCompressed() {
    Calib.Run on = spray(44);
    Calib.Run off = spray(0);
    assertTrue(((Number) on.list("flows").get(0).get("out_of_order")).longValue() > 2000, "the spray reorders");
    // no hole ever has a 4th out-of-order skb behind it: the first 3 dupACKs per rcv_nxt leave at once, so
    // nothing is compressed (5.4.y's TCP_FASTRETRANS_THRESH deferral; without it the runs differ)
    assertEquals(flows(off), flows(on));
    assertEquals(acks(off, "h2"), acks(on, "h2"));
  }

  @Test
  void holesBehindLossesAreCompressed() {
    Calib.Run on = incast(44);
    Calib.Run off = incast(0);
    long retx = 0;
    for (Map<String, Object> f : on.list("flows")) retx += ((Number) f.get("retransmits")).longValue();
    assertTrue(retx > 0, "the incast drops");
    assertNotEquals(flows(off), flows(on), "compressed ACKs change the senders' clocking");
    assertEquals(Boolean.TRUE, on.conservation().get("balanced"));
  }

  /**
   * The compressed ACK leaves when TransportRx's armed hrtimer expires (min(comp-sack-delay, 5 % of the RTT); the
   * RTT here is over 100 us, so 1 us and 11 us are the delays themselves), so the delay moves the senders' clocking.
   * Were the timer not armed, the ACK would wait for the 1 ms TCP timer poll, by which both delays have expired:
   * the two runs would be the same.
   */
  @Test
  void theCompressedAckLeavesAtTheTimersDelayNotTheTcpTimerPoll() {
    Calib.Run fast = incast(44, "1us");
    Calib.Run slow = incast(44, "11us");
    assertNotEquals(flows(fast), flows(slow));
    assertNotEquals(acks(fast, "h5"), acks(slow, "h5"));
  }

  /**
   * The exact virtual time of each compressed SACK: the timer path sends it at its hrtimer's expiry, to the ns (the
   * CompAckKick TransportRx schedules at compAckAt). Without that kick the ACK waits for the receiver's 1 ms
   * TCP_TIMER poll, up to 1 ms after its expiry.
   */
  @Test
  void eachCompressedSackLeavesAtItsHrtimersExpiryToTheNanosecond() {
    List<long[]> sent = new java.util.ArrayList<>();
    TxPath.timerAckProbe = (flow, now, at) -> {
      if (at >= 0) sent.add(new long[] {flow, now, at});
    };
    try {
      incast(44, "1us");
    } finally {
      TxPath.timerAckProbe = null;
    }
    for (long[] s : sent) assertEquals(s[2], s[1], "flow " + s[0] + ": sent at the expiry");
    assertTrue(sent.size() > 10, "compressed SACKs sent by the timer: " + sent.size());
  }
}
