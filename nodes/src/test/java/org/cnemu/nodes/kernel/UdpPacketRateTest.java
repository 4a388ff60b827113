package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A UDP flow's {@code packet_rate_kpps} counts the IP packets of the datagrams its reader took after the warm-up,
 * whatever sized them: a request-response flow's requests by its key and value sizes, an iperf flow's by
 * message-size.
 */
class UdpPacketRateTest {
  private static final double SECS = 0.009; // 10 ms with a 1 ms warm-up

  @SuppressWarnings("unchecked")
  private static Map<String, Object> flow(String workload) {
    Config e = Calib.experiment("duration = 10ms, topology { stack = native, host-count = 2, link { delay = 5us } },"
        + " workloads = [ { id = c, src = h1, dst = h2, start-jitter = 0us, protocol = udp, " + workload + " } ]");
    return ((List<Map<String, Object>>) Calib.results(e).get("flows")).get(0);
  }

  private static double num(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).doubleValue();
  }

  /**
   * One closed-loop stream of 32 B GETs: each request is one IP packet, and a request read after the warm-up is a
   * transaction counted after it, but for the one in flight at each end of the window. It read 94 packets for 202
   * transactions when the rate was derived from the flow's message-size, which a request-response flow never sends.
   */
  @Test
  void aRequestResponseFlowCountsItsRequestsPackets() {
    Map<String, Object> f = flow("kind = request-response, streams = 1, key-size = 32B, value-size = 64B,"
        + " get-ratio = 1.0");
    double requests = num(f, "packet_rate_kpps") * 1e3 * SECS;
    double transactions = num(f, "transactions");
    assertEquals(transactions, requests, 1.0 + 1e-6, f.toString());
    assertEquals(true, transactions > 100, f.toString());
  }

  /** 3,000 B datagrams in 3 IP packets each (1,480 B fragments): three packets per datagram read. */
  @Test
  void anIperfFlowCountsEachDatagramsFragments() {
    Map<String, Object> f = flow("kind = iperf, streams = 1, message-size = 3000B, rate = 1Gbps");
    double packets = num(f, "packet_rate_kpps") * 1e3 * SECS;
    double datagrams = num(f, "throughput_gbps") * 1e9 * SECS / 8 / 3000;
    assertEquals(3 * datagrams, packets, 0.6, f.toString());
  }
}
