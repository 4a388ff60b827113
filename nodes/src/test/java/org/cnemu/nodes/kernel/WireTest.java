package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.List;
import org.cnemu.devices.Packet;
import org.cnemu.emulator.wire.KryoFactory;
import org.cnemu.emulator.wire.WireClasses;
import org.junit.jupiter.api.Test;

/** Every class that crosses partitions or comes back as a report round-trips through cnemu's Kryo. */
class WireTest {
  private static Object roundTrip(Kryo k, Object o) {
    Output out = new Output(1 << 16, -1);
    k.writeClassAndObject(out, o);
    return k.readClassAndObject(new Input(out.toBytes()));
  }

  /** A sampled packet's journey (a chain after GRO) crosses JVMs with it, stage by stage. */
  @Test
  void aSampledPacketsJourneyCrossesWithIt() {
    Kryo k = KryoFactory.create(null);
    org.cnemu.devices.Journey a = new org.cnemu.devices.Journey(100);
    a.add(Journeys.SOCKET_SEND, 3, 100, 1100);
    a.add(Journeys.LINK, org.cnemu.devices.Journey.FABRIC, 1500, 2500);
    org.cnemu.devices.Journey b = new org.cnemu.devices.Journey(200);
    b.add(Journeys.IP_TX, 1 << 16 | 7, 300, 400);
    Packet p = new Packet(3, (byte) 0, false, 1448, 1448, 1, 0, 65535, 0, 0, 0, (short) 0, (short) 1, 77, (byte) 0, 1,
        100, false, org.cnemu.devices.Journey.merge(a, b));
    SwitchEntity.WireTrain back = (SwitchEntity.WireTrain) roundTrip(k,
        new SwitchEntity.WireTrain(new Packet[] {p, p.slice(2896, 1448, 1)}, 40_000_000_000L, 38));
    org.cnemu.devices.Journey ja = back.pkts()[0].journey();
    assertEquals(100, ja.startNanos);
    assertEquals(2, ja.size());
    assertEquals(Journeys.LINK, ja.stage(1));
    assertEquals(org.cnemu.devices.Journey.FABRIC, ja.where(1));
    assertEquals(2500, ja.to(1));
    org.cnemu.devices.Journey jb = ja.also();
    assertEquals(200, jb.startNanos);
    assertEquals(1 << 16 | 7, jb.where(0));
    assertEquals(400, jb.to(0));
    assertEquals(null, jb.also());
    assertEquals(null, back.pkts()[1].journey());
    assertEquals(p.seq(), back.pkts()[0].seq());
  }

  @Test
  void modelClassesAreRegisteredAndRoundTrip() {
    assertTrue(WireClasses.modelClasses().containsAll(new KernelModelProvider().wireClasses()));
    Kryo k = KryoFactory.create(null);
    Packet p = new Packet(3, (byte) 0, false, 1448, 2896, 2, 0, 65535, 0, 0, 0, (short) 0, (short) 1, 77, (byte) 1, 1,
        12345, true);
    SwitchEntity.WireTrain w = new SwitchEntity.WireTrain(new Packet[] {p, p.slice(4344, 1448, 1)}, 40_000_000_000L, 38);
    SwitchEntity.WireTrain back = (SwitchEntity.WireTrain) roundTrip(k, w);
    assertArrayEquals(w.pkts(), back.pkts());
    assertEquals(w.bitsPerSec(), back.bitsPerSec());
    for (Object m : List.of(new NicEntity.Tx(p, 3), new CoreEntity.Irq(2), new CoreEntity.TxIrq(4),
        new NicEntity.TxModTimer(1, 7), new NicQueue.AutoModer(), new CoreEntity.Done(9), new CoreEntity.SockData(1, 100, 2, 5),
        new CoreEntity.Wake(1), new CoreEntity.Resched(), new CoreEntity.AppTimer(2), new CoreEntity.SchedTick(), new CoreEntity.TcpTimer(3), new NicQueue.ModTimer(),
        new NicQueue.NapiComplete(2), new CoreEntity.PolicyTick(), new CoreEntity.MergeTimer(5),
        new CoreEntity.ShmData(1, 2, 3, 4), new CoreEntity.ShmSpace(1, 2, 3), new CoreEntity.ShmConnected(6),
        new CoreEntity.NapiIpi(true, false))) {
      assertEquals(m, roundTrip(k, m));
    }
    CoreEntity.Handed rb = (CoreEntity.Handed) roundTrip(k,
        new CoreEntity.Handed(new Packet[] {p}, new boolean[] {true}, new int[] {2}));
    assertArrayEquals(new Packet[] {p}, rb.skbs());
    assertArrayEquals(new boolean[] {true}, rb.cell());
    assertArrayEquals(new int[] {2}, rb.stage());
    HostResults.FlowSide fs = new HostResults.FlowSide(0, true, 1, 2, 3, 4, 5, 17, 6, 7, 8, new double[] {1, 2, 3, 4}, new long[] {5, 6}, 9, 10, 11, 12, 13, new double[] {1, 2}, 14, 15, 16);
    Object hr = roundTrip(k, new HostResults.HostReport("h1", 0, 1, 2, 3, 4, 5, 6, new String[] {"a|b"}, new long[] {1},
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, new HostResults.FlowSide[] {fs}, new String[] {"k"}, new long[] {7}, 1, 2, 3, 4,
        new JourneyRecorder.FlowJourneys[0]));
    HostResults.FlowSide fb = ((HostResults.HostReport) hr).flows()[0];
    assertEquals(fs.goodBytes(), fb.goodBytes());
    assertEquals(fs.latencySamples(), fb.latencySamples());
    assertEquals(fs.connLatencySamples(), fb.connLatencySamples());
    assertArrayEquals(fs.latencyUs(), fb.latencyUs());
    assertArrayEquals(fs.series(), fb.series());
    Object cr = new CoreEntity.CoreReport("h1", 0, 1, 2, 3, 4, 90);
    assertEquals(cr, roundTrip(k, cr));
    // the hand-written serializers (WireSerializers) are the ones registered, and keep every field whatever its sign
    assertTrue(k.getSerializer(Packet.class) instanceof WireSerializers.PacketSerializer);
    assertTrue(k.getSerializer(SwitchEntity.WireTrain.class) instanceof WireSerializers.WireTrainSerializer);
    Packet odd = new Packet(Integer.MAX_VALUE, (byte) 1, true, Long.MIN_VALUE, -5, Integer.MIN_VALUE, Long.MAX_VALUE, -1,
        Long.MIN_VALUE, Long.MAX_VALUE, -1L, Short.MIN_VALUE, Short.MAX_VALUE, Integer.MIN_VALUE, Byte.MIN_VALUE, -7, -1,
        false);
    assertEquals(odd, roundTrip(k, odd));
    SwitchEntity.WireTrain empty = (SwitchEntity.WireTrain) roundTrip(k, new SwitchEntity.WireTrain(new Packet[0], 0, -1));
    assertEquals(0, empty.pkts().length);
    assertEquals(-1, empty.wireOverhead());
    SwitchEntity.SwitchReport sr = (SwitchEntity.SwitchReport) roundTrip(k, new SwitchEntity.SwitchReport("leaf1", new long[] {1}, new long[] {2}, new long[] {3}, new long[] {4}));
    assertArrayEquals(new long[] {1}, sr.dropped());
  }
}
