package org.cnemu.devices;

import java.util.TreeMap;

/**
 * A Linux bridge (docker0 / br0): ports, a forwarding database learned from source MACs
 * (br_fdb_update), and forwarding by destination MAC (br_handle_frame_finish -> br_forward, flooding
 * an unknown unicast destination to every other port).
 */
public final class BridgeDevice extends NetDevice {
  public static final int FLOOD = -1;
  private final TreeMap<Long, Integer> fdb = new TreeMap<>();
  private int ports;
  public long forwarded;
  public long flooded;
  public long learned;

  public BridgeDevice(String name, int ifindex, NetNamespace ns) {
    super(name, ifindex, ns);
  }

  @Override
  public String kind() {
    return "bridge";
  }

  /** Adds a port (br_add_if); returns its number. */
  public int addPort() {
    return ports++;
  }

  public int ports() {
    return ports;
  }

  /** Learns {@code srcMac} on {@code port} (a new or moved station). */
  public void learn(long srcMac, int port) {
    Integer old = fdb.put(srcMac, port);
    if (old == null || old != port) learned++;
  }

  /** The port of {@code dstMac}, or {@link #FLOOD}. */
  public int lookup(long dstMac) {
    Integer p = fdb.get(dstMac);
    return p == null ? FLOOD : p;
  }

  /** One skb in on {@code inPort}: learn its source, look its destination up; returns the output port or FLOOD. */
  public int forward(long srcMac, long dstMac, int inPort) {
    rxPackets++;
    learn(srcMac, inPort);
    int out = lookup(dstMac);
    txPackets++;
    if (out == FLOOD) flooded++;
    else forwarded++;
    return out;
  }
}
