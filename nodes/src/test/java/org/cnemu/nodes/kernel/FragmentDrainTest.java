package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.junit.jupiter.api.Test;

/**
 * A Docker container's UDP sender drains its core's backlog after every IP fragment: veth_xmit's netif_rx raises
 * NET_RX, and the local_bh_enable of ip_finish_output2 / __dev_queue_xmit runs net_rx_action, whose process_backlog
 * carries the fragment through the bridge, VXLAN and the pNIC's xmit before ip_fragment builds the next. So a
 * datagram of n fragments costs the sender's core n net_rx_action entries and n backlog polls, as softirq time (not
 * the sendmsg's sys time), and the host counts n NET_RX. Every figure is exact, from the profile's costs.
 */
class FragmentDrainTest {
  /** Payload of a datagram the Docker overlay (MTU 1450, fragments of 1,424 B) cuts into 3: 1424 + 1424 + 1160 B. */
  static final long BYTES = 4000;

  /** One 4,000 B datagram per millisecond from a container on h1 to one on h2 (Linux 4.4), 4 ms measured. */
  static Config oneDatagramPerMs() {
    return ConfigFactory.parseString(
        "experiment { name = fragdrain, seed = 1, duration = 6ms, warmup = 2ms, model = kernel, profile = hotcloud19,"
            + " steering = vanilla, journeys { sample-every = 1, first = 0 },"
            + " overrides { nic { adaptive-rx { enabled = false } } },"
            + " topology { stack = docker-overlay, host-count = 2, link { delay = 1us } }, workloads = ["
            + " { id = u, protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 4000B, rate = 32Mbps,"
            + " start-jitter = 0us } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @Test
  void aFragmentedDatagramDrainsTheSendersBacklogOncePerFragment() {
    Config e = oneDatagramPerMs();
    Profile p = KernelModels.spec(e).profile;
    StackKind docker = StackKind.DOCKER_OVERLAY;
    assertEquals(3, p.udpPackets(BYTES, docker));
    int fp = p.fragPayloadBytes(docker);
    assertEquals(1424, fp);
    long[] lens = {fp, fp, BYTES + 8 - 2L * fp};
    Calib.Run run = Calib.run(e, 1, 1);
    Map<String, Object> r = run.results();
    List<Map<String, Object>> h1 = WakeTest.cores(r, "h1");
    Map<String, Object> app = h1.stream().filter(c -> WakeTest.pct(c, "usr") > 0).findFirst().orElseThrow();
    long datagrams = 4; // one per ms of the 4 ms span
    // per fragment, one local_bh_enable's net_rx_action and backlog poll, then the host side of the fragment:
    // process_backlog's dequeue, the bridge (br_netfilter gathers the fragments: defrag + refragment each, the
    // bridge and its conntrack once, on the last), VXLAN's new head for the fragment, the encapsulation, the outer
    // IP output, the pNIC's qdisc and driver
    long pass = p.netRxAction + p.napiPoll;
    long hostSide = 0;
    for (long len : lens) {
      hostSide += p.backlogPoll + p.ipDefrag + p.ipFrag + p.headRealloc(TxPath.UDP_HEAD_BYTES - 8 + len)
          + p.vxlanEncap + p.ipTx + p.qdisc + p.driverTx + (p.txCqInterrupts ? 0 : p.txClean);
    }
    hostSide += p.bridge + p.netfilter;
    System.out.printf("h1 app core: usr %.3f sys %.3f soft %.3f irq %.3f %%; NET_RX %d, IRQs %d%n",
        WakeTest.pct(app, "usr"), WakeTest.pct(app, "sys"), WakeTest.pct(app, "soft"), WakeTest.pct(app, "irq"),
        run.netRx("h1"), run.irqs("h1"));
    assertEquals(WakeTest.asReported(datagrams * (3 * pass + hostSide)), WakeTest.pct(app, "soft"),
        "3 net_rx_action passes per datagram and its fragments' host side, as softirq time of the sender's core");
    assertEquals(datagrams * 3, run.netRx("h1") - run.irqs("h1"),
        "a NET_RX per fragment from the sender's local_bh_enable (beside one per interrupt)");
  }

  /**
   * The bridge's nf_defrag holds the first two fragments (their passes only queue them); the last fragment's pass
   * completes the datagram and sends all three through VXLAN and the pNIC, back to back. The datagram's journey
   * rides its last fragment: its host-side stage (tx_backlog) holds the first two fragments' output before its own.
   */
  @Test
  void theBridgeSendsTheGatheredFragmentsOnTheLastOnesPass() {
    Config e = oneDatagramPerMs();
    Profile p = KernelModels.spec(e).profile;
    int fp = p.fragPayloadBytes(StackKind.DOCKER_OVERLAY);
    long[] lens = {fp, fp, BYTES + 8 - 2L * fp};
    Map<String, Object> r = Calib.run(e, 1, 1).results();
    Map<String, Object> txBacklog = JourneyTest.list(JourneyTest.list(JourneyTest.journeys(r).get("flows")).get(0)
        .get("stages")).stream().filter(s -> s.get("stage").equals("tx_backlog")).findFirst().orElseThrow();
    long out = 0; // the first two fragments: refragmented, their new heads, VXLAN, outer IP, qdisc and driver
    for (int i = 0; i < 2; i++) {
      out += p.ipFrag + p.headRealloc(TxPath.UDP_HEAD_BYTES - 8 + lens[i]) + p.vxlanEncap + p.ipTx + p.qdisc
          + p.driverTx + (p.txCqInterrupts ? 0 : p.txClean);
    }
    long last = p.backlogPoll + p.ipDefrag + p.bridge + p.netfilter + p.ipFrag
        + p.headRealloc(TxPath.UDP_HEAD_BYTES - 8 + lens[2]) + p.vxlanEncap + p.ipTx;
    assertEquals(last + out, JourneyTest.num(txBacklog, "service_mean_ns"),
        "the last fragment's pass: the datagram's bridge, the held fragments' output, then its own");
  }
}
