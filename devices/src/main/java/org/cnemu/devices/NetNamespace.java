package org.cnemu.devices;

import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace: the host's (pNIC, vxlan0, docker0, host ends of the veth pairs; Docker's
 * iptables rules live here, so netfilter runs once per crossing of this namespace) or a container's
 * (its eth0 = the container end of a veth pair, no rules of its own).
 */
public final class NetNamespace {
  public final String name;
  /** Whether this namespace has netfilter rules on the forwarding path (Docker: the host namespace). */
  public final boolean netfilter;
  private final List<NetDevice> devices = new ArrayList<>(2);

  public NetNamespace(String name, boolean netfilter) {
    this.name = name;
    this.netfilter = netfilter;
  }

  void add(NetDevice d) {
    devices.add(d);
  }

  public List<NetDevice> devices() {
    return devices;
  }
}
