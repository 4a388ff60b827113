package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.junit.jupiter.api.Test;

/**
 * The per-datagram and per-fragment costs of an iperf3 UDP sender (docs/calibration.md, "Absolute figures"): KPTI on
 * every syscall (kernel.page-table-isolation, hotcloud19 only), the software checksum udp_sendmsg computes while
 * copying a datagram that IP will fragment, and ip_fragment handing each later fragment to ip_finish_output2 only
 * (ip-tx-frag), a paced iperf3 client's select() before every write (iperf_send: multisend 1 with a target rate),
 * conntrack in a container's netns on Linux before 4.10 (kernel.conntrack-every-netns), retpolines on every indirect
 * call (kernel.retpoline), br_netfilter gathering a datagram's fragments before the bridge's conntrack, Docker's seccomp
 * filter on a container's syscalls (kernel.container-seccomp) and vxlan_xmit's new head for a container's UDP skb on
 * Linux 4.4 (kernel.bridge-rx-headroom off). The native and 64 B
 * calibration flows are sender-bound (the sender's app core is 100 % busy, the receiver's cores are not), so each
 * cost shows as exactly its share of the time per datagram (over the calibration files' 30 ms measured window: the
 * 8 KB native run's first milliseconds are not yet sender-bound).
 */
class UdpSenderCostTest {
  /** One 40 ms run of calibration file {@code file} (10 ms warm-up, no start jitter), with {@code overrides.key} set. */
  static Calib.Run run(String file, String key, Object value) {
    Config e = Calib.load(file).getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("40ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("10ms"));
    if (key != null) e = e.withValue("overrides." + key, ConfigValueFactory.fromAnyRef(value));
    return Calib.run(Calib.withWorkloads(e, "start-jitter", "0us"), 1, 1);
  }

  /** Sender's nanoseconds per datagram of {@code bytes} payload, from the delivered throughput. */
  private static double nanosPerDatagram(Calib.Run r, long bytes) {
    return bytes * 8 / r.gbps();
  }

  private static Profile profile(String name, String key, Object value) {
    Config ov = key == null ? ConfigFactory.empty() : ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
    return Profile.load(ConfigFactory.defaultReference(), name, ov);
  }

  @Test
  void pageTableIsolationAddsToEverySyscallOnMeltdownVulnerableHosts() {
    Profile on = profile("hotcloud19", null, null);
    Profile off = profile("hotcloud19", "kernel.page-table-isolation", false);
    assertEquals(140, on.ptiSyscall);
    assertEquals(off.syscall + 140, on.syscall);
    assertEquals(off.pollSyscall + 140, on.pollSyscall);
    Profile k5 = profile("k5-100g", null, null);
    assertEquals(0, k5.ptiSyscall, "Cascade Lake is not vulnerable to Meltdown: no KPTI");
    // 64 B native, paced (the packet-rate run): one write() and one select() per datagram: 140 + 140 ns more
    Calib.Run withPti = run("udp-small-native", null, null);
    Calib.Run without = run("udp-small-native", "kernel.page-table-isolation", false);
    double delta = 1e6 / withPti.kpps() - 1e6 / without.kpps();
    System.out.printf("64 B native: %.1f kpps with KPTI, %.1f without: +%.0f ns per datagram%n", withPti.kpps(),
        without.kpps(), delta);
    assertEquals(280, delta, 20);
  }

  @Test
  void aPacedIperf3ClientSelectsBeforeEveryWrite() {
    // iperf_send: multisend = 1 with a target rate (-b), 10 without; the 64 B packet-rate run is paced at 40 Gbps,
    // which it never reaches, so the only difference is 9 of 10 select() calls (poll-syscall 1000 + KPTI 140 ns +
    // the retpolines of its 6 indirect calls, 120 ns)
    long select = profile("hotcloud19", null, null).pollSyscall;
    assertEquals(1260, select);
    Calib.Run paced = run("udp-small-native", null, null);
    Config e = Calib.load("udp-small-native").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("40ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("10ms"));
    Calib.Run unpaced = Calib.run(Calib.withWorkloads(Calib.withWorkloads(e, "start-jitter", "0us"), "rate", "0bps"), 1, 1);
    double delta = 1e6 / paced.kpps() - 1e6 / unpaced.kpps();
    System.out.printf("64 B native: %.1f kpps paced, %.1f unpaced: +%.0f ns per datagram%n", paced.kpps(),
        unpaced.kpps(), delta);
    assertEquals(select - select / 10, delta, 30);
  }

  @Test
  void conntrackHooksTheContainerNetnsOnLinuxBefore410() {
    Profile on = profile("hotcloud19", null, null);
    assertTrue(on.conntrackEveryNetns);
    assertEquals(on.netfilter, on.containerNetfilter);
    assertEquals(0, profile("hotcloud19", "kernel.conntrack-every-netns", false).containerNetfilter);
    assertEquals(0, profile("k5-100g", null, null).containerNetfilter, "Linux 5.4 hooks a netns only for its rules");
    // 64 B Docker overlay, sender-bound: the sender's container netns pays LOCAL_OUT + POST_ROUTING once per datagram
    Calib.Run with = run("udp-small-docker-overlay", null, null);
    Calib.Run without = run("udp-small-docker-overlay", "kernel.conntrack-every-netns", false);
    double delta = 1e6 / with.kpps() - 1e6 / without.kpps();
    System.out.printf("64 B Docker: %.1f kpps with the container's conntrack, %.1f without: +%.0f ns per datagram%n",
        with.kpps(), without.kpps(), delta);
    assertEquals(on.netfilter, delta, 30);
  }

  @Test
  void aDatagramThatIpFragmentsIsChecksummedByTheSendersCopy() {
    // 8 KB native: the sender's copy checksums 8192 B in the same pass (csum_partial_copy_generic), which costs the
    // slower of the copy (memcpy-per-kib 100 ns/KiB: 800 ns) and the checksum (csum-per-kib 120 ns/KiB: 960 ns)
    Calib.Run dflt = run("udp-1flow-native", null, null);
    Calib.Run asFastAsTheCopy = run("udp-1flow-native", "costs.csum-per-kib", "100ns");
    double delta = nanosPerDatagram(dflt, 8192) - nanosPerDatagram(asFastAsTheCopy, 8192);
    System.out.printf("8 KB native: %.3f Gbps, %.3f with a 100 ns/KiB checksum: +%.0f ns per datagram%n", dflt.gbps(),
        asFastAsTheCopy.gbps(), delta);
    assertEquals(8 * (120 - 100), delta, 40);
    // a checksum faster than the copy hides in the copy's pass (a second pass would cost 8 x 99 = 792 ns more); what
    // is left is the receiver's own checksum after reassembly
    Calib.Run cheap = run("udp-1flow-native", "costs.csum-per-kib", "1ns");
    double hidden = nanosPerDatagram(asFastAsTheCopy, 8192) - nanosPerDatagram(cheap, 8192);
    System.out.printf("8 KB native: %.3f Gbps with a 1 ns/KiB checksum: %.0f ns per datagram less%n", cheap.gbps(), hidden);
    assertTrue(Math.abs(hidden) < 80, "the copy's pass hides a cheaper checksum: " + hidden);
    // a 64 B datagram fits the MTU: its checksum is left to the NIC (CHECKSUM_PARTIAL)
    Calib.Run small = run("udp-small-native", null, null);
    Calib.Run smallCheap = run("udp-small-native", "costs.csum-per-kib", "1ns");
    assertEquals(small.kpps(), smallCheap.kpps(), 1e-9);
  }

  @Test
  void laterFragmentsOfADatagramPayOnlyIpFinishOutput2() {
    // 8 KB: 6 fragments; the first pays ip-tx (250 ns), the other 5 ip-tx-frag (100 ns) instead of ip-tx (each with
    // the retpoline of its one indirect call)
    Calib.Run dflt = run("udp-1flow-native", null, null);
    Calib.Run whole = run("udp-1flow-native", "costs.ip-tx-frag", "250ns");
    double delta = nanosPerDatagram(whole, 8192) - nanosPerDatagram(dflt, 8192);
    System.out.printf("8 KB native: %.3f Gbps, %.3f when every fragment pays ip-tx: +%.0f ns per datagram%n",
        dflt.gbps(), whole.gbps(), delta);
    assertEquals(5 * 150, delta, 80);
    assertTrue(dflt.gbps() > whole.gbps());
  }

  @Test
  void retpolinesTaxEveryIndirectCallOfAStage() {
    Profile on = profile("hotcloud19", null, null);
    Profile off = profile("hotcloud19", "kernel.retpoline", false);
    assertTrue(on.retpoline);
    assertEquals(20, on.retpolinePerCall);
    assertEquals(0, off.retpolinePerCall);
    // each stage pays its configured cost + its indirect calls x 20 ns
    assertEquals(off.pollSyscall + 6 * 20, on.pollSyscall);
    assertEquals(off.syscall + 6 * 20, on.syscall);
    assertEquals(off.netfilter + 13 * 20, on.netfilter);
    assertEquals(off.qdisc + 3 * 20, on.qdisc);
    assertEquals(off.irq + 4 * 20, on.irq);
    assertEquals(0, on.retpolineTax("vxlan-decap"), "vxlan_rcv's calls are direct");
    Profile k5 = profile("k5-100g", null, null);
    assertEquals(0, k5.retpolineTax("netfilter"), "Cascade Lake runs Enhanced IBRS, not retpolines");
    // 64 B native, paced, sender-bound: select (6) + write (6) + udp_sendmsg (2) + netfilter (13) + ip output (1) +
    // qdisc (3) + driver (2) = 33 indirect calls per datagram
    Calib.Run with = run("udp-small-native", null, null);
    Calib.Run without = run("udp-small-native", "kernel.retpoline", false);
    double delta = 1e6 / with.kpps() - 1e6 / without.kpps();
    System.out.printf("64 B native: %.1f kpps with retpolines, %.1f without: +%.0f ns per datagram%n", with.kpps(),
        without.kpps(), delta);
    assertEquals(33 * 20, delta, 30);
  }

  @Test
  void theBridgeGathersAFragmentedDatagramBeforeConntrack() {
    // 8 KB Docker overlay (6 fragments): br_netfilter defragments at the bridge's PRE_ROUTING, so the bridge's
    // netfilter pass runs once per datagram, like the container's; 500 ns more per pass cost each end 2 x 500 ns
    // per datagram (per fragment, the bridge's pass would cost 6 x 500 + 500)
    Calib.Run dflt = run("udp-1flow-docker-overlay", null, null);
    Calib.Run slower = run("udp-1flow-docker-overlay", "costs.netfilter", "850ns");
    double delta = nanosPerDatagram(slower, 8192) - nanosPerDatagram(dflt, 8192);
    System.out.printf("8 KB Docker: %.3f Gbps, %.3f with netfilter +500 ns: +%.0f ns per datagram%n", dflt.gbps(),
        slower.gbps(), delta);
    assertEquals(2 * 500, delta, 100);
  }

  @Test
  void aContainersSyscallsRunDockersSeccompFilter() {
    Profile p = profile("hotcloud19", null, null);
    assertTrue(p.containerSeccomp);
    assertEquals(63, p.seccompSyscall);
    assertEquals(p.syscall + 63, p.syscall(StackKind.DOCKER_OVERLAY));
    assertEquals(p.pollSyscall + 63, p.pollSyscall(StackKind.DOCKER_OVERLAY));
    assertEquals(p.syscall, p.syscall(StackKind.NATIVE), "a native app runs on the host, unfiltered");
    assertEquals(p.syscall, p.syscall(StackKind.LINUX_OVERLAY), "so does a Linux overlay app");
    assertTrue(profile("k5-100g", null, null).containerSeccomp, "Linux 5.4 has no constant-action bitmap (5.11)");
    // 64 B Docker overlay, paced, sender-bound: the client's select() and write() per datagram each run the filter
    Calib.Run with = run("udp-small-docker-overlay", null, null);
    Calib.Run without = run("udp-small-docker-overlay", "kernel.container-seccomp", false);
    double delta = 1e6 / with.kpps() - 1e6 / without.kpps();
    System.out.printf("64 B Docker: %.1f kpps with seccomp, %.1f without: +%.0f ns per datagram%n", with.kpps(),
        without.kpps(), delta);
    assertEquals(2 * 63, delta, 20);
    // the native client is not in a container
    assertEquals(run("udp-small-native", null, null).kpps(),
        run("udp-small-native", "kernel.container-seccomp", false).kpps(), 1e-9);
  }

  @Test
  void theDockerSenderAt64BPaysItsStagesOnceEach() {
    // docs/calibration.md, "The Docker sender's split: per datagram or per fragment": both paced 64 B runs are
    // sender-bound, so what the Docker sender takes per datagram beyond native's is exactly the stages it runs that
    // native does not (the bridge's netfilter pass stands for native's host-netns pass): the two syscalls' seccomp
    // filter, the container's conntrack, veth, the backlog's NET_RX in the write's local_bh_enable, the bridge, the
    // VXLAN head copy of 108 B, the encapsulation and the outer IP output. Of these the paper's split asks ~4.5 us,
    // the model charges ~2.9.
    Profile p = profile("hotcloud19", null, null);
    long stages = 2 * p.seccompSyscall + p.containerNetfilter + p.veth + p.backlogEnqueue + p.netRxAction + p.napiPoll
        + p.backlogPoll + p.bridge + p.headRealloc(TxPath.UDP_HEAD_BYTES + 64) + p.vxlanEncap + p.ipTx;
    assertEquals(2931, stages);
    Calib.Run docker = run("udp-small-docker-overlay", null, null);
    Calib.Run nativ = run("udp-small-native", null, null);
    double delta = 1e6 / docker.kpps() - 1e6 / nativ.kpps();
    System.out.printf("64 B: Docker %.1f kpps, native %.1f: +%.0f ns per datagram%n", docker.kpps(), nativ.kpps(), delta);
    assertEquals(stages, delta, 10);
  }

  @Test
  void vxlanGivesAContainersUdpSkbANewHeadOnLinux44() {
    Profile p = profile("hotcloud19", null, null);
    assertFalse(p.bridgeRxHeadroom);
    // pskb_expand_head: SLUB's alloc + free (45 ns) and the copy of the old head's linear bytes (100 ns/KiB)
    assertEquals(45 + 100, p.headRealloc(1024));
    assertEquals(0, profile("k5-100g", null, null).headRealloc(1024), "Linux 4.6's bridge gives veth the headroom");
    // 64 B Docker, sender-bound: one new head per datagram of 2 + 14 + 20 + 8 + 64 = 108 linear bytes
    Calib.Run with = run("udp-small-docker-overlay", null, null);
    Calib.Run without = run("udp-small-docker-overlay", "kernel.bridge-rx-headroom", true);
    double delta = 1e6 / with.kpps() - 1e6 / without.kpps();
    System.out.printf("64 B Docker: %.1f kpps with the new head, %.1f without: +%.0f ns per datagram%n", with.kpps(),
        without.kpps(), delta);
    assertEquals(p.headRealloc(108), delta, 10);
    // 8 KB Docker (6 IP fragments from the container, sender-bound): a new head per fragment, each copying its
    // ~1.4 KB (the overlay's MTU 1450; the file's 8KB is 8000 B): 5 x headRealloc(36 + 1424) + headRealloc(36 + 888)
    Calib.Run big = run("udp-1flow-docker-overlay", null, null);
    Calib.Run bigWithout = run("udp-1flow-docker-overlay", "kernel.bridge-rx-headroom", true);
    double bigDelta = nanosPerDatagram(big, 8192) - nanosPerDatagram(bigWithout, 8192);
    System.out.printf("8 KB Docker: %.3f Gbps with new heads, %.3f without: +%.0f ns per datagram%n", big.gbps(),
        bigWithout.gbps(), bigDelta);
    assertEquals(5 * p.headRealloc(36 + 1424) + p.headRealloc(36 + 888), bigDelta, 80);
  }

  /**
   * Both ends' busy nanoseconds per 8 KB datagram of the Linux overlay, paced at 1 Gbps (both keep up: every datagram
   * sent is delivered), with {@code costs.netfilter} = {@code netfilter}, UFO off; the datagrams from the throughput over the
   * 30 ms measured window.
   */
  private static double[] linuxOverlayNanosPerDatagram(String netfilter) {
    Config e = Calib.load("udp-1flow-docker-overlay").getConfig("experiment")
        .withValue("topology.stack", ConfigValueFactory.fromAnyRef("linux-overlay"))
        .withValue("duration", ConfigValueFactory.fromAnyRef("40ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("10ms"))
        .withValue("overrides.costs.netfilter", ConfigValueFactory.fromAnyRef(netfilter))
        .withValue("overrides.kernel.udp-fragmentation-offload", ConfigValueFactory.fromAnyRef(false));
    Calib.Run r = Calib.run(Calib.withWorkloads(Calib.withWorkloads(e, "start-jitter", "0us"), "rate", "1Gbps"), 1, 1);
    double datagrams = r.gbps() * 1e9 * 0.030 / (8000 * 8); // message-size 8KB = 8000 B
    return new double[] {r.busyCores("h1") * 30e6 / datagrams, r.busyCores("h2") * 30e6 / datagrams};
  }

  @Test
  void theLinuxOverlayPassesTheHostNetnsHooksOncePerDatagramEachEnd() {
    // an 8 KB datagram over vxlan0 (MTU 1500): the inner packet's OUTPUT + POSTROUTING run once, before IP cuts it
    // into 6 fragments; on the receiver nf_defrag gathers the fragments on vxlan0 before the inner PREROUTING +
    // INPUT: one pass each end, 500 ns more per pass costs 500 ns per datagram (a pass per fragment would cost
    // 3000). The outer packets' passes are not charged (docs/datapath.md, "Known gaps")
    double[] dflt = linuxOverlayNanosPerDatagram("350ns");
    double[] slower = linuxOverlayNanosPerDatagram("850ns");
    System.out.printf("8 KB Linux overlay at 1 Gbps, ns per datagram sender / receiver: %.0f / %.0f, netfilter +500 ns "
        + "%.0f / %.0f%n", dflt[0], dflt[1], slower[0], slower[1]);
    assertEquals(500, slower[0] - dflt[0], 20);
    assertEquals(500, slower[1] - dflt[1], 20);
  }
}
