package org.cnemu.nodes.kernel;

import java.util.IdentityHashMap;
import java.util.TreeMap;
import org.cnemu.devices.Packet;

/**
 * What the steering mechanisms did on one host, for results ({@code hosts[].steering}) and the
 * mechanism tests: which cores ran receive stages of each flow, how many low-priority NAPI batches
 * a high-priority skb waited behind at each stage (PRISM), one-way delivery latency per flow, merge
 * and fast-path counters.
 *
 * <p>One-way latency ({@code owd_*}) runs from the send (the skb leaving the sender's transport, or
 * the push into a shared-memory ring) to the receiving application's copy to user space, so it
 * includes the socket queueing, the receiver's wakeup and the copy; {@code owd_sock_*} stops where
 * the kernel path hands the data to the socket (for comparison; shared-memory flows have none).
 * Kernel-path bytes wait in a per-flow FIFO ({@link #toSocket}) until the application reads them
 * ({@link #toApp}); each skb's latency is recorded when its last byte is read.
 */
final class SteeringStats {
  private final HostKernel h;
  /** Per flow: bit c set when core c ran a receive stage of the flow's data (after warm-up). */
  final long[] rxCores;
  /** Per core: NAPI polls that processed low-priority work (PRISM's "batches"). */
  final long[] loBatches;
  private final IdentityHashMap<Packet, Long> hiEnqueuedAt = new IdentityHashMap<>();
  long hiQueued;
  long hiWaitMax;
  long hiWaitSum;
  long hiInline;
  /** Per flow slot: one-way latency samples, to the application and to the socket (null until one). */
  private final LatencySamples[] owd;
  private final LatencySamples[] sockOwd;
  final TreeMap<String, Long> counters = new TreeMap<>();

  /** @param flows how many flows the host has (state by slot, see HostKernel.slot) */
  SteeringStats(HostKernel h, int flows, int cpus) {
    this.h = h;
    rxCores = new long[flows];
    loBatches = new long[cpus];
    owd = new LatencySamples[flows];
    sockOwd = new LatencySamples[flows];
    inSocket = new long[flows][];
  }

  void ranStage(int cpu, Packet s, long now) {
    if (s.dir() != 0 || now < h.warmup) return;
    int i = h.slot(s.flow());
    if (i >= 0) rxCores[i] |= 1L << (cpu & 63);
  }

  /** A high-priority-tagged skb entered a gro_cell/backlog queue of {@code cpu}. */
  void enqueued(Packet s, int cpu) {
    if (s.prio() > 0) hiEnqueuedAt.put(s, loBatches[cpu]);
  }

  /** ... and left it on {@code cpu}: count the low-priority batches that ran there meanwhile. */
  void dequeued(Packet s, int cpu, long now) {
    if (s.prio() <= 0) return;
    Long at = hiEnqueuedAt.remove(s);
    if (at == null || now < h.warmup) return;
    long w = loBatches[cpu] - at;
    hiQueued++;
    hiWaitSum += w;
    hiWaitMax = Math.max(hiWaitMax, w);
  }

  /**
   * {@code bytes} of flow {@code flow}'s data, sent at {@code sentAt}, reached its socket at {@code at},
   * carrying the journey {@code j} of sampled packets whose data ends in these bytes (null: none).
   */
  void toSocket(int flow, long bytes, long sentAt, long at, org.cnemu.devices.Journey j) {
    int i = h.slot(flow);
    if (i < 0 || bytes <= 0) return;
    if (at >= h.warmup) record(i | SOCK, at - sentAt);
    long[] q = inSocket[i];
    if (q == null) q = inSocket[i] = new long[FIFO_HEADER + 2 * 8];
    long size = q[1];
    if (size == (q.length - FIFO_HEADER) >> 1) q = grow(i, q);
    int cap = (q.length - FIFO_HEADER) >> 1;
    int tail = (int) (q[0] + size) & (cap - 1);
    q[FIFO_HEADER + 2 * tail] = bytes;
    q[FIFO_HEADER + 2 * tail + 1] = sentAt;
    q[1] = size + 1;
    if (j != null) {
      if (inSocketJourneys == null) inSocketJourneys = new org.cnemu.devices.Journey[inSocket.length][];
      org.cnemu.devices.Journey[] js = inSocketJourneys[i];
      if (js == null) js = inSocketJourneys[i] = new org.cnemu.devices.Journey[cap];
      js[tail] = j;
    }
  }

  /**
   * The application of flow {@code flow} on core {@code cpu} copied {@code bytes} to user space, from
   * {@code from} to {@code at}.
   */
  void toApp(int flow, long bytes, long from, long at, int cpu) {
    int i = h.slot(flow);
    if (i < 0) return;
    long[] q = inSocket[i];
    if (q == null) return;
    int mask = ((q.length - FIFO_HEADER) >> 1) - 1;
    int head = (int) q[0];
    long size = q[1];
    org.cnemu.devices.Journey[] js = inSocketJourneys == null ? null : inSocketJourneys[i];
    while (bytes > 0 && size > 0) {
      int o = FIFO_HEADER + 2 * head;
      long left = q[o];
      long n = Math.min(bytes, left);
      q[o] = left -= n;
      bytes -= n;
      if (left > 0) break;
      long sentAt = q[o + 1];
      org.cnemu.devices.Journey j = null;
      if (js != null) {
        j = js[head];
        js[head] = null;
      }
      head = (head + 1) & mask;
      size--;
      if (j != null) h.journeys.finish(i, j, h.where(cpu), from, at);
      if (at >= h.warmup) record(i, at - sentAt);
    }
    q[0] = head;
    q[1] = size;
  }

  /**
   * Per flow slot: the socket's unread kernel-path data in arrival order, one array per socket so that a
   * read touches one object (with many hosts each socket is cold at every read): {head, size}, then per skb
   * {bytes not yet read, sent at} in a ring of a power-of-two capacity. Null until the first skb.
   */
  private final long[][] inSocket;
  private static final int FIFO_HEADER = 2;
  /** Per flow slot: the journeys ending with each skb of {@link #inSocket} (null until a sampled one). */
  private org.cnemu.devices.Journey[][] inSocketJourneys;

  /** Doubles slot {@code i}'s full FIFO, its entries (and journeys) moved to the front in order. */
  private long[] grow(int i, long[] q) {
    int cap = (q.length - FIFO_HEADER) >> 1;
    int head = (int) q[0];
    long[] nq = new long[FIFO_HEADER + 4 * cap];
    org.cnemu.devices.Journey[] js = inSocketJourneys == null ? null : inSocketJourneys[i];
    org.cnemu.devices.Journey[] nj = js == null ? null : new org.cnemu.devices.Journey[2 * cap];
    for (int k = 0; k < cap; k++) {
      int from = (head + k) & (cap - 1);
      nq[FIFO_HEADER + 2 * k] = q[FIFO_HEADER + 2 * from];
      nq[FIFO_HEADER + 2 * k + 1] = q[FIFO_HEADER + 2 * from + 1];
      if (nj != null) nj[k] = js[from];
    }
    nq[1] = cap;
    inSocket[i] = nq;
    if (nj != null) inSocketJourneys[i] = nj;
    return nq;
  }

  /** A one-way latency sample (send to application) of flow {@code flow}. */
  void latency(int flow, long nanos) {
    int i = h.slot(flow);
    if (i < 0) return;
    record(i, nanos);
  }

  /** Marks a sample as one of {@link #sockOwd} (else {@link #owd}); slots are below 2^30. */
  private static final int SOCK = 1 << 30;

  private void record(int where, long nanos) {
    LatencySamples[] all = (where & SOCK) != 0 ? sockOwd : owd;
    int i = where & ~SOCK;
    LatencySamples x = all[i];
    if (x == null) x = all[i] = new LatencySamples();
    x.record(Math.max(0, nanos));
  }

  void count(String key, long n) {
    counters.merge(key, n, Long::sum);
  }

  /** Flat, sorted key -> value pairs (results: hosts[].steering). */
  TreeMap<String, Long> snapshot() {
    TreeMap<String, Long> m = new TreeMap<>(counters);
    int[] mine = h.flows();
    for (int i = 0; i < mine.length; i++) {
      Spec.FlowSpec f = h.spec.flows.get(mine[i]);
      if (rxCores[i] != 0) m.put("rx_cores." + f.id(), (long) Long.bitCount(rxCores[i]));
      LatencySamples x = owd[i];
      if (x != null && x.count() > 0) {
        m.put("owd_p50_ns." + f.id(), x.percentile(50));
        m.put("owd_p99_ns." + f.id(), x.percentile(99));
        m.put("owd_p999_ns." + f.id(), x.percentile(99.9));
        m.put("owd_count." + f.id(), x.count());
      }
      LatencySamples y = sockOwd[i];
      if (y != null && y.count() > 0) {
        m.put("owd_sock_p50_ns." + f.id(), y.percentile(50));
        m.put("owd_sock_p99_ns." + f.id(), y.percentile(99));
      }
    }
    if (hiQueued > 0 || hiInline > 0) {
      m.put("prio.hi_skbs_queued", hiQueued);
      m.put("prio.hi_skbs_inline", hiInline);
      m.put("prio.max_lo_batches_waited", hiWaitMax);
      m.put("prio.lo_batches_waited_sum", hiWaitSum);
    }
    return m;
  }
}
