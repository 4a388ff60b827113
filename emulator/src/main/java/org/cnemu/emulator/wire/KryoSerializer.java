package org.cnemu.emulator.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.JSerializer;

/**
 * cnemu's Pekko serializer: Kryo with every class registered under a fixed id (see KryoFactory).
 * Kryo instances are not thread-safe, so they are pooled.
 */
public final class KryoSerializer extends JSerializer {
  /** Pekko serializer id; must not collide with Pekko's own (which are below 100). */
  public static final int IDENTIFIER = 4_711_001;

  private final Pool<Kryo> kryos;
  private final Pool<Output> outputs;

  public KryoSerializer(ExtendedActorSystem system) {
    this.kryos = new Pool<>(true, false, 16) {
      @Override
      protected Kryo create() {
        return KryoFactory.create(Adapter.toTyped(system));
      }
    };
    this.outputs = new Pool<>(true, false, 16) {
      @Override
      protected Output create() {
        return new Output(4096, -1);
      }
    };
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object o) {
    Kryo k = kryos.obtain();
    Output out = outputs.obtain();
    try {
      out.reset();
      k.writeClassAndObject(out, o);
      return out.toBytes();
    } finally {
      outputs.free(out);
      kryos.free(k);
    }
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    Kryo k = kryos.obtain();
    try {
      return k.readClassAndObject(new Input(bytes));
    } finally {
      kryos.free(k);
    }
  }
}
