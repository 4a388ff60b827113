package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;
import org.cnemu.emulator.config.Units;

/**
 * The least time the model takes from a flow's start to counting its first packet delivered, summed from the
 * hosts' profiles as the model charges them: the sender's send call and stack (the app's per-message work, L4
 * output with the copy of the first payload, IP output, the host netns's netfilter pass on a native or Docker
 * host, VXLAN encapsulation on an overlay, qdisc, driver), serialization of the first frame at both hops' rates,
 * propagation over both hops, the receiver ring's interrupt moderation and the IRQ's delivery, and the hard IRQ.
 * The model counts a packet delivered when the softirq step that carries it to the socket starts (TransportRx), and
 * the NET_RX softirq that polls the ring starts when the hard IRQ ends, so the RX path's CPU time after it cannot
 * delay the count and is not in the bound.
 *
 * <p>A LOWER bound: it leaves out every queue and every cost the path may or may not take (the start timer's
 * interrupt and the sender thread's switch-in, which a thread already running may save, iperf3's select(), a container's extra
 * netfilter passes, the bridge and veth, the TCP handshake of a per-request connection), so a file it refuses
 * could not have counted a packet delivered. On two native hotcloud19 hosts with one UDP flow it is the model's
 * first delivery less the start timer's interrupt, the sender thread's switch-in and iperf3's select share
 * (WorkloadChecksTest).
 */
final class FirstPacket {
  /** The smallest Ethernet frame (64 B with its FCS) and its preamble and inter-frame gap (20 B) on the wire. */
  static final int MIN_WIRE_BYTES = 84;

  /** One host as a first packet sees it: its profile (after overrides), stack and link rate. */
  record Host(Profile profile, StackKind stack, long rateBps) {}

  /** What the bound is made of, to say in a message. */
  record Bound(long sendNanos, long wireNanos, long interruptNanos) {
    long totalNanos() {
      return sendNanos + wireNanos + interruptNanos;
    }

    /** "3.477us in the sender's stack, ..." for a problem's message. */
    String parts() {
      return nanos(sendNanos) + " in the sender's stack, " + nanos(wireNanos) + " on the wire, " + nanos(interruptNanos)
          + " of the receiver's interrupt moderation and hard IRQ";
    }
  }

  private final Config e;
  private final Config root;
  private final Map<String, Profile> profiles = new HashMap<>();
  private final Map<String, Host> hosts = new HashMap<>();
  /** Per workload index, its pairs of hosts (a pattern's are looked up once, not per flow). */
  private final Map<Integer, List<Host[]>> pairsByWorkload = new HashMap<>();

  FirstPacket(Config e, Config root) {
    this.e = e;
    this.root = root;
  }

  /**
   * The bound for workload {@code index}, {@code c} over the workload template, whose flow starts at
   * {@code startNanos} of the run or later (the ring's moderation depends on when the packet reaches it), or null
   * when its ends are on one host (no NIC on the path: 0 is the bound) or unknown (reported at their keys).
   */
  Bound of(int index, Config c, long startNanos) {
    List<Host[]> hostPairs = pairsByWorkload.computeIfAbsent(index, i -> pairs(c));
    boolean udp = c.getString("protocol").equals("udp");
    Bound least = null;
    for (Host[] p : hostPairs) {
      Bound b = bound(p[0], p[1], udp, firstPayloadBytes(c, p[0].profile(), p[0].stack(), udp), startNanos);
      if (least == null || b.totalNanos() < least.totalNanos()) least = b;
    }
    return least;
  }

  /** The (sender, receiver) pairs of hosts workload {@code c}'s flows may have: any two kinds of host of a pattern. */
  private List<Host[]> pairs(Config c) {
    List<Host[]> pairs = new ArrayList<>();
    if (c.getString("pattern").isEmpty()) {
      String src = Spec.hostPart(c.getString("src"));
      String dst = Spec.hostPart(c.getString("dst"));
      Host s = host(src);
      Host d = host(dst);
      if (!src.equals(dst) && s != null && d != null) pairs.add(new Host[] {s, d});
      return pairs;
    }
    // hosts not named under topology.hosts are alike; named ones alike in profile, stack and rate are too
    java.util.Set<Host> kinds = new java.util.LinkedHashSet<>();
    kinds.add(host(null));
    for (String id : e.getConfig("topology.hosts").root().keySet()) kinds.add(host(id));
    kinds.remove(null);
    for (Host s : kinds) for (Host d : kinds) pairs.add(new Host[] {s, d});
    return pairs;
  }

  private Bound bound(Host s, Host d, boolean udp, long payloadBytes, long startNanos) {
    Profile ps = s.profile();
    Profile pr = d.profile();
    boolean overlay = s.stack().overlay() && d.stack().overlay();
    // the sender's app step (SocketDriver, TxPath): the send call's entry and exit (seccomp in a container), the
    // app's per-message work, L4 output with the copy of the payload, IP output, the netfilter pass of the host
    // netns (a native or Linux overlay socket's, or br_netfilter's of a Docker container's packet; the outer VXLAN
    // packet's pass is not charged on either overlay), the VXLAN encapsulation, the pNIC's qdisc and driver
    long send = ps.syscall(s.stack()) + ps.appPerMessage + (udp ? ps.udpTx : ps.tcpTx) + ps.memcpy(payloadBytes)
        + ps.ipTx + ps.netfilter + (overlay ? ps.vxlanEncap : 0)
        + ps.qdisc + ps.driverTx;
    // two hops (host to switch, switch to host; a leaf-spine's same-rack pair), each store-and-forward at its rate
    long frameBytes = Math.max(MIN_WIRE_BYTES, payloadBytes + NicEntity.ETH_WIRE + (udp ? NicEntity.IP_UDP : NicEntity.IP_TCP)
        + (overlay ? NicEntity.VXLAN : 0));
    long wire = NicEntity.serNanos(frameBytes, s.rateBps()) + NicEntity.serNanos(frameBytes, d.rateBps()) + 2 * hopNanos();
    // NicQueue: an idle ring's first packet waits its moderation time (rx-frames cannot cut the wait once the timer
    // runs), then the IRQ's delivery and the hard IRQ
    long moderation = pr.rxFrames <= 1 ? 0 : leastModerationNanos(pr, startNanos + send + wire);
    return new Bound(send, wire, moderation + pr.irqLatency + pr.irq);
  }

  /**
   * The least wait from a packet's arrival at an idle ring, at {@code arrivalNanos} or later, to its interrupt: the
   * ring's moderation time is the profile's rx-usecs until adaptive moderation's first sample at sample-interval
   * (NicQueue.startSampling) and as low as rx-usecs-low after, so a later arrival may be served sooner.
   */
  static long leastModerationNanos(Profile p, long arrivalNanos) {
    if (!p.adaptiveRx) return p.rxUsecs;
    long afterSample = Math.max(0, p.adaptiveRxSampleNanos - arrivalNanos) + Math.min(p.rxUsecs, p.rxUsecsLow);
    return Math.min(p.rxUsecs, afterSample);
  }

  /** A time exactly, in the largest unit that keeps it to three decimals: 27.242us, 2us, 1.5ms, 10027.242us. */
  static String nanos(long ns) {
    long[] units = {1_000_000_000L, 1_000_000L, 1_000L};
    String[] names = {"s", "ms", "us"};
    for (int u = 0; u < units.length; u++) {
      if (ns >= units[u] && ns % (units[u] / 1_000) == 0) {
        String v = java.math.BigDecimal.valueOf(ns).divide(java.math.BigDecimal.valueOf(units[u])).stripTrailingZeros()
            .toPlainString();
        return v + names[u];
      }
    }
    return ns + "ns";
  }

  /**
   * The first packet's payload at least: the first message up to one segment or fragment of the sender's route MTU;
   * 1 B if drawn.
   */
  private static long firstPayloadBytes(Config c, Profile p, StackKind stack, boolean udp) {
    if (!c.getString("kind").equals("iperf")) return 1; // request sizes may be drawn from a distribution
    long bytes = Math.max(1, Units.bytes(c, "message-size"));
    return udp ? Math.min(bytes + 8, p.fragPayloadBytes(stack)) - 8 : Math.min(bytes, p.mssBytes(stack));
  }

  /** One host link's propagation (FabricSpec gives a link at least 1 ns). */
  private long hopNanos() {
    String link = ImpliedWork.leafSpine(e) ? "topology.leaf-spine.host-link" : "topology.link";
    return Math.max(1, Units.nanos(e, link + ".delay"));
  }

  /** Host {@code id} (null: one not named under topology.hosts), as KernelSpec builds it, or null if unknown. */
  private Host host(String id) {
    String key = id == null ? "" : id;
    if (hosts.containsKey(key)) return hosts.get(key);
    Config hostDefaults = root.getConfig("cnemu.schema.experiment.topology.hosts").getConfig("\"*\"");
    String q = id == null ? null : Spec.quote(id);
    Config h = q != null && e.hasPath("topology.hosts." + q)
        ? e.getConfig("topology.hosts." + q).withFallback(hostDefaults) : hostDefaults;
    Host r;
    try {
      Config overrides = e.hasPath("overrides") ? e.getConfig("overrides") : ConfigFactory.empty();
      Profile p = Spec.hostProfile(h, e.getString("profile"), overrides, profiles, root);
      String st = h.getString("stack");
      StackKind kind = StackKind.parse(st.isEmpty() ? e.getString("topology.stack") : st);
      long fabricRate = Units.bitsPerSec(e, ImpliedWork.leafSpine(e) ? "topology.leaf-spine.host-link.rate" : "topology.link.rate");
      r = new Host(p, kind, Spec.hostLinkRateBps(fabricRate, h, p));
    } catch (IllegalArgumentException ex) {
      r = null; // an unknown profile or stack: reported at its key
    }
    hosts.put(key, r);
    return r;
  }
}
