package org.cnemu.devices;

/**
 * A network device of an emulated host (struct net_device): name, ifindex, the namespace it lives in,
 * and the counters `ip -s link` shows. Subclasses add their state (VXLAN FDB and gro_cells, bridge
 * FDB, veth peer); the stage code in module nodes calls them and charges the CPU costs.
 */
public abstract class NetDevice {
  public final String name;
  public final int ifindex;
  public final NetNamespace ns;
  /** Received / transmitted packets (wire segments for the VXLAN device, skbs for bridge and veth). */
  public long rxPackets;
  public long txPackets;
  public long drops;

  protected NetDevice(String name, int ifindex, NetNamespace ns) {
    this.name = name;
    this.ifindex = ifindex;
    this.ns = ns;
    ns.add(this);
  }

  /** Kind as reported in results.json {@code devices[].kind}. */
  public abstract String kind();

  /** A container endpoint's MAC address ("h2/c1"): locally administered 02:42:xx:xx:xx:xx as Docker assigns. */
  public static long mac(String endpoint) {
    return 0x0242_0000_0000L | (endpoint.hashCode() & 0xffff_ffffL);
  }
}
