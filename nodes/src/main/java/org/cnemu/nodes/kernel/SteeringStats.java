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
 * Kernel-path bytes wait in a FIFO of the receiving socket ({@link #toSocket}) until the application
 * reads them ({@link #toApp}); each skb's latency is recorded when its last byte is read. The FIFO and
 * the samples are fields of the {@link Sock}: a read then touches the socket (its thread's step has it
 * in cache) and the FIFO's array, not per-host tables indexed by flow, cold with many hosts.
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
  final TreeMap<String, Long> counters = new TreeMap<>();

  /** @param flows how many flows the host has (state by slot, see HostKernel.slot) */
  SteeringStats(HostKernel h, int flows, int cpus) {
    this.h = h;
    rxCores = new long[flows];
    loBatches = new long[cpus];
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
   * {@code bytes} of socket {@code k}'s data (it receives), sent at {@code sentAt}, reached it at {@code at},
   * carrying the journey {@code j} of sampled packets whose data ends in these bytes (null: none).
   */
  void toSocket(Sock k, long bytes, long sentAt, long at, org.cnemu.devices.Journey j) {
    if (bytes <= 0) return;
    if (at >= h.warmup) {
      if (k.owdSock == null) k.owdSock = new LatencySamples();
      k.owdSock.record(Math.max(0, at - sentAt));
    }
    long[] q = k.unread;
    if (q == null) q = k.unread = new long[2 * 8];
    int size = k.unreadSize;
    if (size == q.length >> 1) q = grow(k);
    int cap = q.length >> 1;
    int tail = (k.unreadHead + size) & (cap - 1);
    q[2 * tail] = bytes;
    q[2 * tail + 1] = sentAt;
    k.unreadSize = size + 1;
    if (j != null) {
      if (k.unreadJourneys == null) k.unreadJourneys = new org.cnemu.devices.Journey[cap];
      k.unreadJourneys[tail] = j;
    }
  }

  /**
   * The application reading socket {@code k} on core {@code cpu} copied {@code bytes} to user space, from
   * {@code from} to {@code at}.
   */
  void toApp(Sock k, long bytes, long from, long at, int cpu) {
    long[] q = k.unread;
    if (q == null) return;
    int mask = (q.length >> 1) - 1;
    int head = k.unreadHead;
    int size = k.unreadSize;
    org.cnemu.devices.Journey[] js = k.unreadJourneys;
    while (bytes > 0 && size > 0) {
      int o = 2 * head;
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
      if (j != null) h.journeys.finish(h.slot(k.flow.index()), j, h.where(cpu), from, at);
      if (at >= h.warmup) {
        if (k.owd == null) k.owd = new LatencySamples();
        k.owd.record(Math.max(0, at - sentAt));
      }
    }
    k.unreadHead = head;
    k.unreadSize = size;
  }

  /** Doubles socket {@code k}'s full FIFO, its entries (and journeys) moved to the front in order. */
  private static long[] grow(Sock k) {
    long[] q = k.unread;
    int cap = q.length >> 1;
    int head = k.unreadHead;
    long[] nq = new long[4 * cap];
    org.cnemu.devices.Journey[] js = k.unreadJourneys;
    org.cnemu.devices.Journey[] nj = js == null ? null : new org.cnemu.devices.Journey[2 * cap];
    for (int i = 0; i < cap; i++) {
      int from = (head + i) & (cap - 1);
      nq[2 * i] = q[2 * from];
      nq[2 * i + 1] = q[2 * from + 1];
      if (nj != null) nj[i] = js[from];
    }
    k.unread = nq;
    k.unreadHead = 0;
    if (nj != null) k.unreadJourneys = nj;
    return nq;
  }

  /** A one-way latency sample (send to application) of flow {@code flow} (FreeFlow's ring). */
  void latency(int flow, long nanos) {
    int i = h.slot(flow);
    if (i < 0) return;
    Sock k = h.rxSockByFlow[i];
    if (k.owd == null) k.owd = new LatencySamples();
    k.owd.record(Math.max(0, nanos));
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
      Sock r = h.rxSockByFlow[i]; // the samples are the receiving socket's
      LatencySamples x = r == null ? null : r.owd;
      if (x != null && x.count() > 0) {
        m.put("owd_p50_ns." + f.id(), x.percentile(50));
        m.put("owd_p99_ns." + f.id(), x.percentile(99));
        m.put("owd_p999_ns." + f.id(), x.percentile(99.9));
        m.put("owd_count." + f.id(), x.count());
      }
      LatencySamples y = r == null ? null : r.owdSock;
      if (y != null && y.count() > 0) {
        m.put("owd_sock_p50_ns." + f.id(), y.percentile(50));
        m.put("owd_sock_p99_ns." + f.id(), y.percentile(99));
        m.put("owd_sock_count." + f.id(), y.count());
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
