package org.cnemu.emulator;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/** Field access for the Kryo serializers in {@code org.cnemu.emulator.wire}; not for model code. */
public final class WireAccess {
  private WireAccess() {}

  public static void writeEvent(Kryo kryo, Output out, Event e) {
    out.writeVarLong(e.timeNanos, true);
    out.writeLong(e.senderKey);
    out.writeVarLong(e.senderSeq, true);
    out.writeVarInt(e.targetIndex, true);
    out.writeVarInt(e.senderIndex, true);
    kryo.writeObject(out, e.channel);
    kryo.writeClassAndObject(out, e.message);
  }

  public static Event readEvent(Kryo kryo, Input in) {
    long time = in.readVarLong(true);
    long key = in.readLong();
    long seq = in.readVarLong(true);
    int target = in.readVarInt(true);
    int sender = in.readVarInt(true);
    Channel ch = kryo.readObject(in, Channel.class);
    Object msg = kryo.readClassAndObject(in);
    return new Event(time, key, seq, target, sender, ch, msg);
  }

  public static int sourceIndex(Channel c) {
    return c.sourceIndex;
  }

  public static boolean crossPartition(Channel c) {
    return c.crossPartition;
  }

  public static Channel channel(String name, int sourceIndex, long lookaheadNanos, boolean crossPartition) {
    return new Channel(name, sourceIndex, lookaheadNanos, crossPartition);
  }
}
