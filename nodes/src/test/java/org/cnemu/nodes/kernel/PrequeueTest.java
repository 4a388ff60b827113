package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Linux 4.4's TCP prequeue (kernel.tcp.prequeue; off in both profiles, docs/calibration.md): a data segment for a reader waiting inside
 * read() is handed to it; the reader runs tcp_rcv_established on its own core and sends the ACKs from there.
 * In the Docker overlay such an ACK crosses veth into the reader core's backlog, so NET_RX runs on the
 * reader's core at its local_bh_enable. One 128 KB write (iperf3 3.0's first write: its 100 ms throttle
 * timer lets no second one into this 3 ms run) from h1 to a reader on h2's core 19, where no RX queue interrupts.
 */
class PrequeueTest {
  private static final int READER = 19; // no RX queue's IRQ on this core (16 queues)

  private static Calib.Run oneWrite(String profile, String stack, Boolean prequeue) {
    Config e = Calib.load("tcp-5gbps-docker-overlay").getConfig("experiment")
        .withValue("profile", ConfigValueFactory.fromAnyRef(profile))
        .withValue("topology.stack", ConfigValueFactory.fromAnyRef(stack))
        .withValue("duration", ConfigValueFactory.fromAnyRef("3ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("0ms"))
        // HyStart off: the write's segments in the slow start this test pins (docs/calibration.md, "HyStart")
        .withValue("overrides.kernel.tcp.cubic.hystart", ConfigValueFactory.fromAnyRef(false));
    e = Calib.withWorkloads(e, "pacing-timer", "100ms");
    e = Calib.withWorkloads(e, "start-jitter", "0us");
    e = Calib.withWorkloads(e, "dst-cpu", READER);
    if (prequeue != null) e = e.withValue("overrides.kernel.tcp.prequeue", ConfigValueFactory.fromAnyRef(prequeue));
    return Calib.run(e, 1, 1);
  }

  private static Map<String, Object> core(Calib.Run r, String host, int core) {
    for (Map<String, Object> c : r.list("cores")) {
      if (c.get("host").equals(host) && ((Number) c.get("core")).intValue() == core) return c;
    }
    throw new AssertionError(host + " core " + core);
  }

  private static double pct(Map<String, Object> c, String k) {
    return ((Number) c.get(k)).doubleValue();
  }

  private static long goodBytes(Calib.Run r) {
    return Math.round(r.gbps() * 1e9 / 8 * 3e-3);
  }

  @Test
  void aReaderWaitingInReadProcessesItsSegmentsAndRunsNetRxForItsAcksOnItsOwnCore() {
    Calib.Run on = oneWrite("hotcloud19", "docker-overlay", true);
    Calib.Run off = oneWrite("hotcloud19", "docker-overlay", false);
    Map<String, Object> cOn = core(on, "h2", READER);
    Map<String, Object> cOff = core(off, "h2", READER);
    System.out.println("prequeue on: " + cOn + " netrx " + on.netRx("h2") + " irqs " + on.irqs("h2"));
    System.out.println("prequeue off: " + cOff + " netrx " + off.netRx("h2") + " irqs " + off.irqs("h2"));
    assertEquals(goodBytes(off), goodBytes(on), "the same write is read either way");
    // without prequeue the reader's core runs NET_RX only for the window updates its reads send
    // (tcp_cleanup_rbuf); with it, also for the ACKs of the segments it processed
    assertTrue(pct(cOn, "soft") > pct(cOff, "soft"), "NET_RX for the reader's ACKs on its own core");
    assertTrue(pct(cOn, "sys") > pct(cOff, "sys"), "tcp_rcv_established and the ACKs' transmit in the reader's sys time");
    assertEquals(8, on.irqs("h2"), "the same interrupts");
    assertEquals(8, off.irqs("h2"));
    assertEquals(18, off.netRx("h2"));
    assertEquals(19, on.netRx("h2"), "one NET_RX more, without an interrupt: the reader's prequeue batch's ACKs");
  }

  @Test
  void nativeAcksFromTheReaderGoStraightToTheDriver() {
    Calib.Run on = oneWrite("hotcloud19", "native", true);
    Calib.Run off = oneWrite("hotcloud19", "native", false);
    Map<String, Object> cOn = core(on, "h2", READER);
    System.out.println("native prequeue on: " + cOn + " netrx " + on.netRx("h2") + " / off " + off.netRx("h2"));
    assertEquals(0.0, pct(cOn, "soft"), "a native ACK needs no NET_RX on the reader's core");
    assertTrue(pct(cOn, "sys") > pct(core(off, "h2", READER), "sys"));
  }

  @Test
  void linux54HasNoPrequeue() {
    Calib.Run k5 = oneWrite("k5-100g", "docker-overlay", null);
    Calib.Run forced = oneWrite("k5-100g", "docker-overlay", true);
    Map<String, Object> c = core(k5, "h2", READER);
    Map<String, Object> f = core(forced, "h2", READER);
    assertTrue(pct(f, "sys") > pct(c, "sys"), "removed in 4.14: the softirq processes every segment");
    assertTrue(pct(f, "soft") > pct(c, "soft"), "the switch, not the profile's name, decides");
  }
}
