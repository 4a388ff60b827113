package org.cnemu.experiments.ui;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The end of a single run's terminal summary, from results.json's generic sections: the busiest cores first
 * (the top {@link #TOP} overall, with what keeps them busy), one compact line per host (its busiest cores; at
 * most {@link #HOST_LINES} hosts, the busiest, so 1,000 hosts stay a screenful), packet conservation in words
 * with where packets were dropped, and where the latency goes for the flow with the highest p99.
 */
public final class RunDigest {
  static final int TOP = 8;
  static final int HOST_LINES = 12;
  static final int PER_HOST = 3;
  /** A core below this busy share is idle for the summary. */
  static final double BUSY_PCT = 1.0;

  private RunDigest() {}

  record Core(String host, int core, double usr, double sys, double irq, double soft) {
    double busy() {
      return usr + sys + irq + soft;
    }

    String name() {
      return host + "/" + core;
    }

    /** What keeps it busy, largest first: "softirq 92%, irq 2%". */
    String what() {
      List<Object[]> parts = new ArrayList<>(List.of(new Object[] {"softirq", soft}, new Object[] {"sys", sys},
          new Object[] {"usr", usr}, new Object[] {"irq", irq}));
      parts.sort(Comparator.comparingDouble((Object[] p) -> -(Double) p[1]));
      StringBuilder b = new StringBuilder();
      for (Object[] p : parts) {
        if ((Double) p[1] < 0.5) continue;
        b.append(b.length() > 0 ? ", " : "").append(p[0]).append(' ').append(pct((Double) p[1]));
      }
      return b.toString();
    }
  }

  public static void print(PrintWriter out, Map<String, Object> doc) {
    List<Core> cores = new ArrayList<>();
    for (Map<String, Object> c : rows(doc.get("cores"))) {
      cores.add(new Core(String.valueOf(c.get("host")), num(c.get("core")).intValue(), d(c.get("usr")), d(c.get("sys")),
          d(c.get("irq")), d(c.get("soft"))));
    }
    List<Core> busy = new ArrayList<>(cores.stream().filter(c -> c.busy() >= BUSY_PCT).toList());
    // ties by host in natural order (h2 before h10), then core
    busy.sort(Comparator.comparingDouble((Core c) -> -c.busy()).thenComparing(Core::host, Format.NATURAL)
        .thenComparingInt(Core::core));
    if (!cores.isEmpty()) {
      out.println();
      if (busy.isEmpty()) {
        out.println("busiest cores: none of the " + cores.size() + " cores was busy " + pct(BUSY_PCT) + " or more.");
      } else {
        out.println("busiest cores (" + Math.min(TOP, busy.size()) + " of " + busy.size() + " busy, " + cores.size()
            + " in all):");
        SummaryTable.Table t = new SummaryTable.Table(List.of("core", "busy", "softirq", "irq", "sys", "usr"));
        for (Core c : busy.subList(0, Math.min(TOP, busy.size()))) {
          t.row(List.of(c.name(), pct(c.busy()), pct(c.soft()), pct(c.irq()), pct(c.sys()), pct(c.usr())));
        }
        t.print(out);
        perHost(out, busy);
      }
    }
    oversubscribed(out, doc, cores);
    conservation(out, doc);
    latency(out, doc);
  }

  /**
   * Hosts whose app threads outnumber their cores (a host's {@code app_threads}, present only then): the kernel
   * model pins each thread to one core for the whole run (no load balancing), so some cores time-share threads
   * whatever the others do.
   */
  private static void oversubscribed(PrintWriter out, Map<String, Object> doc, List<Core> cores) {
    Map<String, Integer> coresOf = new LinkedHashMap<>();
    for (Core c : cores) coresOf.merge(c.host(), 1, Integer::sum);
    java.util.TreeMap<String, String> byHost = new java.util.TreeMap<>(Format.NATURAL); // h2 before h10
    for (Map<String, Object> h : rows(doc.get("hosts"))) {
      if (!(h.get("app_threads") instanceof Number t)) continue;
      String id = String.valueOf(h.get("id"));
      byHost.put(id, id + " " + t.intValue() + " on " + coresOf.getOrDefault(id, 0));
    }
    if (byHost.isEmpty()) return;
    List<String> over = new ArrayList<>(byHost.values());
    out.println();
    out.println((over.size() == 1 ? "1 host has" : over.size() + " hosts have") + " more app threads than cores ("
        + String.join(", ", over.subList(0, Math.min(PER_HOST, over.size()))) + (over.size() > PER_HOST ? ", ..." : "")
        + "): each thread stays on the core it was placed on (src-cpu / dst-cpu, or round-robin from the highest),"
        + " threads do not migrate, so cores run several while others may idle.");
  }

  /** One line per host with busy cores: the busiest host first, at most {@link #HOST_LINES}. */
  private static void perHost(PrintWriter out, List<Core> busy) {
    LinkedHashMap<String, List<Core>> byHost = new LinkedHashMap<>();
    for (Core c : busy) byHost.computeIfAbsent(c.host(), k -> new ArrayList<>()).add(c);
    if (byHost.size() < 2) return;
    out.println("per host (busiest cores, what keeps them busy):");
    int n = 0;
    for (Map.Entry<String, List<Core>> e : byHost.entrySet()) {
      if (n++ == HOST_LINES) {
        out.println("  ... " + (byHost.size() - HOST_LINES) + " more hosts with busy cores (cores.csv, report.html)");
        break;
      }
      List<Core> l = e.getValue();
      StringBuilder b = new StringBuilder("  " + e.getKey() + ": " + l.size() + " busy; ");
      for (int i = 0; i < Math.min(PER_HOST, l.size()); i++) {
        Core c = l.get(i);
        b.append(i > 0 ? "; " : "").append("core ").append(c.core()).append(' ').append(pct(c.busy())).append(" (")
            .append(c.what()).append(')');
      }
      out.println(b);
    }
  }

  /** "sent = delivered + dropped + in flight" in words, and the drops by place. */
  private static void conservation(PrintWriter out, Map<String, Object> doc) {
    if (!(doc.get("conservation") instanceof Map<?, ?> c)) return;
    long sent = num(c.get("sent")).longValue(), delivered = num(c.get("delivered")).longValue();
    long dropped = num(c.get("dropped")).longValue(), inFlight = num(c.get("in_flight")).longValue();
    out.println();
    boolean ok = Boolean.TRUE.equals(c.get("balanced"));
    out.println(String.format(Locale.ROOT, "packets: %,d sent = %,d delivered + %,d dropped + %,d still in flight%s",
        sent, delivered, dropped, inFlight, ok ? " (conserved)." : " -- NOT BALANCED: " + (sent - delivered - dropped - inFlight)
            + " packets unaccounted for."));
    TreeMap<String, Long> byPlace = new TreeMap<>();
    for (Map<String, Object> d : rows(doc.get("drops"))) {
      byPlace.merge(d.get("place") + " (" + d.get("reason") + ")", num(d.get("packets")).longValue(), Long::sum);
    }
    if (!byPlace.isEmpty()) {
      List<Map.Entry<String, Long>> l = new ArrayList<>(byPlace.entrySet());
      l.sort(Map.Entry.<String, Long>comparingByValue().reversed());
      StringBuilder b = new StringBuilder("dropped at: ");
      for (int i = 0; i < Math.min(6, l.size()); i++) {
        b.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%,d", l.get(i).getValue())).append(" at ")
            .append(l.get(i).getKey());
      }
      if (l.size() > 6) b.append(", ... (drops.csv)");
      out.println(b);
    }
  }

  /** The flow with the highest sampled p99 and the stage that holds the largest share of it. */
  private static void latency(PrintWriter out, Map<String, Object> doc) {
    if (!(doc.get("journeys") instanceof Map<?, ?> j)) return;
    Map<String, Object> worst = null;
    for (Map<String, Object> f : rows(j.get("flows"))) {
      if (worst == null || num(f.get("e2e_p99_ns")).longValue() > num(worst.get("e2e_p99_ns")).longValue()) worst = f;
    }
    if (worst == null) return;
    Map<String, Object> top = null;
    for (Map<String, Object> s : rows(worst.get("stages"))) {
      if (top == null || d(s.get("share")) > d(top.get("share"))) top = s;
    }
    out.println();
    // A journey is one way (a packet's send to the receiving application's read); a request-response or ping-pong
    // connection's latency_us is the round trip, and sockperf reports half of that: each figure says which it is.
    // fewer journeys than a p99 needs: their p99 is the largest of them, which the tables show as "-" (the run's
    // table printed one_way_p99_us 208.0 from 192 samples beside this line's "p99, 207us" of 16 journeys)
    long packets = num(worst.get("packets")).longValue();
    long need = org.cnemu.emulator.model.ModelMetric.samplesToResolve(0.99);
    String figure = packets >= need
        ? "has the highest one-way p99, " + Format.nanos(num(worst.get("e2e_p99_ns")).longValue())
            + " from send to the receiver's read (" + packets + " sampled packets"
        : "has the slowest sampled packet, " + Format.nanos(num(worst.get("e2e_p99_ns")).longValue())
            + " from send to the receiver's read (the largest of " + packets + " sampled packets, too few for a p99: needs "
            + need;
    out.println("where the latency goes: flow " + worst.get("flow") + " " + figure
        + roundTrip(doc, String.valueOf(worst.get("flow"))) + "); "
        + (top == null ? "" : pct(d(top.get("share")) * 100) + " of the one-way time in " + top.get("stage")
            + " (queueing p99 " + Format.nanos(num(top.get("wait_p99_ns")).longValue()) + ", on " + top.get("where") + ")."));
  }

  /**
   * "; its connection's round trip p99 is 31.1us, half of it 15.6us as sockperf reports" for a request or
   * response flow of a connection with a round-trip latency, else "".
   */
  private static String roundTrip(Map<String, Object> doc, String flow) {
    String connection = flow.endsWith(RESPONSE_SUFFIX) ? flow.substring(0, flow.length() - RESPONSE_SUFFIX.length()) : flow;
    for (Map<String, Object> f : rows(doc.get("flows"))) {
      if (!connection.equals(f.get("id")) || !(f.get("latency_us") instanceof Map<?, ?> rtt)) continue;
      if (!(rtt.get("p99") instanceof Number p99)) return "";
      long need = org.cnemu.emulator.model.ModelMetric.samplesToResolve(0.99);
      if (f.get("latency_samples") instanceof Number n && n.longValue() < need) {
        // the tables show "-" for such a p99 (it is the largest sample): say so here rather than quote it as a p99
        return String.format(Locale.ROOT, "; its connection's round trip has %,d samples, too few for a p99 (needs %,d):"
            + " their largest is %s", n.longValue(), need, Format.nanos(Math.round(p99.doubleValue() * 1000)));
      }
      String half = f.get("half_round_trip_us") instanceof Map<?, ?> h && h.get("p99") instanceof Number hp
          ? ", half of it " + Format.nanos(Math.round(hp.doubleValue() * 1000)) + " as sockperf reports" : "";
      return "; its connection's round trip p99 is " + Format.nanos(Math.round(p99.doubleValue() * 1000)) + half;
    }
    return "";
  }

  /**
   * The line under a table that shows latency metrics, saying which figure is a round trip and which one way
   * (sockperf prints half the round trip as its latency), or null when it shows none.
   */
  public static String latencyLegend(java.util.Collection<String> metrics) {
    boolean rtt = metrics.stream().anyMatch(m -> m.contains("latency_p"));
    List<String> oneWay = new ArrayList<>();
    if (metrics.stream().anyMatch(m -> m.contains("one_way_p"))) oneWay.add("one_way_*");
    if (metrics.stream().anyMatch(m -> m.contains("journey_e2e_"))) oneWay.add("journey_e2e_* (sampled packets)");
    if (!rtt && oneWay.isEmpty()) return null;
    List<String> parts = new ArrayList<>();
    if (rtt) parts.add("latency_*: round trip, request sent to response read (sockperf prints half of it: half_round_trip_us"
        + " in results.json)");
    if (!oneWay.isEmpty()) parts.add(String.join(", ", oneWay) + ": one way, send to the receiver's read");
    return "note: " + String.join("; ", parts);
  }

  /** What a response flow's id adds to its connection's (docs/datapath.md: request id, response id.resp). */
  static final String RESPONSE_SUFFIX = ".resp";

  static String pct(double v) {
    return String.format(Locale.ROOT, v >= 10 || v == 0 ? "%.0f%%" : "%.1f%%", v);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rows(Object o) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (o instanceof List<?> l) for (Object x : l) if (x instanceof Map<?, ?> m) out.add((Map<String, Object>) m);
    return out;
  }

  private static Number num(Object o) {
    return o instanceof Number n ? n : 0;
  }

  private static double d(Object o) {
    return num(o).doubleValue();
  }
}
