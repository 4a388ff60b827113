package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnemu.devices.Profile;
import org.cnemu.devices.StackKind;

/**
 * A rough count of the events one run of a kernel-model configuration processes, for the plan's job order
 * only ({@link KernelModelProvider#expectedEvents}: the costliest jobs start first). Never part of a result.
 *
 * <p>Each flow sends messages at its offered rate, capped by what the busier of its two hosts' modeled
 * cores can do per message (the profile's costs on the send and the receive path) and by its hosts' links
 * (flows sharing a link share its rate); a message costs a few events and each of its wire packets a few
 * more, fewer for TCP (TSO and GRO handle segments in batches). The constants were fitted on
 * experiments/bench/sweep-16.conf (UDP message size x rate) and the TCP examples; ExpectedWorkTest holds
 * the estimate to within 2x of the events real runs process.
 */
final class ExpectedWork {
  /** Events per message (syscall, socket, wakeup, app) and per UDP packet (NIC, IRQ / NAPI, IP). */
  static final double EVENTS_PER_MESSAGE = 6.1;
  static final double EVENTS_PER_UDP_PACKET = 1.85;
  /**
   * At low rates a packet raises its own interrupt and softirq chain, batched away at high rates: up to this
   * many events per packet more, at most {@link #UNBATCHED_EVENTS_PER_SECOND} per flow.
   */
  static final double UNBATCHED_EVENTS_PER_PACKET = 6;
  static final double UNBATCHED_EVENTS_PER_SECOND = 1.1e6;
  /** Bulk TCP: events per MSS segment on the wire (TSO sends and GRO receives them tens at a time). */
  static final double EVENTS_PER_TCP_SEGMENT = 0.7;
  /** The modeled hosts reach ~2/3 of the message rate their per-message costs alone allow (sweep-16's saturated points). */
  static final double CAPACITY_SHARE = 2.0 / 3;

  private ExpectedWork() {}

  /** One flow's expected load before its links' share: messages per second and their sizes. */
  private record Load(int src, int dst, double messagesPerSecond, long bytes, boolean udp, boolean bulk) {}

  static double events(KernelSpec k, long durationNanos) {
    Map<String, Integer> hostIndex = new HashMap<>();
    for (Spec.HostSpec h : k.hosts) hostIndex.put(h.id(), h.index());
    List<Load> loads = new ArrayList<>();
    for (KernelSpec.Workload w : k.workloads) {
      for (Patterns.Pair pair : Patterns.pairs(w, k.hostIds, new SplittableRandom(0))) {
        int src = hostIndex.getOrDefault(Spec.hostPart(pair.src()), 0);
        int dst = hostIndex.getOrDefault(Spec.hostPart(pair.dst()), 0);
        Profile p = k.hosts.isEmpty() ? k.profile : k.hosts.get(src).profile();
        StackKind stack = k.hosts.isEmpty() ? k.stack : k.hosts.get(src).stack();
        for (int s = 0; s < w.streams(); s++) loads.addAll(loads(w, src, dst, p, stack, k.linkDelayNanos));
      }
    }
    // a host's link carries at most its rate out and in: its flows share it
    double[] out = new double[k.hosts.size()];
    double[] in = new double[k.hosts.size()];
    for (Load l : loads) {
      out[l.src()] += l.messagesPerSecond() * l.bytes();
      in[l.dst()] += l.messagesPerSecond() * l.bytes();
    }
    double seconds = durationNanos / 1e9;
    double total = 0;
    for (Load l : loads) {
      double share = 1;
      if (!k.hosts.isEmpty()) {
        share = Math.min(share, k.hosts.get(l.src()).linkRateBps() / 8.0 / Math.max(1, out[l.src()]));
        share = Math.min(share, k.hosts.get(l.dst()).linkRateBps() / 8.0 / Math.max(1, in[l.dst()]));
      }
      Profile p = k.hosts.isEmpty() ? k.profile : k.hosts.get(l.src()).profile();
      StackKind stack = k.hosts.isEmpty() ? k.stack : k.hosts.get(l.src()).stack();
      int packets = packets(p, stack, l.udp(), l.bytes());
      total += events(l.messagesPerSecond() * share, packets, l.udp() || !l.bulk()) * seconds;
    }
    return total;
  }

  /** One flow of workload {@code w} (a request-response connection: its requests and its responses). */
  private static List<Load> loads(KernelSpec.Workload w, int src, int dst, Profile p, StackKind stack,
      long linkDelayNanos) {
    if (w.rr() == null) {
      long bytes = Math.max(1, w.messageBytes());
      double cap = CAPACITY_SHARE * 1e9 / busierNanos(p, stack, w.udp(), bytes);
      double offered = w.rateBps() > 0 ? w.rateBps() / 8.0 / bytes : Double.POSITIVE_INFINITY;
      return List.of(new Load(src, dst, Math.min(cap, offered), bytes, w.udp(), true));
    }
    // a request and its response per round: closed loop (think time + round trip) unless open-loop
    Spec.Rr rr = w.rr();
    long req = Math.max(1, Math.max(rr.getReq(), rr.setReq()));
    long resp = Math.max(1, Math.max(rr.getResp(), rr.setResp()));
    // each way: the busier side's costs, the interrupt's delivery and the reader's wakeup, two link hops
    double wayNanos = p.irqLatency + p.irq + p.idleWakeupNanos() + 2.0 * linkDelayNanos;
    double roundNanos = busierNanos(p, stack, w.udp(), req) + busierNanos(p, stack, w.udp(), resp) + 2 * wayNanos;
    double rounds = w.load().requestsPerSec() > 0 ? w.load().requestsPerSec() : 1e9 / (rr.thinkNanos() + roundNanos);
    rounds = Math.min(rounds, CAPACITY_SHARE * 1e9 / roundNanos);
    return List.of(new Load(src, dst, rounds, req, w.udp(), false), new Load(dst, src, rounds, resp, w.udp(), false));
  }

  /** Events per second of {@code messagesPerSecond} messages of {@code packetsPerMessage} packets each. */
  private static double events(double messagesPerSecond, int packetsPerMessage, boolean perPacket) {
    double packetsPerSecond = messagesPerSecond * packetsPerMessage;
    if (!perPacket) return packetsPerSecond * EVENTS_PER_TCP_SEGMENT;
    return messagesPerSecond * EVENTS_PER_MESSAGE + packetsPerSecond * EVENTS_PER_UDP_PACKET
        + Math.min(UNBATCHED_EVENTS_PER_SECOND, packetsPerSecond * UNBATCHED_EVENTS_PER_PACKET);
  }

  /** Wire packets of one message from a host of {@code stack}: MSS segments (TCP) or IP fragments (UDP) of its MTU. */
  static int packets(Profile p, StackKind stack, boolean udp, long bytes) {
    if (udp) return p.udpPackets(bytes, stack);
    long mss = p.mssBytes(stack);
    return (int) Math.max(1, (bytes + mss - 1) / mss);
  }

  /** Modeled CPU nanoseconds per message on the busier side (sender or receiver) of a flow. */
  static double busierNanos(Profile p, StackKind stack, boolean udp, long bytes) {
    int pk = packets(p, stack, udp, bytes);
    long overlay = stack == StackKind.NATIVE ? 0 : p.vxlanEncap + p.bridge + p.veth;
    long overlayRx = stack == StackKind.NATIVE ? 0 : p.vxlanDecap + p.bridge + p.veth;
    // UDP fragmentation offload: a datagram larger than the MTU crosses the virtual devices as one skb, and the pNIC's
    // software GSO checksums it and cuts it into IP fragments (TxPath.ufoXmit)
    boolean ufo = udp && pk > 1 && SocketDriver.ufoRoute(p, stack);
    // a container's UDP skb gets a new head at VXLAN encapsulation (TxPath.headRealloc): its fragments' or its headers'
    double realloc = !udp || !stack.veth() ? 0 : ufo ? p.headRealloc(TxPath.UDP_HEAD_BYTES)
        : pk * p.headRealloc(Math.min(bytes, p.fragPayloadBytes(stack)) + TxPath.UDP_HEAD_BYTES);
    double send = p.syscall(stack) + p.appPerMessage + (udp ? p.udpTx : p.tcpTx) + p.ipTx + p.qdisc + p.driverTx + realloc
        + (ufo ? p.memcpy(bytes) + overlay + p.csum(bytes) + pk * (p.driverTxPerPkt + p.gsoSeg)
            : (udp && pk > 1 ? p.copyAndCsum(bytes) : p.memcpy(bytes))
                + pk * (p.driverTxPerPkt + overlay + (pk > 1 ? (udp ? p.ipFrag : p.gsoSeg) : 0)));
    // UDP: IP handles each fragment; TCP: GRO hands IP and TCP a message's segments merged
    double receive = pk * (p.driverRx + p.groPerPkt + overlayRx + (udp ? p.ipRx + (pk > 1 ? p.ipDefrag : 0) : 0))
        + p.csum(bytes) + (udp ? p.udpRx : p.ipRx + p.tcpRx + pk * p.tcpRxPerSeg) + p.syscall(stack) + p.copyToUser(bytes)
        + p.appPerMessage;
    return Math.max(1, Math.max(send, receive));
  }
}
