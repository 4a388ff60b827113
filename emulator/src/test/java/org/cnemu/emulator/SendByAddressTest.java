package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Entity#send(long, long, Object)}: a send to a kept {@link EntityRef#address()} is the send to the ref. */
class SendByAddressTest {

  /** Three entities that send each other messages (ties in time included) by ref or by address; every delivery logged. */
  static final class Talker extends Entity<String> {
    final List<String> log;
    final boolean byAddress;
    EntityRef<String>[] peers;

    Talker(List<String> log, boolean byAddress) {
      this.log = log;
      this.byAddress = byAddress;
    }

    @Override
    protected void onStart() {
      for (int i = 0; i < peers.length; i++) to(i, 10, "start" + i);
    }

    private void to(int i, long delayNanos, String msg) {
      if (byAddress) send(peers[i].address(), delayNanos, msg);
      else send(peers[i], delayNanos, msg);
    }

    @Override
    protected void onMessage(String msg) {
      log.add(now() + " " + name() + " " + msg);
      int hops = msg.length();
      if (hops < 9) {
        // the same delays from every talker: ties in time that only the (sender key, sequence) order breaks
        for (int i = 0; i < peers.length; i++) to(i, (hops + i) % 3 * 5, msg + i);
      }
    }
  }

  @Test
  void aSendByAddressIsTheSameEventAsASendByRef() {
    List<String> byRef = runWithPeers(false);
    List<String> byAddress = runWithPeers(true);
    assertEquals(byRef, byAddress);
    assertTrue(byRef.size() > 100, "deliveries " + byRef.size());
  }

  @SuppressWarnings("unchecked")
  static List<String> runWithPeers(boolean byAddress) {
    List<String> log = new ArrayList<>();
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<String>[] refs = new EntityRef[3];
    for (int i = 0; i < 3; i++) {
      refs[i] = b.add("t" + i, "g" + (i % 2), () -> {
        Talker t = new Talker(log, byAddress);
        t.peers = refs; // every talker sends to all three, itself included
        return t;
      });
    }
    SimulationResult r = Simulation.run(b, 1_000, 1);
    assertTrue(r.events() > 100, "events " + r.events());
    return log;
  }

  @Test
  void anAddressCarriesPartitionAndIndex() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 2, SimulationBuilder.Placement.BLOCK);
    EntityRef<String> a = b.add("a", "ga", () -> new Talker(new ArrayList<>(), true));
    EntityRef<String> c = b.add("c", "gc", () -> new Talker(new ArrayList<>(), true));
    assertNotEquals(a.partition(), c.partition());
    assertEquals(a.partition(), EntityRef.addressPartition(a.address()));
    assertEquals(c.partition(), EntityRef.addressPartition(c.address()));
    assertEquals(a.index, EntityRef.addressIndex(a.address()));
    assertEquals(c.index, EntityRef.addressIndex(c.address()));
  }

  /** An address is for sends inside the partition (the local channel): one to another partition is refused. */
  @Test
  @SuppressWarnings("unchecked")
  void aSendByAddressToAnotherPartitionIsRefused() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 2, SimulationBuilder.Placement.BLOCK);
    EntityRef<String>[] refs = new EntityRef[2];
    for (int i = 0; i < 2; i++) {
      final int k = i;
      refs[i] = b.add("p" + i, "g" + i, () -> {
        Talker t = new Talker(new ArrayList<>(), true);
        t.peers = new EntityRef[] {refs[1 - k]};
        return t;
      });
    }
    assertNotEquals(refs[0].partition(), refs[1].partition());
    Exception e = assertThrows(Exception.class, () -> Simulation.run(b, 1_000, 2));
    String m = String.valueOf(e.getMessage());
    assertTrue(m.contains("in another partition over a local channel"), m);
  }
}
