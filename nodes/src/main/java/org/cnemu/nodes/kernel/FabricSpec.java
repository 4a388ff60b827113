package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.emulator.config.Units;

/**
 * The fabric of a kernel-model run ({@code experiment.topology.fabric}): the switches, their ports
 * and routes. {@code star}: one switch {@code switch} with a port per host (the default, as before).
 * {@code leaf-spine}: leaves {@code leaf1..L}, each with {@code hosts-per-leaf} host ports and one
 * uplink per spine; spines {@code spine1..S} with one port per leaf. Hosts are h1..hN in leaf order.
 * Plain data, built identically in every JVM from the config.
 */
final class FabricSpec {
  static final String STAR = "star";
  static final String LEAF_SPINE = "leaf-spine";

  /** A link: rate (0 = the host's NIC rate, host links only), one-way propagation delay, drop-tail queue of the sending port. */
  record Link(long rateBps, long delayNanos, long queueBytes) {
    static Link of(Config c) {
      return new Link(Units.bitsPerSec(c, "rate"), Units.nanos(c, "delay"), Units.bytes(c, "queue"));
    }
  }

  /**
   * An output port of a switch: toward a host ({@code host >= 0}) or toward another switch
   * ({@code sw >= 0}); the channel name is {@code <switch>/port-<peer>}.
   */
  record Port(String peer, int host, int sw, long rateBps, long delayNanos, long queueBytes) {}

  /**
   * One switch: its ports and, per destination host index, the candidate output ports (more than
   * one = ECMP by a stable hash of the flow's outer 5-tuple); null for the star (port i = host i).
   */
  record Switch(String id, String kind, int index, List<Port> ports, int[][] routes) {}

  final String kind;
  final int leaves;
  final int spines;
  final int hostsPerLeaf;
  final Link hostLink;
  final Link uplink;
  final List<Switch> switches = new ArrayList<>();
  /** Per host index: the switch its NIC sends to, and its link. */
  int[] hostSwitch;

  FabricSpec(Config t) {
    kind = t.getString("fabric");
    if (kind.equals(LEAF_SPINE)) {
      Config ls = t.getConfig("leaf-spine");
      leaves = ls.getInt("leaves");
      spines = ls.getInt("spines");
      hostsPerLeaf = ls.getInt("hosts-per-leaf");
      hostLink = Link.of(ls.getConfig("host-link"));
      uplink = Link.of(ls.getConfig("uplink"));
    } else {
      leaves = 0;
      spines = 0;
      hostsPerLeaf = 0;
      hostLink = Link.of(t.getConfig("link"));
      uplink = null;
    }
  }

  boolean leafSpine() {
    return kind.equals(LEAF_SPINE);
  }

  /** Host ids the fabric generates (leaf-spine: h1..h(leaves * hosts-per-leaf)); empty for a star. */
  List<String> generatedHosts() {
    List<String> ids = new ArrayList<>();
    if (leafSpine()) for (int i = 1; i <= leaves * hostsPerLeaf; i++) ids.add("h" + i);
    return ids;
  }

  /**
   * Builds the switches once the hosts are known. {@code hostRate[i]} is host i's link rate (the
   * switch port toward a host serializes at it).
   */
  void build(List<String> hostIdsByIndex, long[] hostRate) {
    int nh = hostIdsByIndex.size();
    hostSwitch = new int[nh];
    long d = Math.max(1, hostLink.delayNanos());
    if (!leafSpine()) {
      List<Port> ports = new ArrayList<>();
      for (int h = 0; h < nh; h++) {
        ports.add(new Port(hostIdsByIndex.get(h), h, -1, hostRate[h], d, hostLink.queueBytes()));
      }
      switches.add(new Switch("switch", "star", 0, ports, null)); // routes null: port = destination host
      return;
    }
    long ud = Math.max(1, uplink.delayNanos());
    // leaves 0..L-1, spines L..L+S-1
    for (int l = 0; l < leaves; l++) {
      List<Port> ports = new ArrayList<>();
      int[][] routes = new int[nh][];
      int[] up = new int[spines];
      for (int s = 0; s < spines; s++) {
        up[s] = hostsPerLeaf + s;
      }
      for (int k = 0; k < hostsPerLeaf; k++) {
        int h = indexOf(hostIdsByIndex, "h" + (l * hostsPerLeaf + k + 1));
        hostSwitch[h] = l;
        ports.add(new Port(hostIdsByIndex.get(h), h, -1, hostRate[h], d, hostLink.queueBytes()));
        routes[h] = new int[] {k};
      }
      for (int s = 0; s < spines; s++) {
        ports.add(new Port("spine" + (s + 1), -1, leaves + s, uplink.rateBps(), ud, uplink.queueBytes()));
      }
      for (int h = 0; h < nh; h++) if (routes[h] == null) routes[h] = up;
      switches.add(new Switch("leaf" + (l + 1), "leaf", l, ports, routes));
    }
    for (int s = 0; s < spines; s++) {
      List<Port> ports = new ArrayList<>();
      for (int l = 0; l < leaves; l++) {
        ports.add(new Port("leaf" + (l + 1), -1, l, uplink.rateBps(), ud, uplink.queueBytes()));
      }
      int[][] routes = new int[nh][];
      for (int h = 0; h < nh; h++) routes[h] = new int[] {hostSwitch[h]};
      switches.add(new Switch("spine" + (s + 1), "spine", leaves + s, ports, routes));
    }
  }

  private static int indexOf(List<String> ids, String id) {
    int i = ids.indexOf(id);
    if (i < 0) throw new IllegalArgumentException("leaf-spine host '" + id + "' missing");
    return i;
  }
}
