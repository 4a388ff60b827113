package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.cnemu.devices.Journey;

/**
 * One host's part of the journeys: it starts the journeys of the packets its apps send (when sampled),
 * attributes a queue's hard IRQ to the sampled packets waiting in its ring, keeps a TCP segment's journey
 * while its data waits out of order, and ends each journey when the receiving application has read the
 * packet's last byte (a flow's journeys all end on its receiving host). Per flow and stage it keeps the
 * queueing and service time of each sampled packet ({@link LatencySamples}) and their exact sums.
 */
final class JourneyRecorder {
  private final HostKernel h;
  final int every;
  private final int first;
  private final long seed;
  /** Per flow slot: skbs sent (FreeFlow: pushes seen) since the warm-up. */
  private final long[] sentSince;
  /** Per flow slot: the next skb (counted as {@link #sentSince}) sampled after the first ones; -1: not yet known. */
  private final long[] nextSampled;
  /** Per RX queue: sampled packets in the ring that no IRQ has been attributed to yet. */
  private final List<Journey>[] inRing;
  /** Per flow slot: journeys of TCP segments that arrived out of order, with the end of their data. */
  private final List<Object[]>[] outOfOrder;
  private final Acc[] acc;
  /** Stages that started before the previous one ended (a model inconsistency; 0 in every run). */
  long overlaps;
  private final long[] waitOf = new long[Journeys.STAGES];
  private final long[] serviceOf = new long[Journeys.STAGES];
  private final int[] coreOf = new int[Journeys.STAGES];
  private final boolean[] seen = new boolean[Journeys.STAGES];

  @SuppressWarnings("unchecked")
  JourneyRecorder(HostKernel h, int flows, int every, int first, long seed) {
    this.h = h;
    this.every = every;
    this.first = first;
    this.seed = seed;
    sentSince = new long[flows];
    nextSampled = new long[flows];
    java.util.Arrays.fill(nextSampled, -1);
    inRing = new List[h.rxQueues.length];
    outOfOrder = new List[flows];
    acc = new Acc[flows];
  }

  /** A new journey if the skb of {@code flow} sent at {@code sentNanos} is sampled, else null. */
  Journey start(int flow, long sentNanos) {
    return sampled(flow, sentNanos) ? new Journey(sentNanos) : null;
  }

  /**
   * Whether the next skb of {@code flow}, sent at {@code sentNanos}, is sampled: of the skbs sent after the
   * warm-up, the first {@code first} and then one in {@code every}, at the flow's phase (from the seed).
   */
  boolean sampled(int flow, long sentNanos) {
    if (sentNanos < h.warmup) return false;
    int slot = h.slot(flow);
    long k = sentSince[slot]++;
    if (k < first) return true;
    long next = nextSampled[slot];
    if (next < 0) { // the first k >= first with (k + phase) % every == 0
      long r = (first + Journeys.phase(seed, flow, every)) % every;
      next = first + (r == 0 ? 0 : every - r);
    }
    if (k < next) {
      nextSampled[slot] = next;
      return false;
    }
    nextSampled[slot] = next + every; // a per-packet comparison, not a division
    return true;
  }

  /** A sampled packet entered RX ring {@code queue}. */
  void inRing(int queue, Journey j) {
    List<Journey> l = inRing[queue];
    if (l == null) l = inRing[queue] = new ArrayList<>(4);
    l.add(j);
  }

  /** The hard IRQ of RX queue {@code queue} ran at {@code where} from {@code from} to {@code to}. */
  void irq(int queue, int where, long from, long to) {
    List<Journey> l = inRing[queue];
    if (l == null) return;
    for (int i = 0; i < l.size(); i++) { // no iterator: this runs at every IRQ once the queue saw a journey
      Journey j = l.get(i);
      if (j.stage(j.size() - 1) == Journeys.LINK && j.lastEnd() <= from) j.add(Journeys.IRQ, where, from, to);
    }
  }

  /** NAPI took the sampled packet out of ring {@code queue}. */
  void polled(int queue, Journey j) {
    List<Journey> l = inRing[queue];
    if (l != null) l.remove(j);
  }

  /** A sampled TCP segment's data ending at {@code endSeq} is out of order: its journey waits for the gap. */
  void outOfOrder(int slot, Journey j, long endSeq) {
    List<Object[]> l = outOfOrder[slot];
    if (l == null) l = outOfOrder[slot] = new ArrayList<>(2);
    l.add(new Object[] {j, endSeq});
  }

  /** In-order data up to {@code rcvNxt} reached the socket with journey {@code j}: the waiting journeys it covers join it. */
  Journey inOrder(int slot, Journey j, long rcvNxt) {
    List<Object[]> l = outOfOrder[slot];
    if (l == null || l.isEmpty()) return j;
    for (int i = 0; i < l.size(); i++) {
      if ((Long) l.get(i)[1] <= rcvNxt) {
        j = Journey.merge(j, (Journey) l.get(i)[0]);
        l.remove(i--);
      }
    }
    return j;
  }

  /** The application at {@code where} read the last byte of the packet(s) of {@code j}, from {@code from} to {@code to}. */
  void finish(int slot, Journey j, int where, long from, long to) {
    j.add(Journeys.APP_READ, where, from, to);
    for (Journey x = j; x != null; x = x.also()) record(slot, x);
  }

  /** FreeFlow: a sampled push (done at {@code sentAt}, visible at {@code visibleAt}) was read from {@code from} to {@code to}. */
  void finishShm(int slot, long sentAt, long visibleAt, int where, long from, long to) {
    Journey j = new Journey(sentAt);
    j.add(Journeys.SHM_RING, h.where(-1), sentAt, visibleAt);
    finish(slot, j, where, from, to);
  }

  private void record(int slot, Journey j) {
    java.util.Arrays.fill(waitOf, 0);
    java.util.Arrays.fill(serviceOf, 0);
    java.util.Arrays.fill(seen, false);
    long prev = j.startNanos;
    for (int i = 0; i < j.size(); i++) {
      int st = j.stage(i);
      long w = j.from(i) - prev;
      if (w < 0) overlaps++;
      seen[st] = true;
      waitOf[st] += w;
      serviceOf[st] += j.to(i) - j.from(i);
      coreOf[st] = j.where(i);
      prev = j.to(i);
    }
    Acc a = acc[slot];
    if (a == null) a = acc[slot] = new Acc();
    a.packets++;
    long e2e = j.lastEnd() - j.startNanos;
    a.e2eSum += e2e;
    a.e2e.record(Math.max(0, e2e));
    for (int st = 0; st < Journeys.STAGES; st++) {
      if (!seen[st]) continue;
      a.count[st]++;
      a.waitSum[st] += waitOf[st];
      a.serviceSum[st] += serviceOf[st];
      if (a.wait[st] == null) {
        a.wait[st] = new LatencySamples();
        a.service[st] = new LatencySamples();
      }
      a.wait[st].record(Math.max(0, waitOf[st]));
      a.service[st].record(Math.max(0, serviceOf[st]));
      if (a.cores[st] == null) a.cores[st] = new TreeSet<>();
      if (a.cores[st].size() < MAX_CORES) a.cores[st].add(coreOf[st]);
    }
  }

  /** The distinct places listed per stage (a researcher sees whether a stage stays on one core). */
  static final int MAX_CORES = 8;

  /** Per flow: the sampled packets' end-to-end latency and per-stage queueing and service. */
  private static final class Acc {
    long packets;
    long e2eSum;
    final LatencySamples e2e = new LatencySamples();
    final long[] count = new long[Journeys.STAGES];
    final long[] waitSum = new long[Journeys.STAGES];
    final long[] serviceSum = new long[Journeys.STAGES];
    final LatencySamples[] wait = new LatencySamples[Journeys.STAGES];
    final LatencySamples[] service = new LatencySamples[Journeys.STAGES];
    @SuppressWarnings("unchecked")
    final TreeSet<Integer>[] cores = new TreeSet[Journeys.STAGES];
  }

  /**
   * One flow's journeys for the end-of-run report (plain arrays: it may cross JVMs). {@code rows}: per stage
   * seen, {@link #ROW} longs: stage, packets, wait sum, service sum, wait p50, wait p99, service p50, service p99;
   * {@code cores}: per stage seen, where it ran ("h2/3", "h2" for no core of the host, "fabric").
   */
  record FlowJourneys(int flow, long packets, long e2eSum, long e2eP50, long e2eP99, long overlaps, long[] rows,
      String[] cores) {}

  static final int ROW = 8;

  FlowJourneys[] report() {
    int[] mine = h.flows();
    List<FlowJourneys> out = new ArrayList<>();
    for (int slot = 0; slot < acc.length; slot++) {
      Acc a = acc[slot];
      if (a == null) continue;
      List<Long> rows = new ArrayList<>();
      List<String> cores = new ArrayList<>();
      for (int st = 0; st < Journeys.STAGES; st++) {
        if (a.count[st] == 0) continue;
        rows.add((long) st);
        rows.add(a.count[st]);
        rows.add(a.waitSum[st]);
        rows.add(a.serviceSum[st]);
        rows.add(a.wait[st].percentile(50));
        rows.add(a.wait[st].percentile(99));
        rows.add(a.service[st].percentile(50));
        rows.add(a.service[st].percentile(99));
        StringBuilder b = new StringBuilder();
        for (int w : a.cores[st]) b.append(b.length() > 0 ? " " : "").append(place(w));
        cores.add(b.toString());
      }
      long[] r = new long[rows.size()];
      for (int i = 0; i < r.length; i++) r[i] = rows.get(i);
      out.add(new FlowJourneys(mine[slot], a.packets, a.e2eSum, a.e2e.percentile(50),
          a.e2e.percentile(99), overlaps, r, cores.toArray(new String[0])));
    }
    return out.toArray(new FlowJourneys[0]);
  }

  private String place(int where) {
    if (where == Journey.FABRIC) return "fabric";
    String host = h.spec.hosts.get(where >>> 16).id();
    int cpu = where & 0xffff;
    return cpu == 0xffff ? host : host + "/" + cpu;
  }
}
