package org.cnemu.emulator.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.cnemu.emulator.Channel;
import org.cnemu.emulator.WireAccess;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.EntityReport;
import org.cnemu.emulator.Event;
import org.cnemu.emulator.Partition;

/** Builds Kryo instances with every wire class registered under a fixed id; registration required. */
public final class KryoFactory {
  private KryoFactory() {}

  /** @param system for ActorRef (de)serialization; null where no refs travel (tests of plain data) */
  public static Kryo create(ActorSystem<?> system) {
    Kryo k = new Kryo();
    k.setRegistrationRequired(true);
    k.setReferences(false);
    // Fixed ids: changing one breaks wire compatibility between cnemu versions (checked at join).
    k.register(int[].class, 20);
    k.register(long[].class, 21);
    k.register(ArrayList.class, 22);
    ListSerializer lists = new ListSerializer();
    k.register(List.of().getClass(), lists, 23);
    k.register(List.of(1).getClass(), lists, 24);
    k.register(List.of(1, 2, 3).getClass(), lists, 25);
    k.register(Object[].class, 26);
    k.register(String[].class, 27);
    k.register(java.util.LinkedHashMap.class, 28);
    k.register(java.util.TreeMap.class, 29);
    k.register(Event.class, new EventSerializer(), 100);
    k.register(Event[].class, 101);
    k.register(Channel.class, new ChannelSerializer(), 102);
    k.register(EntityReport.class, 103);
    k.register(Partition.Init.class, 110);
    k.register(Partition.Sync.class, 111);
    k.register(Partition.Deliver.class, 112);

    k.register(Coordinator.Progress.class, 120);
    k.register(Coordinator.PartitionFinished.class, 121);
    k.register(Coordinator.PartitionFailed.class, 122);
    ActorRefSerializer refs = new ActorRefSerializer(system);
    k.addDefaultSerializer(ActorRef.class, refs);
    k.register(actorRefClass(), refs, 130);
    WireExtensions.register(k);
    int id = WireClasses.MODEL_BASE_ID;
    var serializers = WireClasses.modelSerializers();
    for (Class<?> c : WireClasses.modelClasses()) {
      com.esotericsoftware.kryo.Serializer<?> own = serializers.get(c);
      if (own != null) k.register(c, own, id++);
      else k.register(c, id++);
    }
    return k;
  }

  private static Class<?> actorRefClass() {
    try {
      return Class.forName("org.apache.pekko.actor.typed.internal.adapter.ActorRefAdapter");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("Pekko's typed ActorRef class moved; update KryoFactory", e);
    }
  }

  /** Immutable lists travel as their elements and come back as immutable lists. */
  static final class ListSerializer extends Serializer<List<?>> {
    @Override
    public void write(Kryo kryo, Output out, List<?> list) {
      out.writeVarInt(list.size(), true);
      for (Object o : list) kryo.writeClassAndObject(out, o);
    }

    @Override
    public List<?> read(Kryo kryo, Input in, Class<? extends List<?>> type) {
      int n = in.readVarInt(true);
      Object[] a = new Object[n];
      for (int i = 0; i < n; i++) a[i] = kryo.readClassAndObject(in);
      return List.of(a);
    }
  }

  static final class ChannelSerializer extends Serializer<Channel> {
    @Override
    public void write(Kryo kryo, Output out, Channel c) {
      out.writeString(c.name());
      out.writeVarInt(WireAccess.sourceIndex(c), true);
      out.writeVarLong(c.lookaheadNanos(), true);
      out.writeBoolean(WireAccess.crossPartition(c));
    }

    @Override
    public Channel read(Kryo kryo, Input in, Class<? extends Channel> type) {
      return WireAccess.channel(in.readString(), in.readVarInt(true), in.readVarLong(true), in.readBoolean());
    }
  }

  /** Hand-written: Kryo's generic path costs about 2x (dependencies.md). */
  static final class EventSerializer extends Serializer<Event> {
    @Override
    public void write(Kryo kryo, Output out, Event e) {
      WireAccess.writeEvent(kryo, out, e);
    }

    @Override
    public Event read(Kryo kryo, Input in, Class<? extends Event> type) {
      return WireAccess.readEvent(kryo, in);
    }
  }

  static final class ActorRefSerializer extends Serializer<ActorRef<?>> {
    private final ActorSystem<?> system;

    ActorRefSerializer(ActorSystem<?> system) {
      this.system = system;
    }

    @Override
    public void write(Kryo kryo, Output out, ActorRef<?> ref) {
      if (system == null) throw new IllegalStateException("no actor system to serialize " + ref);
      out.writeString(ActorRefResolver.get(system).toSerializationFormat(ref));
    }

    @Override
    public ActorRef<?> read(Kryo kryo, Input in, Class<? extends ActorRef<?>> type) {
      if (system == null) throw new IllegalStateException("no actor system to resolve actor refs");
      return ActorRefResolver.get(system).resolveActorRef(in.readString());
    }
  }
}
