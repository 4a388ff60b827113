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

  /**
   * Partition and index in one primitive, for {@link Entity#send(long, long, Object)}: a sender that keeps it in
   * its own fields sends without reading this object (with many entities one more cold line per message).
   */
  public long address() {
    return address(partition, index);
  }

  static long address(int partition, int index) {
    return ((long) partition << 32) | (index & 0xffffffffL);
  }

  static int addressIndex(long address) {
    return (int) address;
  }

  static int addressPartition(long address) {
    return (int) (address >>> 32);
  }

  @Override
  public String toString() {
    return name;
  }
}
