package org.cnemu.emulator;

/** The address of an entity, valid in every JVM of a run (a dense index plus its stable name). */
public final class EntityRef<M> {
  final String name;
  final long key;
  final int index;
  final int partition;

  EntityRef(String name, long key, int index, int partition) {
    this.name = name;
    this.key = key;
    this.index = index;
    this.partition = partition;
  }

  public String name() {
    return name;
  }

  public int partition() {
    return partition;
  }

  @Override
  public String toString() {
    return name;
  }
}
