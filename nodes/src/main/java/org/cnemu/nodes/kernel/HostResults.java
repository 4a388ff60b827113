package org.cnemu.nodes.kernel;

import java.util.LinkedHashMap;
import org.cnemu.devices.Gro;
import org.cnemu.devices.PacketQueue;
import org.cnemu.devices.TxRing;
import org.cnemu.devices.VethPair;

/** The end-of-run report of one host: its counters, queues, drops, flows and steering counters. */
final class HostResults {
  private HostResults() {}

  /** Percentiles of the latency CDF in results (after p50, p90, p99, p999 in {@link #latencyUs}). */
  static final double[] CDF_PERCENTILES = {0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 100};

  /** [p50, p90, p99, p999, then the value at each of CDF_PERCENTILES], in microseconds. */
  static double[] latencyUs(Sock k) {
    if (k.latency == null || k.latency.getTotalCount() == 0) return null;
    double[] q = {50, 90, 99, 99.9};
    double[] out = new double[q.length + CDF_PERCENTILES.length];
    for (int i = 0; i < q.length; i++) out[i] = Math.round(k.latency.getValueAtPercentile(q[i]) / 10.0) / 100.0;
    for (int i = 0; i < CDF_PERCENTILES.length; i++) {
      out[q.length + i] = Math.round(k.latency.getValueAtPercentile(CDF_PERCENTILES[i]) / 10.0) / 100.0;
    }
    return out;
  }

  record FlowSide(int flow, boolean sender, long sentSegs, long retransSegs, long deliveredSegs, long oooSegs,
      long goodBytes, long goodSegs, long cwnd, long srttNanos, long transactions, double[] latencyUs, long[] series, long lost,
      long wireSegs, long undos, int reordering, long connections, double[] connLatencyUs, long connectFailures,
      long latencySamples, long connLatencySamples) {}

  /** The samples behind a histogram's percentiles (its total count); 0 when there is none. */
  static long samples(org.HdrHistogram.Histogram l) {
    return l == null ? 0 : l.getTotalCount();
  }

  /** Connection churn: p50, p99 of the connections' latency (connect() start to close()), us; null when none. */
  static double[] connLatencyUs(org.HdrHistogram.Histogram l) {
    if (l.getTotalCount() == 0) return null;
    return new double[] {Math.round(l.getValueAtPercentile(50) / 10.0) / 100.0,
        Math.round(l.getValueAtPercentile(99) / 10.0) / 100.0};
  }

  record HostReport(String id, int index, long irqs, long ipis, long netRx, long netTx, long sent, long delivered,
      String[] dropKeys, long[] dropCounts, long inQueues, long ringDrops, long nicTx, long nicRx,
      long groCellSkbs, long backlogSkbs, long bridgeSkbs, long vethSkbs, long vxlanRx, long vxlanTx,
      FlowSide[] flows, String[] steerKeys, long[] steerValues, long txIrqs, long txStops, long localTimerIrqs,
      long ticks, JourneyRecorder.FlowJourneys[] journeys) {
    /** Counters of the steering mechanisms (results: hosts[].steering), sorted by key. */
    LinkedHashMap<String, Object> steering() {
      LinkedHashMap<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < steerKeys.length; i++) m.put(steerKeys[i], steerValues[i]);
      return m;
    }
  }

  /** The host's report, at the end of the run (its NIC entity asks: it holds the link counters). */
  static HostReport report(HostKernel h, NicEntity n) {
    long inQ = 0;
    for (NicQueue r : h.rxQueues) if (r != null) inQ += r.size();
    for (Gro g : h.nicGro) inQ += g.packetsInside();
    for (PacketQueue q : h.backlog) inQ += q.packetsInside();
    for (PacketQueue q : h.groCell) inQ += q.packetsInside();
    for (PacketQueue q : h.backlogHi) inQ += PacketQueue.packetsInside(q);
    for (PacketQueue q : h.groCellHi) inQ += PacketQueue.packetsInside(q);
    if (h.merge != null) {
      inQ += h.merge.packetsInside();
      h.stats.count("merge.parked_skbs", h.merge.parked);
      h.stats.count("merge.gaps_given_up", h.merge.gapsGivenUp);
    }
    inQ += h.shm.packetsInside();
    inQ += h.tx.gatheredPackets();
    h.shm.report(h.stats);
    h.churn.report(h.stats);
    long ringDrops = 0;
    for (NicQueue r : h.rxQueues) if (r != null) ringDrops += r.dropped;
    FlowSide[] fs = new FlowSide[h.socks.size()];
    for (int i = 0; i < fs.length; i++) {
      Sock k = h.socks.get(i);
      if (k.partialFrags > 0) inQ += k.partialFrags;
      fs[i] = new FlowSide(k.flow.index(), k.sender, k.sentSegs, k.retiredRetrans + (k.tx == null ? 0 : k.tx.retransSegs),
          k.deliveredSegs, k.retiredOoo + (k.rx == null ? 0 : k.rx.oooSegs), k.goodBytes, k.goodSegs, k.tx == null ? 0 : k.tx.cwndBytes(),
          k.tx == null ? 0 : k.tx.srttNanos(), k.transactions, latencyUs(k), k.series, k.lost, k.wireSegs,
          k.tx == null ? 0 : k.tx.undos(), k.tx == null ? 0 : k.tx.reordering(),
          k.cs == null ? -1 : k.cs.connections, k.cs == null || k.cs.latency == null ? null : connLatencyUs(k.cs.latency),
          k.cs == null ? 0 : k.cs.connectFailures, samples(k.latency), k.cs == null ? 0 : samples(k.cs.latency));
    }
    String[] keys = h.drops.keySet().toArray(new String[0]);
    long[] counts = new long[keys.length];
    for (int i = 0; i < keys.length; i++) counts[i] = h.drops.get(keys[i]);
    return new HostReport(h.hs.id(), h.hs.index(), h.irqs, h.ipis, h.netRx, h.netTx, h.sent, h.delivered, keys, counts, inQ,
        ringDrops, n.txPackets, n.rxPackets, h.groCellSkbs, h.backlogSkbs, h.bridge == null ? 0 : h.bridge.rxPackets, vethTx(h),
        h.vxlan == null ? 0 : h.vxlan.rxPackets, h.vxlan == null ? 0 : h.vxlan.txPackets, fs,
        h.stats.snapshot().keySet().toArray(new String[0]),
        h.stats.snapshot().values().stream().mapToLong(Long::longValue).toArray(), txIrqs(h), txStops(h), h.localTimerIrqs,
        h.ticks, h.journeys == null ? new JourneyRecorder.FlowJourneys[0] : h.journeys.report());
  }

  /** skbs transmitted by all veth ends of this host (both directions). */
  private static long vethTx(HostKernel h) {
    long n = 0;
    for (VethPair v : h.veths.values()) n += v.host.txPackets + v.container.txPackets;
    return n;
  }

  private static long txIrqs(HostKernel h) {
    long n = 0;
    for (TxRing r : h.txRings) n += r.irqs;
    return n;
  }

  private static long txStops(HostKernel h) {
    long n = 0;
    for (TxRing r : h.txRings) n += r.stops;
    return n;
  }
}
