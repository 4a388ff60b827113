package org.cnemu.nodes.kernel;

import java.util.IdentityHashMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.cnemu.devices.Packet;

/**
 * What the steering mechanisms did on one host, for results ({@code hosts[].steering}) and the
 * mechanism tests: which cores ran receive stages of each flow, how many low-priority NAPI batches
 * a high-priority skb waited behind at each stage (PRISM), one-way delivery latency per flow (send
 * to socket, or to the application for shared-memory flows), merge and fast-path counters.
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
  final TreeMap<String, Long> counters = new TreeMap<>();

  SteeringStats(HostKernel h, int flows, int cpus) {
    this.h = h;
    rxCores = new long[flows];
    loBatches = new long[cpus];
    owd = new Histogram[flows];
  }

  void ranStage(int cpu, Packet s, long now) {
    if (s.dir() == 0 && now >= h.warmup && s.flow() >= 0 && s.flow() < rxCores.length) rxCores[s.flow()] |= 1L << (cpu & 63);
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

  void latency(Packet s, long at) {
    if (s.dir() != 0 || at < h.warmup) return;
    latency(s.flow(), at - s.sentNanos());
  }

  void latency(int flow, long nanos) {
    if (flow < 0 || flow >= owd.length) return;
    Histogram x = owd[flow];
    if (x == null) x = owd[flow] = new Histogram(3);
    x.recordValue(Math.max(0, nanos));
  }

  void count(String key, long n) {
    counters.merge(key, n, Long::sum);
  }

  /** Flat, sorted key -> value pairs (results: hosts[].steering). */
  TreeMap<String, Long> snapshot() {
    TreeMap<String, Long> m = new TreeMap<>(counters);
    for (Spec.FlowSpec f : h.spec.flows) {
      int i = f.index();
      if (rxCores[i] != 0) m.put("rx_cores." + f.id(), (long) Long.bitCount(rxCores[i]));
      Histogram x = owd[i];
      if (x != null && x.getTotalCount() > 0) {
        m.put("owd_p50_ns." + f.id(), x.getValueAtPercentile(50));
        m.put("owd_p99_ns." + f.id(), x.getValueAtPercentile(99));
        m.put("owd_p999_ns." + f.id(), x.getValueAtPercentile(99.9));
        m.put("owd_count." + f.id(), x.getTotalCount());
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
