package org.cnemu.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** VXLAN FDB and gro_cells, bridge learning/forwarding, veth netif_rx bound, namespaces. */
class DevicesTest {
  private static Packet pkt(int segs) {
    return new Packet(0, (byte) 0, false, 0, 1448 * segs, segs, 0, 0, 0, 0, 0, (short) 0, (short) 1, 7, (byte) 0, 1, 0,
        false);
  }

  @Test
  void vxlanFdbEncapDecapAndGroCellLimit() {
    NetNamespace host = new NetNamespace("h1", true);
    VxlanDevice v = new VxlanDevice("vxlan0", 3, host, 4096, 2, 3);
    long remote = NetDevice.mac("h2/c1");
    v.fdbAdd(remote, 1);
    assertEquals(1, v.encap(pkt(4), remote));
    assertEquals(1, v.txPackets, "one skb of 4 segments: iptunnel_xmit_stats counts the skb");
    assertEquals(-1, v.encap(pkt(1), NetDevice.mac("h9/c9")), "FDB miss");
    assertEquals(1, v.fdbMisses);
    v.decap(pkt(2));
    assertEquals(1, v.rxPackets, "vxlan_rcv counts the skb, not its segments");
    for (int i = 0; i < 3; i++) assertTrue(v.groCellReceive(1, pkt(1), 2, false));
    assertFalse(v.groCellReceive(1, pkt(1), 2, false), "bounded by netdev_max_backlog");
    assertTrue(v.groCellReceive(0, pkt(1), 2, false), "per-CPU cells");
    assertEquals(3, v.cells[1].size());
    assertTrue(host.devices().contains(v));
    assertEquals("vxlan", v.kind());
  }

  @Test
  void bridgeLearnsAndForwards() {
    BridgeDevice b = new BridgeDevice("docker0", 5, new NetNamespace("h1", true));
    int vx = b.addPort(), p1 = b.addPort(), p2 = b.addPort();
    long a = NetDevice.mac("h1/c1"), c = NetDevice.mac("h1/c2");
    assertEquals(BridgeDevice.FLOOD, b.forward(a, c, p1), "unknown destination floods");
    assertEquals(p1, b.lookup(a), "source learned");
    assertEquals(p1, b.forward(c, a, p2));
    assertEquals(p2, b.forward(a, c, p1));
    b.learn(a, vx); // station moved
    assertEquals(vx, b.lookup(a));
    assertEquals(3, b.rxPackets);
    assertEquals(1, b.flooded);
    assertEquals(2, b.forwarded);
  }

  @Test
  void vethXmitIsNetifRxIntoTheBacklogBoundedBy1000() {
    NetNamespace host = new NetNamespace("h1", true), cont = new NetNamespace("h1/c1", false);
    VethPair v = new VethPair("veth0", 10, host, 11, cont, 1);
    assertSame(v.container, v.host.peer());
    assertTrue(cont.devices().contains(v.container));
    PacketQueue backlog = new PacketQueue("backlog", 1000);
    for (int i = 0; i < 1000; i++) assertTrue(v.host.xmit(pkt(1), backlog, 3));
    assertFalse(v.host.xmit(pkt(2), backlog, 3), "enqueue_to_backlog drops over netdev_max_backlog");
    assertEquals(1001, v.host.txPackets);
    assertEquals(1000, v.container.rxPackets);
    assertEquals(2, v.container.drops);
    v.container.xmitCounted();
    assertEquals(1, v.host.rxPackets);
  }
}
