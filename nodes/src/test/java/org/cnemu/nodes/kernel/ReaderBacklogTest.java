package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reader's socket lock (kernel.tcp.reader-backlog; Linux 4.4 and 5.4 tcp_recvmsg, off in both profiles by
 * its effect on the bands, docs/calibration.md): while iperf3's reader is inside read() it owns the socket, so a
 * data segment arriving meanwhile is queued to the socket backlog by the softirq and processed by the reader at
 * release_sock (tcp_v4_do_rcv in process context), which sends the ACKs from its own core and copies the data in
 * the same read. Receiver h2's reader on core 19, where no RX queue interrupts; prequeue off; no start jitter.
 */
class ReaderBacklogTest {
  private static final int READER = 19; // no RX queue's IRQ on this core (16 queues)

  private static Calib.Run run(String file, String duration, boolean backlog) {
    Config e = Calib.load(file).getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef(duration))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("0ms"))
        .withValue("overrides.kernel.tcp.prequeue", ConfigValueFactory.fromAnyRef(false))
        .withValue("overrides.kernel.tcp.reader-backlog", ConfigValueFactory.fromAnyRef(backlog))
        // no scheduler tick: the figures below pin the socket lock's work (the tick's share is SchedTickTest's)
        .withValue("overrides.kernel.tick-hz", ConfigValueFactory.fromAnyRef(0))
        // HyStart off: these 2-10 ms runs need the saturated receiver a slow start to the receive window reaches
        // (HyStart's ms-clock exit leaves ~40 ms of congestion avoidance first; docs/calibration.md, "HyStart")
        .withValue("overrides.kernel.tcp.cubic.hystart", ConfigValueFactory.fromAnyRef(false));
    e = Calib.withWorkloads(e, "start-jitter", "0us");
    e = Calib.withWorkloads(e, "dst-cpu", READER);
    return Calib.run(e, 1, 1);
  }

  private static double pct(Calib.Run r, String key) {
    for (Map<String, Object> c : r.list("cores")) {
      if (c.get("host").equals("h2") && ((Number) c.get("core")).intValue() == READER) {
        return ((Number) c.get(key)).doubleValue();
      }
    }
    throw new AssertionError("h2 core " + READER);
  }

  private static String line(Calib.Run r) {
    return "reader sys " + pct(r, "sys") + " soft " + pct(r, "soft") + " netrx " + r.netRx("h2") + " irqs " + r.irqs("h2")
        + " gbps " + r.gbps();
  }

  @Test
  void theSaturatedNativeFlowsReaderProcessesWhatArrivesWhileItCopies() {
    // 2 ms of the single native flow: the IRQ core is saturated; with the lock, the segments that arrive while the
    // reader copies cost the softirq only tcp-rx-deferred, and tcp_rcv_established runs in the reader's sys time
    Calib.Run on = run("tcp-1flow-native", "2ms", true);
    Calib.Run off = run("tcp-1flow-native", "2ms", false);
    System.out.println("native reader-backlog on: " + line(on));
    System.out.println("native reader-backlog off: " + line(off));
    // the IRQ core's poll re-reads its ring, so it completes whenever it drains it (napi_complete_done, an IRQ
    // for what comes next) and hands the socket what it took at each completion: the reader, woken for each,
    // reads smaller pieces more often (its user time per read doubles in all, 0.62 -> 1.19 %). With retpolines the
    // saturated IRQ core pays the tax of the stages that were not fitted with it (netfilter's 13 calls per skb, the
    // IRQ's, NAPI's, the ACKs' transmit path): 21.887 -> 20.775 Gbps without the lock, 24.077 -> 23.222 with it; the
    // reader's syscalls pay 6 calls each (+120 ns). Since wake-ups cost CPU (docs/calibration.md, "Wake-ups and
    // context switches") the reader also pays its switches out and in around every sleep: sys 46.118 -> 51.962 %
    // without the lock (the flow unchanged), 54.887 -> 66.747 % with it; with the lock the reader, back later from
    // each sleep, finds more in its backlog and takes more of the segments' TCP work off the saturated IRQ core:
    // 23.222 -> 24.746 Gbps, 69 -> 58 interrupts, 72 -> 76 NET_RX runs. Since ksoftirqd's own switches are charged
    // (on the saturated IRQ core, which shifts when the reader is handed its data) the reader's sys with the lock is
    // 66.747 -> 66.676 % and the interrupts without it 63 -> 62; both flows' rates are unchanged
    assertEquals(51.962, pct(off, "sys"), 1e-9, "without the lock: the copies, the window updates, the switches");
    assertEquals(66.676, pct(on, "sys"), 1e-9, "with it: also tcp_rcv_established and the ACKs of the backlog");
    assertEquals(20.775, off.gbps(), 5e-4);
    assertEquals(24.746, on.gbps(), 5e-4, "the saturated IRQ core does less per segment");
    assertEquals(62, off.irqs("h2"));
    assertEquals(64, off.netRx("h2"));
    assertEquals(58, on.irqs("h2"));
    assertEquals(76, on.netRx("h2"));
  }

  @Test
  void dockerAcksFromTheReaderRunNetRxOnItsCoreWithoutAnInterrupt() {
    // the 5 Gbps Docker-overlay run (evenly spaced 128 KB writes), 10 ms: an ACK the reader sends crosses veth
    // into its own core's backlog, so NET_RX runs there at its local_bh_enable, without an interrupt
    Calib.Run on = run("tcp-5gbps-docker-overlay", "10ms", true);
    Calib.Run off = run("tcp-5gbps-docker-overlay", "10ms", false);
    System.out.println("docker reader-backlog on: " + line(on));
    System.out.println("docker reader-backlog off: " + line(off));
    assertEquals(off.gbps(), on.gbps(), 1e-12, "the same paced writes are read either way");
    // with retpolines: the window updates' and ACKs' path through veth, the backlog and the bridge (veth, bridge,
    // netfilter and the transmit stages pay their indirect calls) and the reader's syscalls cost more: soft 0.076 ->
    // 0.089 and 1.133 -> 1.33 %, sys 9.401 -> 10.78 and 10.378 -> 11.437 %. The reader runs in a container: Docker's
    // seccomp filter on its select() and read() (kernel.container-seccomp, 2 x 63 ns per read) takes sys 10.78 ->
    // 10.942 % (~128 reads in the 10 ms) and 11.437 -> 11.564 % (~101: with the lock it reads larger pieces); the
    // slightly later reads move the ACKs the reader processed, one NET_RX run fewer on its core (209 -> 208, soft
    // 1.33 -> 1.30 %). With container-seccomp off every value is the earlier one (tried). The reader's switches out and
    // in around each sleep (wake-ups cost CPU) take sys 10.942 -> 12.772 % and 11.564 -> 12.614 %, and, with the lock,
    // its later reads process more ACKs' worth of segments: soft 1.30 -> 1.359 %, NET_RX 208 -> 210. With the
    // overlay's MTU (MSS 1398: 92 segments per 128 KB write instead of 89) the reads and the ACKs fall differently:
    // with the lock soft 1.359 -> 0.743 % (NET_RX 210 -> 193), sys 12.614 -> 12.648 %; without it sys 12.772 ->
    // 12.567 %, NET_RX 174 -> 163, interrupts 83 -> 75
    assertEquals(0.089, pct(off, "soft"), 1e-9, "without the lock: NET_RX for the reads' window updates only");
    assertEquals(0.743, pct(on, "soft"), 1e-9, "with it: also for the ACKs of the segments the reader processed");
    assertEquals(12.567, pct(off, "sys"), 1e-9);
    assertEquals(12.648, pct(on, "sys"), 1e-9, "with it");
    // the IRQ core's poll takes each write's segments as they arrive, in one poll, with one interrupt: fewer
    // interrupts and NET_RX runs on that core than when a segment that came during the poll raised its own
    assertEquals(163, off.netRx("h2"));
    assertEquals(75, off.irqs("h2"));
    assertEquals(193, on.netRx("h2"));
    // the reader's ACKs leave on its own core's TX queue, whose completions interrupt on another vector
    assertEquals(84, on.irqs("h2"));
  }

  @Test
  void offInBothProfilesByTheirBands() {
    for (String profile : new String[] {"hotcloud19", "k5-100g"}) {
      assertEquals(false, org.cnemu.devices.Profile.load(com.typesafe.config.ConfigFactory.defaultReference(), profile,
          com.typesafe.config.ConfigFactory.empty()).tcpReaderBacklog, profile);
    }
  }
}
