package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.cnemu.devices.Packet;
import org.cnemu.devices.SackBlocks;
import org.cnemu.emulator.wire.KryoFactory;
import org.junit.jupiter.api.Test;

/**
 * An ACK's SACK option on the wire: its bytes in the frame (tcp_established_options: NOP, NOP, kind, length + 8 B
 * per block, three blocks at most beside the 12 B of timestamps in the 40 B option space) and across JVMs.
 */
class SackWireTest {
  private static final long ACK = 5_000_000_000L; // past 2^32: the packed form is relative, not 32-bit absolute

  /** A pure ACK of {@link #ACK} carrying the first {@code k} of the blocks D-SACK {-1448, 0}, {2896, 4344}, {5792, 7240}. */
  private static Packet ack(int k) {
    long[] b = {SackBlocks.pack(ACK, ACK - 1448, ACK), SackBlocks.pack(ACK, ACK + 2896, ACK + 4344),
        SackBlocks.pack(ACK, ACK + 5792, ACK + 7240)};
    return new Packet(4, (byte) 1, false, 0, 0, 1, ACK, 65535, k > 0 ? b[0] : 0, k > 1 ? b[1] : 0, k > 2 ? b[2] : 0,
        (short) 0, (short) 1, 9, (byte) 0, 2, 123, false);
  }

  @Test
  void anAcksFrameGrowsByTheSackOptionAsLinuxPadsIt() {
    assertEquals(3, SackBlocks.MAX_BLOCKS, "(40 - 12 - 4) / 8 blocks beside the timestamps");
    int[] frame = new int[4];
    for (int k = 0; k <= 3; k++) {
      assertEquals(k, ack(k).sackBlocks());
      frame[k] = NicEntity.overhead(false, ack(k)) - 8 - 12; // the frame: without preamble and IFG
    }
    // Ethernet 14 + IP 20 + TCP 20 + timestamps 12 + FCS 4 = 70 B; + 12, 20, 28 B of SACK option
    assertEquals(70, frame[0]);
    assertEquals(82, frame[1]);
    assertEquals(90, frame[2]);
    assertEquals(98, frame[3]);
    // on the wire with preamble and IFG: 118 B for three blocks, 94.4 ns at 10 Gbps
    assertEquals(118, NicEntity.overhead(false, ack(3)));
    assertEquals(95, NicEntity.serNanos(NicEntity.overhead(false, ack(3)), 10_000_000_000L));
    assertEquals(118 + 50, NicEntity.overhead(true, ack(3)), "VXLAN adds its 50 B outside");
    Packet data = ack(0).slice(ACK, 1448, 1);
    assertEquals(38 + 52, NicEntity.overhead(false, data), "a data segment carries no SACK option");
  }

  @Test
  void theBlocksUnpackToTheirEdgesAndCrossJvmsWithTheirSign() {
    Packet a = ack(3);
    assertEquals(ACK - 1448, a.sackStart(0));
    assertEquals(ACK, a.sackEnd(0));
    assertEquals(ACK + 2896, a.sackStart(1));
    assertEquals(ACK + 7240, a.sackEnd(2));
    Kryo k = KryoFactory.create(null);
    Output out = new Output(1 << 10, -1);
    k.writeClassAndObject(out, a);
    Packet back = (Packet) k.readClassAndObject(new Input(out.toBytes()));
    assertEquals(a, back);
    assertEquals(ACK - 1448, back.sackStart(0));
    assertEquals(SackBlocks.NONE, SackBlocks.pack(ACK, ACK + 10, ACK + 10), "an empty block is none");
    assertThrows(IllegalArgumentException.class, () -> SackBlocks.pack(0, 1L << 31, (1L << 31) + 1),
        "a block 2^31 beyond the ACK cannot be a TCP block");
  }
}
