package org.cnemu.nodes.kernel;

import java.util.IdentityHashMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
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
  private final Histogram[] owd;
  private final Histogram[] sockOwd;
  /** Per flow: the data in the socket not yet read, in arrival order. */
  private final Fifo[] inSocket;
  final TreeMap<String, Long> counters = new TreeMap<>();

  /** @param flows how many flows the host has (state by slot, see HostKernel.slot) */
  SteeringStats(HostKernel h, int flows, int cpus) {
    this.h = h;
    rxCores = new long[flows];
    loBatches = new long[cpus];
    owd = new Histogram[flows];
    sockOwd = new Histogram[flows];
    inSocket = new Fifo[flows];
    owdRaw = new long[flows][];
    sockOwdRaw = new long[flows][];
    owdRawCount = new int[flows];
    sockOwdRawCount = new int[flows];
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
    Fifo q = inSocket[i];
    if (q == null) q = inSocket[i] = new Fifo();
    q.add(bytes, sentAt);
    if (j != null) q.journey(j);
  }

  /**
   * The application of flow {@code flow} on core {@code cpu} copied {@code bytes} to user space, from
   * {@code from} to {@code at}.
   */
  void toApp(int flow, long bytes, long from, long at, int cpu) {
    int i = h.slot(flow);
    if (i < 0) return;
    Fifo q = inSocket[i];
    while (bytes > 0 && q != null && q.size > 0) {
      int head = q.head;
      long n = Math.min(bytes, q.bytes[head]);
      q.bytes[head] -= n;
      bytes -= n;
      if (q.bytes[head] > 0) break;
      long sentAt = q.sentAt[head];
      org.cnemu.devices.Journey j = q.journeys == null ? null : q.journeys[head];
      q.pop();
      if (j != null) h.journeys.finish(i, j, h.where(cpu), from, at);
      if (at >= h.warmup) record(i, at - sentAt);
    }
  }

  /** Unread kernel-path data of one socket, in arrival order: {bytes not yet read, sent at} per skb. */
  private static final class Fifo {
    long[] bytes = new long[8];
    long[] sentAt = new long[8];
    /** Journeys ending with each skb (allocated at the first sampled one). */
    org.cnemu.devices.Journey[] journeys;
    int head;
    int size;

    /** The journey {@code j} ends with the last skb added. */
    void journey(org.cnemu.devices.Journey j) {
      if (journeys == null) journeys = new org.cnemu.devices.Journey[bytes.length];
      journeys[(head + size - 1) % bytes.length] = j;
    }

    void add(long b, long at) {
      if (size == bytes.length) {
        long[] nb = new long[size * 2];
        long[] na = new long[size * 2];
        org.cnemu.devices.Journey[] nj = journeys == null ? null : new org.cnemu.devices.Journey[size * 2];
        for (int k = 0; k < size; k++) {
          nb[k] = bytes[(head + k) % size];
          na[k] = sentAt[(head + k) % size];
          if (nj != null) nj[k] = journeys[(head + k) % size];
        }
        bytes = nb;
        sentAt = na;
        journeys = nj;
        head = 0;
      }
      int tail = (head + size) % bytes.length;
      bytes[tail] = b;
      sentAt[tail] = at;
      size++;
    }

    void pop() {
      if (journeys != null) journeys[head] = null;
      head = (head + 1) % bytes.length;
      size--;
    }
  }

  /** A one-way latency sample (send to application) of flow {@code flow}. */
  void latency(int flow, long nanos) {
    int i = h.slot(flow);
    if (i < 0) return;
    record(i, nanos);
  }

  /** Marks a sample as one of {@link #sockOwd} (else {@link #owd}); slots are below 2^30. */
  private static final int SOCK = 1 << 30;
  /**
   * Raw samples a flow keeps before it needs a histogram (8 KiB): a short flow never allocates one.
   * Not final only so that a test can force the spill into histograms; results do not depend on it.
   */
  static int rawMax = 1024;
  /**
   * Latency samples not yet in a histogram, per flow slot (owd, sockOwd): recorded in bulk when
   * {@link #rawMax} have gathered, or read at the end through a shared scratch histogram. A record
   * per delivered packet into a per-flow HdrHistogram touches its object and counts, which with many
   * hosts are cold each time, and a histogram of 3 digits over microseconds is ~70 KB of counts per
   * flow (over 1 GB for 10,000 short flows). Histograms count, so neither the order nor the grouping
   * of records changes a percentile.
   */
  private final long[][] owdRaw;
  private final long[][] sockOwdRaw;
  private final int[] owdRawCount;
  private final int[] sockOwdRawCount;
  /** One histogram shared by the flows that never needed their own (reset per use; results only). */
  private static final ThreadLocal<Histogram> SCRATCH = ThreadLocal.withInitial(() -> new Histogram(3));

  private void record(int where, long nanos) {
    boolean sock = (where & SOCK) != 0;
    int i = where & ~SOCK;
    long[][] raws = sock ? sockOwdRaw : owdRaw;
    int[] counts = sock ? sockOwdRawCount : owdRawCount;
    long[] raw = raws[i];
    int n = counts[i];
    if (raw == null) {
      raw = raws[i] = new long[16];
    } else if (n == raw.length) {
      if (n < rawMax) {
        raw = raws[i] = java.util.Arrays.copyOf(raw, n * 2);
      } else {
        Histogram[] hs = sock ? sockOwd : owd;
        Histogram x = hs[i];
        if (x == null) x = hs[i] = new Histogram(3);
        for (int j = 0; j < n; j++) x.recordValue(raw[j]);
        n = 0;
      }
    }
    raw[n] = Math.max(0, nanos);
    counts[i] = n + 1;
  }

  /**
   * Flow slot {@code i}'s histogram of one kind with every sample in it, or null if it has none: its
   * own (raw samples flushed in), or the scratch histogram holding its raw samples.
   */
  private Histogram histogram(int i, boolean sock) {
    Histogram x = (sock ? sockOwd : owd)[i];
    long[] raw = (sock ? sockOwdRaw : owdRaw)[i];
    int[] counts = sock ? sockOwdRawCount : owdRawCount;
    int n = counts[i];
    if (x == null) {
      if (n == 0) return null;
      x = SCRATCH.get();
      x.reset();
      for (int j = 0; j < n; j++) x.recordValue(raw[j]);
      return x;
    }
    for (int j = 0; j < n; j++) x.recordValue(raw[j]);
    counts[i] = 0;
    return x;
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
      Histogram x = histogram(i, false);
      if (x != null && x.getTotalCount() > 0) {
        m.put("owd_p50_ns." + f.id(), x.getValueAtPercentile(50));
        m.put("owd_p99_ns." + f.id(), x.getValueAtPercentile(99));
        m.put("owd_p999_ns." + f.id(), x.getValueAtPercentile(99.9));
        m.put("owd_count." + f.id(), x.getTotalCount());
      }
      Histogram y = histogram(i, true);
      if (y != null && y.getTotalCount() > 0) {
        m.put("owd_sock_p50_ns." + f.id(), y.getValueAtPercentile(50));
        m.put("owd_sock_p99_ns." + f.id(), y.getValueAtPercentile(99));
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
