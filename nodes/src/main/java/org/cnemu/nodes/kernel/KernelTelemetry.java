package org.cnemu.nodes.kernel;

import java.util.HashMap;
import java.util.Map;
import org.cnemu.emulator.telemetry.Telemetry;
import org.cnemu.emulator.telemetry.Telemetry.Series;
import org.cnemu.emulator.telemetry.Telemetry.Unit;

/**
 * Live metrics of one host's kernel, write-only: the model publishes here and never reads anything
 * back, and publishing schedules no event, so results are the same with or without a backend.
 * Instruments are looked up once (when the host's first core starts); counters are published as
 * deltas of the model's own totals at most every {@link #INTERVAL} of virtual time, piggybacked on
 * events the host processes anyway (never per packet). Only when a backend other than
 * {@link Telemetry#NOOP} is installed does a host allocate any of this.
 *
 * <p>Series (Prometheus names): {@code cnemu_core_busy_ratio{host,core,category}} (share of the last
 * interval, per mpstat category usr/sys/irq/soft/idle), {@code cnemu_flow_bytes_total{flow}} (goodput
 * bytes read by the receiving application after warm-up, as {@code throughput_gbps} counts them),
 * {@code cnemu_drops_total{host,place,reason}}, {@code cnemu_irqs_total{host}},
 * {@code cnemu_softirqs_total{host,kind}} (NET_RX, NET_TX), and {@code cnemu_flow_latency_seconds{flow}}
 * (request-response / ping-pong transaction latency, recorded per transaction after warm-up, the same
 * values as {@code latency_us} in results.json).
 */
final class KernelTelemetry {
  /** Least virtual time between two publications of the same series. */
  static final long INTERVAL = 100_000;
  static final String[] CATEGORIES = {"usr", "sys", "irq", "soft", "idle"};

  static final Series CORE_BUSY = new Series("cnemu_core_busy_ratio", Unit.NONE,
      "Share of the last 100 us of virtual time a core spent in an mpstat category (usr, sys, irq, soft, idle).");
  static final Series FLOW_BYTES = new Series("cnemu_flow", Unit.BYTES,
      "Bytes the receiving application read after warm-up (goodput, as throughput_gbps counts them).");
  static final Series DROPS = new Series("cnemu_drops", Unit.NONE, "Packets dropped, by host, place and reason.");
  static final Series IRQS = new Series("cnemu_irqs", Unit.NONE, "Hardware interrupts taken (as /proc/interrupts).");
  static final Series SOFTIRQS = new Series("cnemu_softirqs", Unit.NONE,
      "Softirq invocations by kind, NET_RX or NET_TX (as /proc/softirqs).");
  static final Series FLOW_LATENCY = new Series("cnemu_flow_latency", Unit.NANOSECONDS,
      "Transaction latency of request-response and ping-pong flows in virtual time, after warm-up.");

  private final Telemetry t;
  private final HostKernel h;
  private final String host;
  private final Telemetry.Counter irqs;
  private final Telemetry.Counter netRx;
  private final Telemetry.Counter netTx;
  private long pubIrqs, pubNetRx, pubNetTx;
  private final Map<String, Telemetry.Counter> drops = new HashMap<>();
  private final Map<String, Long> pubDrops = new HashMap<>();
  /** Per socket id: goodput counter of receiving sockets (null for senders). */
  private final Telemetry.Counter[] flowBytes;
  private final long[] pubFlowBytes;
  /** Per socket id: latency histogram of request-response clients (null otherwise). */
  final Telemetry.Histogram[] latency;
  private long nextHost;

  private KernelTelemetry(Telemetry t, HostKernel h) {
    this.t = t;
    this.h = h;
    this.host = h.hs.id();
    irqs = t.counter(IRQS, "host", host);
    netRx = t.counter(SOFTIRQS, "host", host, "kind", "NET_RX");
    netTx = t.counter(SOFTIRQS, "host", host, "kind", "NET_TX");
    // the host's drop places, registered up front so dashboards show them at 0
    for (String key : new String[] {"nic_ring|ring_full", "gro_cell|netdev_max_backlog", "backlog|netdev_max_backlog",
        "socket|rcvbuf_full"}) {
      String[] pr = key.split("\\|", 2);
      drops.put(key, t.counter(DROPS, "host", host, "place", pr[0], "reason", pr[1]));
    }
    int n = h.socks.size();
    flowBytes = new Telemetry.Counter[n];
    pubFlowBytes = new long[n];
    latency = new Telemetry.Histogram[n];
    for (Sock k : h.socks) {
      // a connection's goodput is what results.json calls its throughput: for request-response, the
      // response bytes the client reads (under the connection's id), not the requests the server reads
      if (!k.sender && k.flow.reverse()) {
        flowBytes[k.id] = t.counter(FLOW_BYTES, "flow", h.spec.flows.get(k.flow.pair()).id());
      } else if (!k.sender && k.flow.rr() == null) {
        flowBytes[k.id] = t.counter(FLOW_BYTES, "flow", k.flow.id());
      }
      if (k.latency != null) latency[k.id] = t.histogram(FLOW_LATENCY, "flow", k.flow.id());
    }
  }

  /** The host's telemetry, or null when no backend is installed (the default: nothing is allocated). */
  static KernelTelemetry create(Telemetry t, HostKernel h) {
    return t == null || t == Telemetry.NOOP ? null : new KernelTelemetry(t, h);
  }

  /** The busy-ratio gauges of one core, and its accounting at the last publication. */
  final class CoreGauges {
    private final Telemetry.Gauge[] g = new Telemetry.Gauge[5];
    private final long[] last = new long[4];
    private final long[] snap = new long[4];
    private long lastAt;
    long next;

    CoreGauges(int cpu, long now) {
      for (int i = 0; i < 5; i++) {
        g[i] = t.gauge(CORE_BUSY, "host", host, "core", Integer.toString(cpu), "category", CATEGORIES[i]);
      }
      lastAt = now;
      next = now + INTERVAL;
    }

    /** @param acct the core's cumulative ns per category (usr, sys, irq, soft) up to {@code now}, open step included */
    void publish(long now, long[] acct) {
      long span = now - lastAt;
      if (span <= 0) return;
      long busy = 0;
      for (int i = 0; i < 4; i++) {
        long d = Math.max(0, acct[i] - last[i]);
        busy += d;
        g[i].set(Math.min(1.0, d / (double) span));
        last[i] = acct[i];
      }
      g[4].set(Math.max(0.0, 1.0 - busy / (double) span));
      lastAt = now;
      next = now + INTERVAL;
    }

    long[] scratch() {
      return snap;
    }
  }

  CoreGauges core(int cpu, long now) {
    return new CoreGauges(cpu, now);
  }

  /** Publishes the host's counter deltas if {@link #INTERVAL} passed since the last time. */
  void maybePublishHost(long now) {
    if (now < nextHost) return;
    nextHost = now + INTERVAL;
    publishHost();
  }

  /** Publishes the host's counter deltas now (also at the end of the run). */
  void publishHost() {
    irqs.add(h.irqs - pubIrqs);
    pubIrqs = h.irqs;
    netRx.add(h.netRx - pubNetRx);
    pubNetRx = h.netRx;
    netTx.add(h.netTx - pubNetTx);
    pubNetTx = h.netTx;
    for (Map.Entry<String, Long> e : h.drops.entrySet()) {
      String key = e.getKey();
      long prev = pubDrops.getOrDefault(key, 0L);
      if (e.getValue() == prev) continue;
      Telemetry.Counter c = drops.get(key);
      if (c == null) {
        String[] pr = key.split("\\|", 2);
        c = t.counter(DROPS, "host", host, "place", pr[0], "reason", pr.length > 1 ? pr[1] : "");
        drops.put(key, c);
      }
      if (e.getValue() > prev) c.add(e.getValue() - prev);
      pubDrops.put(key, e.getValue());
    }
    for (Sock k : h.socks) {
      Telemetry.Counter c = flowBytes[k.id];
      if (c == null) continue;
      long d = k.goodBytes - pubFlowBytes[k.id];
      if (d > 0) {
        c.add(d);
        pubFlowBytes[k.id] = k.goodBytes;
      }
    }
  }

  /** Drops at a switch's output ports (a switch is its own entity, outside any host), tagged as in results. */
  static final class SwitchDrops {
    private final Telemetry.Counter[] c;
    private final long[] pub;
    private long next;

    SwitchDrops(Telemetry t, String switchId, String[] peerByPort) {
      c = new Telemetry.Counter[peerByPort.length];
      pub = new long[peerByPort.length];
      for (int i = 0; i < peerByPort.length; i++) {
        c[i] = t.counter(DROPS, "host", switchId, "place", switchId + "_port_" + peerByPort[i], "reason",
            "queue_full");
      }
    }

    void maybePublish(long now, long[] dropped, boolean force) {
      if (!force && now < next) return;
      next = now + INTERVAL;
      for (int i = 0; i < c.length && i < dropped.length; i++) {
        if (dropped[i] != pub[i]) {
          c[i].add(dropped[i] - pub[i]);
          pub[i] = dropped[i];
        }
      }
    }
  }
}
