package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.junit.jupiter.api.Test;

/**
 * The overlays' inner MTU: a VXLAN device takes its lower device's MTU minus VXLAN_HEADROOM (50 B over IPv4) and
 * libnetwork gives a Docker container's veth the same 1450 B, so an overlay's sockets segment and fragment for 1450 B
 * and their outer frames fit the 1500 B physical network; a native socket's route is the pNIC's 1500 B.
 */
class OverlayMtuTest {
  private static final Profile P = Profile.load(ConfigFactory.defaultReference(), "hotcloud19", ConfigFactory.empty());

  @Test
  void anOverlaysRouteMtuIsThePhysicalOneLessVxlansHeadroom() {
    assertEquals(1500, P.mtu);
    assertEquals(1500, P.mtuBytes(StackKind.NATIVE));
    assertEquals(1450, P.mtuBytes(StackKind.LINUX_OVERLAY));
    assertEquals(1450, P.mtuBytes(StackKind.DOCKER_OVERLAY));
    // MSS: MTU - IP 20 - TCP 20 - timestamps 12; fragment payload: MTU - IP 20, rounded down to 8 B
    assertEquals(1448, P.mssBytes(StackKind.NATIVE));
    assertEquals(1398, P.mssBytes(StackKind.DOCKER_OVERLAY));
    assertEquals(1480, P.fragPayloadBytes(StackKind.NATIVE));
    assertEquals(1424, P.fragPayloadBytes(StackKind.LINUX_OVERLAY));
    assertEquals(1398, TcpSetup.config(P, StackKind.DOCKER_OVERLAY, "cubic", false, 0).mss());
    assertEquals(1448, TcpSetup.config(P, StackKind.NATIVE, "cubic", false, 0).mss());
    // an 8 KB datagram (8200 B with its UDP header): 8200 / 1424 = 5.76 -> 6 fragments; 7113 B: 7121 / 1424 = 5.0007
    // -> 6 in an overlay, 7121 / 1480 = 4.8 -> 5 natively; TCP: 2 x 1398 = 2796 B fit two overlay segments
    assertEquals(6, ExpectedWork.packets(P, StackKind.DOCKER_OVERLAY, true, 8192));
    assertEquals(6, ExpectedWork.packets(P, StackKind.DOCKER_OVERLAY, true, 7113));
    assertEquals(5, ExpectedWork.packets(P, StackKind.NATIVE, true, 7113));
    assertEquals(2, ExpectedWork.packets(P, StackKind.LINUX_OVERLAY, false, 2796));
    assertEquals(3, ExpectedWork.packets(P, StackKind.LINUX_OVERLAY, false, 2797));
    assertEquals(2, ExpectedWork.packets(P, StackKind.NATIVE, false, 2797));
    // a datagram that fits the route MTU with its headers is one packet, though it exceeds a fragment's payload
    // (1,422 + 8 = 1,430 B > 1,424): the sender's rule, which the expected work and the packet rate now share
    assertEquals(1, P.udpPackets(1422, StackKind.DOCKER_OVERLAY));
    assertEquals(2, P.udpPackets(1423, StackKind.DOCKER_OVERLAY));
    assertEquals(1, P.udpPackets(1472, StackKind.NATIVE));
    assertEquals(2, P.udpPackets(1473, StackKind.NATIVE));
    assertEquals(1, ExpectedWork.packets(P, StackKind.DOCKER_OVERLAY, true, 1422));
  }

  /** The switch's port toward {@code peer} in run {@code r}. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> port(Calib.Run r, String peer) {
    for (Map<String, Object> s : r.list("switches")) {
      for (Map<String, Object> p : (List<Map<String, Object>>) s.get("ports")) if (p.get("port").equals(peer)) return p;
    }
    throw new IllegalArgumentException(peer);
  }

  private static long n(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).longValue();
  }

  /**
   * {@code file} of experiments/calibration for 20 ms (5 ms warm-up), its flow paced at 1 Gbps (both ends keep up; one
   * flow at one rate never waits at the switch's port) with messages of {@code messageSize}.
   */
  private static Calib.Run paced(String file, String messageSize) {
    Config e = Calib.load(file).getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("20ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("5ms"));
    return Calib.run(Calib.withWorkloads(Calib.withWorkloads(Calib.withWorkloads(e, "start-jitter", "0us"), "rate",
        "1Gbps"), "message-size", messageSize), 1, 1);
  }

  @Test
  void anOverlayTcpFlowsSegmentsCarryItsMssInOuterFramesOfThePhysicalMtu() {
    // writes of 30 MSS paced at 1 Gbps: every segment is full (TSO skbs of whole writes, never window-limited), so the
    // port toward h2 carries exactly MSS bytes per packet; one flow at one rate never waits there, so the port's peak
    // queue is one packet's wire bytes: MSS + IP/TCP/timestamps 52 (+ VXLAN 50) + Ethernet 38 (header 14, FCS 4,
    // preamble 8, IFG 12). The outer IP packet is the physical MTU, 1500 B, in every stack
    for (String file : new String[] {"tcp-1flow-docker-overlay", "tcp-1flow-linux-overlay", "tcp-1flow-native"}) {
      int mss = file.endsWith("native") ? 1448 : 1398;
      int vxlan = file.endsWith("native") ? 0 : Profile.VXLAN_HEADROOM_BYTES;
      Calib.Run r = paced(file, 30 * mss + "B");
      Map<String, Object> toH2 = port(r, "h2");
      System.out.printf("%s: %.3f Gbps, port to h2 %d packets %d B, peak %d B%n", file, r.gbps(), n(toH2, "forwarded"),
          n(toH2, "forwarded_bytes"), n(toH2, "peak_queue_bytes"));
      assertEquals((long) mss * n(toH2, "forwarded"), n(toH2, "forwarded_bytes"), file);
      assertEquals(mss + 52 + vxlan + NicEntity.ETH_WIRE, n(toH2, "peak_queue_bytes"), file);
      assertEquals(1500, n(toH2, "peak_queue_bytes") - NicEntity.ETH_WIRE, file);
    }
  }

  @Test
  void anOverlaysDatagramLeavesInFragmentsOfItsInnerMtu() {
    // 7113 B datagrams (7121 B with the UDP header) at 1 Gbps: 6 fragments each in the Docker overlay (1424 B of
    // payload per fragment), 5 natively (1480 B); the port toward h2 carries the datagrams' fragments only, their
    // payload bytes 7121 per datagram (a datagram cut by the run's end at either edge: one fragment count of slack)
    for (String file : new String[] {"udp-1flow-docker-overlay", "udp-1flow-native"}) {
      Calib.Run r = paced(file, "7113B");
      Map<String, Object> toH2 = port(r, "h2");
      long fragments = n(toH2, "forwarded");
      double datagrams = n(toH2, "forwarded_bytes") / 7121.0;
      int per = file.contains("overlay") ? 6 : 5;
      System.out.printf("%s 7113 B: %d fragments, %.2f datagrams: %.3f per datagram%n", file, fragments, datagrams,
          fragments / datagrams);
      assertEquals(per * datagrams, fragments, per, file);
    }
  }

  @Test
  void anOverlaysFragmentsFitThePhysicalMtu() {
    // 8 KiB datagrams (8200 B with the UDP header) at 1 Gbps in the Docker overlay: 5 fragments of 1424 B and one of
    // 1080 B (8200 / 1424 = 5.76); the first carries the UDP header in its 1424 B, so every full fragment is a 1444 B
    // inner IP packet in a 1494 B outer one (1532 B on the wire), the largest frame the port toward h2 sees
    Calib.Run r = paced("udp-1flow-docker-overlay", "8KiB");
    Map<String, Object> toH2 = port(r, "h2");
    System.out.printf("8 KiB Docker: port to h2 %d packets %d B, peak %d B%n", n(toH2, "forwarded"),
        n(toH2, "forwarded_bytes"), n(toH2, "peak_queue_bytes"));
    assertEquals(1424 + 20 + Profile.VXLAN_HEADROOM_BYTES + NicEntity.ETH_WIRE, n(toH2, "peak_queue_bytes"));
    assertEquals(6 * n(toH2, "forwarded_bytes") / 8200.0, n(toH2, "forwarded"), 6);
    // natively the first fragment is a full 1500 B IP packet: 1480 B (the UDP header and 1472 B of data) + IP 20
    Calib.Run nat = paced("udp-1flow-native", "8KiB");
    assertEquals(1500 + NicEntity.ETH_WIRE, n(port(nat, "h2"), "peak_queue_bytes"));
  }
}
