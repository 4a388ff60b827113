package org.cnemu.nodes.kernel;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.Map;
import org.cnemu.devices.Packet;

/**
 * Hand-written Kryo serializers for what crosses JVMs every window of a distributed run: wire trains
 * and their packets. Kryo's record serializer goes through each component reflectively (a 4-packet
 * array: ~2.0 us per round trip warm, ~0.3 us written out field by field). Signed var-ints throughout:
 * a packed SACK block is negative for a D-SACK below the ACK, and nothing here may assume a sign.
 */
final class WireSerializers {
  private WireSerializers() {}

  static Map<Class<?>, Serializer<?>> all() {
    return Map.of(Packet.class, new PacketSerializer(), SwitchEntity.WireTrain.class, new WireTrainSerializer());
  }

  static void writePacket(Output o, Packet p) {
    o.writeVarInt(p.flow(), false);
    o.writeByte(p.dir());
    o.writeBoolean(p.udp());
    o.writeVarLong(p.seq(), false);
    o.writeVarInt(p.len(), false);
    o.writeVarInt(p.segs(), false);
    o.writeVarLong(p.ack(), false);
    o.writeVarInt(p.wnd(), false);
    o.writeVarLong(p.sack0(), false); // 0 (no block, one byte) in every data packet
    o.writeVarLong(p.sack1(), false);
    o.writeVarLong(p.sack2(), false);
    o.writeShort(p.frag());
    o.writeShort(p.frags());
    o.writeInt(p.hash());
    o.writeByte(p.prio());
    o.writeVarInt(p.dstHost(), false);
    o.writeVarLong(p.sentNanos(), false);
    o.writeBoolean(p.retx());
    // a sampled packet's journey crosses with it (a chain: several when GRO merged sampled packets)
    for (org.cnemu.devices.Journey j = p.journey(); ; j = j.also()) {
      if (j == null) {
        o.writeBoolean(false);
        break;
      }
      o.writeBoolean(true);
      o.writeVarLong(j.startNanos, false);
      o.writeVarInt(j.size(), true);
      for (int k = 0; k < j.size(); k++) {
        o.writeByte(j.stage(k));
        o.writeInt(j.where(k));
        o.writeVarLong(j.from(k), false);
        o.writeVarLong(j.to(k), false);
      }
    }
  }

  private static org.cnemu.devices.Journey readJourney(Input i) {
    if (!i.readBoolean()) return null;
    long start = i.readVarLong(false);
    int n = i.readVarInt(true);
    byte[] st = new byte[n];
    int[] w = new int[n];
    long[] f = new long[n];
    long[] t = new long[n];
    for (int k = 0; k < n; k++) {
      st[k] = i.readByte();
      w[k] = i.readInt();
      f[k] = i.readVarLong(false);
      t[k] = i.readVarLong(false);
    }
    return org.cnemu.devices.Journey.of(start, st, w, f, t, readJourney(i));
  }

  static Packet readPacket(Input i) {
    // Java evaluates the arguments left to right: the read order is the write order above.
    return new Packet(i.readVarInt(false), i.readByte(), i.readBoolean(), i.readVarLong(false), i.readVarInt(false),
        i.readVarInt(false), i.readVarLong(false), i.readVarInt(false), i.readVarLong(false), i.readVarLong(false),
        i.readVarLong(false), i.readShort(), i.readShort(), i.readInt(), i.readByte(), i.readVarInt(false), i.readVarLong(false),
        i.readBoolean(), readJourney(i));
  }

  static final class PacketSerializer extends Serializer<Packet> {
    PacketSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, Packet p) {
      writePacket(out, p);
    }

    @Override
    public Packet read(Kryo kryo, Input in, Class<? extends Packet> type) {
      return readPacket(in);
    }
  }

  static final class WireTrainSerializer extends Serializer<SwitchEntity.WireTrain> {
    WireTrainSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, SwitchEntity.WireTrain t) {
      out.writeVarInt(t.pkts().length, true);
      for (Packet p : t.pkts()) writePacket(out, p);
      out.writeVarLong(t.bitsPerSec(), false);
      out.writeVarInt(t.wireOverhead(), false);
    }

    @Override
    public SwitchEntity.WireTrain read(Kryo kryo, Input in, Class<? extends SwitchEntity.WireTrain> type) {
      Packet[] pkts = new Packet[in.readVarInt(true)];
      for (int k = 0; k < pkts.length; k++) pkts[k] = readPacket(in);
      return new SwitchEntity.WireTrain(pkts, in.readVarLong(false), in.readVarInt(false));
    }
  }
}
