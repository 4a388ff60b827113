package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cnemu.devices.Packet;
import org.junit.jupiter.api.Test;

/** mFlow's merge: in-order release, and the gap timeout firing on a timer (not on the next packet). */
class ReorderBufferTest {
  private static Packet tcp(long seq, int len) {
    return new Packet(0, (byte) 0, false, seq, len, 1, 0, 0, 0, 0, 0, (short) 0, (short) 1, 7, (byte) 0, 1, 0, false);
  }

  @Test
  void releasesInOrderAndArmsNoTimerWithoutAGap() {
    ReorderBuffer b = new ReorderBuffer(1, flow -> flow, 1_000_000, 1000);
    assertEquals(1, b.offer(tcp(0, 100), 10).size());
    assertEquals(-1, b.takeArm());
    assertEquals(0, b.offer(tcp(200, 100), 20).size()); // gap [100, 200)
    assertEquals(1_000_020, b.takeArm(), "timer armed when the first skb parks behind the gap");
    assertEquals(0, b.offer(tcp(300, 100), 30).size());
    assertEquals(-1, b.takeArm(), "one timer per waiting gap");
    List<Packet> out = b.offer(tcp(100, 100), 40); // the gap fills: everything goes, in order
    assertEquals(List.of(100L, 200L, 300L), out.stream().map(Packet::seq).toList());
    assertEquals(0, b.packetsInside());
    assertTrue(b.onTimer(0, 1_000_020).isEmpty(), "the stale timer finds nothing waiting");
    assertEquals(-1, b.takeArm());
    assertEquals(0, b.gapsGivenUp);
  }

  @Test
  void gapIsGivenUpWhenTheTimerFiresWithoutAnyFurtherPacket() {
    ReorderBuffer b = new ReorderBuffer(1, flow -> flow, 1_000_000, 1000);
    b.offer(tcp(0, 100), 0);
    b.offer(tcp(200, 100), 50); // [100, 200) lost before the merge
    b.offer(tcp(400, 100), 60); // a second gap [300, 400)
    long at = b.takeArm();
    assertEquals(1_000_050, at);
    assertTrue(b.onTimer(0, at - 1).isEmpty(), "early: nothing given up");
    assertEquals(at, b.takeArm(), "re-armed for the same gap");
    List<Packet> out = b.onTimer(0, at); // no packet arrived meanwhile: the timer alone releases
    assertEquals(List.of(200L), out.stream().map(Packet::seq).toList());
    assertEquals(1, b.gapsGivenUp);
    long at2 = b.takeArm();
    assertEquals(at + 1_000_000, at2, "the next gap waits a full timeout from its release");
    assertEquals(List.of(400L), b.onTimer(0, at2).stream().map(Packet::seq).toList());
    assertEquals(2, b.gapsGivenUp);
    assertEquals(0, b.packetsInside());
    assertEquals(-1, b.takeArm());
  }
}
