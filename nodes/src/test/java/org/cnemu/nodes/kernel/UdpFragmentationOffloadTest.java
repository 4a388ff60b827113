package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.cnemu.devices.Packet;
import org.cnemu.devices.Profile;
import org.junit.jupiter.api.Test;

/**
 * UDP fragmentation offload on Linux 4.4's virtual devices (kernel.udp-fragmentation-offload, modelled but off on
 * hotcloud19: docs/calibration.md, "UDP fragmentation offload on the overlay's sender"): a container's datagram larger
 * than the MTU crosses veth, the bridge and the VXLAN encapsulation as one skb, and software GSO cuts it into IP
 * fragments at the pNIC. Each run here turns it on or off through the experiment's overrides.
 */
class UdpFragmentationOffloadTest {
  /**
   * 8 KB datagrams at 1 Gbps (15.6 k/s; both ends keep up, so every datagram sent is delivered), UFO on or off, and
   * {@code key} = {@code value} in the overrides when {@code key} is not null.
   */
  private static Calib.Run paced(String file, boolean ufo, String key, Object value) {
    Config e = Calib.load(file).getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("40ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("10ms"))
        .withValue("overrides.kernel.udp-fragmentation-offload", ConfigValueFactory.fromAnyRef(ufo));
    if (key != null) e = e.withValue("overrides." + key, ConfigValueFactory.fromAnyRef(value));
    e = Calib.withWorkloads(Calib.withWorkloads(e, "start-jitter", "0us"), "rate", "1Gbps");
    return Calib.run(e, 1, 1);
  }

  @SuppressWarnings("unchecked")
  private static long device(Calib.Run r, String host, String counter) {
    for (Map<String, Object> h : (List<Map<String, Object>>) r.results().get("hosts")) {
      if (h.get("id").equals(host)) return ((Number) ((Map<String, Object>) h.get("devices")).get(counter)).longValue();
    }
    throw new IllegalArgumentException(host);
  }

  /**
   * The sender's app core (h1's busiest): its busy nanoseconds per 8 KB datagram over the 30 ms measured window (the
   * datagrams from the throughput delivered there; the device counters count the whole run).
   */
  private static double senderNanosPerDatagram(Calib.Run r) {
    double busy = 0;
    for (double b : r.busy("h1")) busy = Math.max(busy, b);
    double datagrams = r.gbps() * 1e9 * 0.030 / (8000 * 8);
    return busy / 100 * 30e6 / datagrams;
  }

  @Test
  void linux414RemovedUfo() {
    assertFalse(Profile.load(ConfigFactory.defaultReference(), "k5-100g", ConfigFactory.empty()).udpFragmentationOffload);
    // hotcloud19's Linux 4.4 has it, kept off there (reference.conf says why)
    assertFalse(Profile.load(ConfigFactory.defaultReference(), "hotcloud19", ConfigFactory.empty()).udpFragmentationOffload);
  }

  @Test
  void aContainersDatagramLargerThanTheMtuCrossesVethBridgeAndVxlanAsOneSkb() {
    Calib.Run ufo = paced("udp-1flow-docker-overlay", true, null, null);
    Calib.Run frag = paced("udp-1flow-docker-overlay", false, null, null);
    for (Calib.Run r : new Calib.Run[] {ufo, frag}) {
      System.out.printf("8 KB Docker at 1 Gbps: %.3f Gbps, h1 veth %d, bridge %d, vxlan %d, pNIC %d packets%n", r.gbps(),
          device(r, "h1", "veth_skbs"), device(r, "h1", "bridge_skbs"), device(r, "h1", "vxlan_tx_packets"),
          device(r, "h1", "nic_tx_packets"));
    }
    // with UFO one skb per datagram crosses veth and the bridge; without, each of its 6 IP fragments does
    long datagrams = device(ufo, "h1", "veth_skbs");
    assertEquals(datagrams, device(ufo, "h1", "bridge_skbs"));
    assertEquals(6 * datagrams, device(ufo, "h1", "nic_tx_packets"), 6);
    assertEquals(device(frag, "h1", "nic_tx_packets"), device(frag, "h1", "veth_skbs"), 6);
    // the wire carries the same IP fragments either way: the same datagrams arrive
    assertEquals(frag.gbps(), ufo.gbps(), frag.gbps() * 0.01);
    assertEquals(device(frag, "h1", "nic_tx_packets"), device(ufo, "h1", "nic_tx_packets"), 6);
  }

  @Test
  void theNativePathHasNoUfo() {
    // the native socket's route leaves by mlx4_en, which has no NETIF_F_UFO: IP fragments the datagram either way
    Calib.Run on = UdpSenderCostTest.run("udp-1flow-native", "kernel.udp-fragmentation-offload", true);
    Calib.Run off = UdpSenderCostTest.run("udp-1flow-native", "kernel.udp-fragmentation-offload", false);
    assertEquals(off.gbps(), on.gbps(), 0);
    assertEquals(off.kpps(), on.kpps(), 0);
  }

  @Test
  void softwareGsoChecksumsTheDatagramAtThePnicInsteadOfTheCopy() {
    // with UFO the sender's copy is a plain copy (CHECKSUM_PARTIAL) and udp4_ufo_fragment checksums the 8 KB in a pass
    // of its own: a checksum 60 ns/KiB cheaper saves 8 x 60 = 480 ns per datagram; without UFO the copy and the
    // checksum are one pass, which then costs the copy's 800 ns instead of the checksum's 960 (160 ns less)
    double dflt = senderNanosPerDatagram(paced("udp-1flow-docker-overlay", true, null, null));
    double cheap = senderNanosPerDatagram(paced("udp-1flow-docker-overlay", true, "costs.csum-per-kib", "60ns"));
    double fragDflt = senderNanosPerDatagram(paced("udp-1flow-docker-overlay", false, null, null));
    double fragCheap = senderNanosPerDatagram(paced("udp-1flow-docker-overlay", false, "costs.csum-per-kib", "60ns"));
    System.out.printf("8 KB Docker sender: %.0f ns per datagram, %.0f with a 60 ns/KiB checksum (without UFO %.0f, %.0f)%n",
        dflt, cheap, fragDflt, fragCheap);
    assertEquals(480, dflt - cheap, 60);
    assertEquals(160, fragDflt - fragCheap, 60);
  }

  @Test
  void ufoSavesTheSendersPerFragmentWork() {
    // per 8 KB datagram (6 fragments) without UFO the sender pays per fragment ip-frag, ip-tx(-frag), veth, the
    // backlog, the bridge's defragmentation and refragmentation, the VXLAN encap with the outer packet's IP output,
    // qdisc and driver; with UFO each once, plus software GSO (checksum 960 ns, 6 x (gso-seg +
    // driver-tx-per-pkt)) and a plain copy. vxlan_xmit's new head (Linux 4.4) copies each fragment's ~1.4 KB
    // (the overlay's MTU 1450; the file's 8KB is 8000 B: 5 x 1424 B + 888 B) without UFO, only the UFO skb's headers
    // (its data is in page frags) with it. Without UFO the sender's local_bh_enable drains its backlog after each
    // fragment: 5 more net_rx_action passes than the UFO skb's one
    Profile p = Profile.load(ConfigFactory.defaultReference(), "hotcloud19", ConfigFactory.empty());
    long perFragment = p.veth + p.backlogEnqueue + p.backlogPoll + p.vxlanEncap + p.ipTx + p.qdisc + p.driverTx;
    long newHeads = 5 * p.headRealloc(36 + 1424) + p.headRealloc(36 + 888) - p.headRealloc(44);
    long saved = 6 * p.ipFrag + 5 * p.ipTxFrag + 5 * perFragment + 6 * (p.ipDefrag + p.ipFrag) + p.copyAndCsum(8000)
        - p.memcpy(8000) - p.csum(8000 + 8) - 6 * (p.gsoSeg + p.driverTxPerPkt) + newHeads
        + 5 * (p.netRxAction + p.napiPoll);
    double ufo = senderNanosPerDatagram(paced("udp-1flow-docker-overlay", true, null, null));
    double frag = senderNanosPerDatagram(paced("udp-1flow-docker-overlay", false, null, null));
    System.out.printf("8 KB Docker sender: %.0f ns per datagram with UFO, %.0f without (expected %d less)%n", ufo, frag,
        saved);
    assertEquals(saved, frag - ufo, saved * 0.01);
  }

  @Test
  void theBridgeForwardsAUfoSkbWholeAndGathersOnlyFragments() {
    // br_netfilter: nf_defrag_ipv4 gathers IP fragments (ip-defrag) and br_nf_dev_queue_xmit refragments them
    // (ip-frag); a UFO skb is one IP packet: conntrack and the tables once, sent on whole (skb_is_gso)
    Profile p = Profile.load(ConfigFactory.defaultReference(), "hotcloud19", ConfigFactory.empty());
    Packet ufo = new Packet(0, (byte) 0, true, 7, 8200, 6, 0, 0, 0, 0, 0, (short) 0, (short) 6, 1, (byte) 0, 1, 0, false);
    assertTrue(ufo.ufo());
    assertEquals(p.bridge + p.netfilter, RxPath.bridgeForward(p, ufo));
    Packet first = ufo.ipFragment(0, 1424, null);
    Packet last = ufo.ipFragment(5, 1080, null);
    assertFalse(first.ufo());
    assertEquals(p.ipDefrag + p.ipFrag, RxPath.bridgeForward(p, first));
    assertEquals(p.ipDefrag + p.ipFrag + p.bridge + p.netfilter, RxPath.bridgeForward(p, last));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aUfoSkbToAContainerOfTheSameHostArrivesWhole() {
    // over the bridge to the peer's veth, never through a device without UFO: the receiver gets one skb per datagram
    Config e = Calib.load("udp-1flow-docker-overlay").getConfig("experiment")
        .withValue("overrides.kernel.udp-fragmentation-offload", ConfigValueFactory.fromAnyRef(true))
        .withValue("topology.hosts.h1.containers", ConfigValueFactory.fromIterable(List.of("c1", "c2")));
    e = Calib.withWorkloads(Calib.withWorkloads(Calib.withWorkloads(e, "start-jitter", "0us"), "rate", "1Gbps"), "dst",
        "h1/c2");
    Calib.Run r = Calib.run(e, 1, 1);
    System.out.printf("8 KB Docker, same host, UFO: %.3f Gbps, h1 veth %d, pNIC %d packets%n", r.gbps(),
        device(r, "h1", "veth_skbs"), device(r, "h1", "nic_tx_packets"));
    assertEquals(1.0, r.gbps(), 0.01);
    assertEquals(0, device(r, "h1", "nic_tx_packets"));
    assertEquals(0, ((Number) ((Map<String, Object>) r.results().get("conservation")).get("dropped")).longValue());
  }
}
