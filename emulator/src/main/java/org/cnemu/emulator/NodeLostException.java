package org.cnemu.emulator;

/** A cluster node that hosted partitions was lost mid-run; the run stopped incomplete. */
public final class NodeLostException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long virtualNanos;

  public NodeLostException(String address, long virtualNanos) {
    super("lost cluster node " + address + " at virtual time " + virtualNanos + " ns; the run is incomplete");
    this.virtualNanos = virtualNanos;
  }

  public long virtualNanos() {
    return virtualNanos;
  }
}
