package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cnemu.emulator.EntityReport;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.model.BuiltModel;

/** Turns the end reports of hosts, cores and the switch into the results.json sections. */
final class KernelResults implements BuiltModel {
  private final Spec spec;
  /** App threads per host index (each pinned to its core for the whole run). */
  private final int[] appThreads;

  KernelResults(Spec spec, int[] appThreads) {
    this.spec = spec;
    this.appThreads = appThreads;
  }

  /**
   * The app threads of host {@code id} when they outnumber its cores, else -1. Threads never migrate (no CFS load
   * balancing), so such a host has cores that time-share threads beside idle ones; reported only then, so a run of
   * no such host writes the keys it always wrote.
   */
  private int oversubscribed(String id) {
    Integer i = spec.hostIndex.get(id);
    if (i == null) return -1;
    Spec.HostSpec hs = spec.hosts.get(i);
    return appThreads[hs.index()] > hs.cpus() ? appThreads[hs.index()] : -1;
  }

  private static Map<String, Object> device(String host, String dev, String kind, long rx, long tx,
      Map<String, Long> dropsBy, String place) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", host);
    m.put("device", dev);
    m.put("kind", kind);
    m.put("rx_packets", rx);
    m.put("tx_packets", tx);
    m.put("drops", dropsBy.getOrDefault(place, 0L));
    return m;
  }

  private static double r3(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }

  @Override
  public Map<String, Object> results(SimulationResult result) {
    TreeMap<String, HostResults.HostReport> hosts = new TreeMap<>();
    List<CoreEntity.CoreReport> cores = new ArrayList<>();
    TreeMap<String, SwitchEntity.SwitchReport> sws = new TreeMap<>();
    for (EntityReport er : result.reports()) {
      Object r = er.report();
      if (r instanceof HostResults.HostReport h) hosts.put(h.id(), h);
      else if (r instanceof CoreEntity.CoreReport c) cores.add(c);
      else if (r instanceof SwitchEntity.SwitchReport s) sws.put(s.id(), s);
    }
    cores.sort((a, b) -> a.host().equals(b.host()) ? Integer.compare(a.core(), b.core()) : a.host().compareTo(b.host()));
    double secs = Math.max(1, spec.durationNanos - spec.warmupNanos) / 1e9;
    // flows
    HostResults.FlowSide[] snd = new HostResults.FlowSide[spec.flows.size()];
    HostResults.FlowSide[] rcv = new HostResults.FlowSide[spec.flows.size()];
    for (HostResults.HostReport h : hosts.values()) {
      for (HostResults.FlowSide f : h.flows()) {
        if (f.sender()) snd[f.flow()] = f;
        else rcv[f.flow()] = f;
      }
    }
    List<Object> flows = new ArrayList<>();
    for (Spec.FlowSpec f : spec.flows) {
      if (f.reverse()) continue; // reported inside its request flow
      Map<String, Object> m = new LinkedHashMap<>();
      HostResults.FlowSide s = snd[f.index()];
      HostResults.FlowSide d = rcv[f.index()];
      m.put("id", f.id());
      m.put("protocol", f.udp() ? "udp" : "tcp");
      m.put("src", f.src());
      m.put("dst", f.dst());
      m.put("priority", f.prioName());
      m.put("throughput_gbps", r3(d == null ? 0 : d.goodBytes() * 8 / secs / 1e9));
      m.put("packets_sent", s == null ? 0 : s.sentSegs());
      m.put("packets_delivered", d == null ? 0 : d.deliveredSegs());
      m.put("retransmits", s == null ? 0 : s.retransSegs());
      m.put("out_of_order", d == null ? 0 : d.oooSegs());
      m.put("kind", f.kind());
      if (!f.udp()) m.put("congestion_control", f.congestionControl());
      // TCP: data segments the sender put on the wire after the warm-up, retransmissions included (ACKs
      // travel the other way and are not counted); UDP: the IP packets of the datagrams its reader took after the
      // warm-up (a request-response flow's requests are sized by its key and value sizes, not message-size)
      m.put("packet_rate_kpps", r3(!f.udp() ? (s == null ? 0 : s.wireSegs() / secs / 1e3)
          : d == null ? 0 : d.goodSegs() / secs / 1e3));
      if (f.rr() != null) {
        HostResults.FlowSide rs = snd[f.pair()];
        HostResults.FlowSide rd = rcv[f.pair()];
        m.put("transactions", s == null ? 0 : s.transactions());
        m.put("transactions_per_sec", r3(s == null ? 0 : s.transactions() / secs));
        if (s != null && s.connections() >= 0) { // connection churn (connection = "per-request")
          m.put("connections", s.connections());
          m.put("connections_per_sec", r3(s.connections() / secs));
          m.put("connect_failures", s.connectFailures());
          if (s.connLatencyUs() != null) {
            Map<String, Object> cl = new LinkedHashMap<>();
            cl.put("p50", s.connLatencyUs()[0]);
            cl.put("p99", s.connLatencyUs()[1]);
            m.put("connection_latency_us", cl);
            // the connections its percentiles were taken from (opened after the warm-up, closed)
            m.put("connection_latency_samples", s.connLatencySamples());
          }
        }
        m.put("request_gbps", m.get("throughput_gbps"));
        // goodput of a connection = response bytes read by the client
        m.put("throughput_gbps", r3(rd == null ? 0 : rd.goodBytes() * 8 / secs / 1e9));
        m.put("response_packets_sent", rs == null ? 0 : rs.sentSegs());
        m.put("response_packets_delivered", rd == null ? 0 : rd.deliveredSegs());
        m.put("retransmits", (s == null ? 0 : s.retransSegs()) + (rs == null ? 0 : rs.retransSegs()));
        if (f.udp()) m.put("messages_lost", s == null ? 0 : s.lost());
        double[] l = s == null ? null : s.latencyUs();
        if (l != null) {
          Map<String, Object> lat = new LinkedHashMap<>();
          lat.put("p50", l[0]);
          lat.put("p90", l[1]);
          lat.put("p99", l[2]);
          lat.put("p999", l[3]);
          m.put("latency_us", lat);
          // the transactions its percentiles were taken from: fewer than `transactions` by those that started
          // before the warm-up's end (counted when their response is read, not sampled)
          m.put("latency_samples", s.latencySamples());
          // sockperf's figure: half the round trip
          Map<String, Object> half = new LinkedHashMap<>();
          for (Map.Entry<String, Object> e : lat.entrySet()) {
            half.put(e.getKey(), Math.round((Double) e.getValue() * 50.0) / 100.0);
          }
          m.put("half_round_trip_us", half);
          // The latency CDF (HdrHistogram, 3 significant digits): [microseconds, fraction <= it].
          List<Object> cdf = new ArrayList<>();
          for (int i = 0; i < HostResults.CDF_PERCENTILES.length && 4 + i < l.length; i++) {
            cdf.add(List.of(l[4 + i], HostResults.CDF_PERCENTILES[i] / 100.0));
          }
          if (!cdf.isEmpty()) m.put("latency_cdf_us", cdf);
        }
        d = rd; // the series of a connection is its response goodput
      }
      if (d != null) {
        List<Object> ser = new ArrayList<>();
        double binMs = spec.seriesNanos / 1e6;
        for (int i = 0; i < d.series().length; i++) {
          Map<String, Object> pt = new LinkedHashMap<>();
          double t0 = i * binMs;
          double width = Math.min(binMs, spec.durationNanos / 1e6 - t0);
          pt.put("t_ms", r3(t0 + width));
          pt.put("gbps", r3(width <= 0 ? 0 : d.series()[i] * 8 / (width * 1e6)));
          ser.add(pt);
        }
        m.put("throughput_series", ser);
      }
      if (!f.udp() && s != null) {
        m.put("cwnd_bytes", s.cwnd());
        m.put("srtt_us", r3(s.srttNanos() / 1e3));
        // cwnd reductions undone as spurious (D-SACK), and the reordering degree the sender adapted to
        m.put("spurious_undos", s.undos());
        m.put("reordering", s.reordering());
      }
      flows.add(m);
    }
    List<Object> coreList = new ArrayList<>();
    for (CoreEntity.CoreReport c : cores) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", c.host());
      m.put("core", c.core());
      m.put("usr", r3(c.usr()));
      m.put("sys", r3(c.sys()));
      m.put("irq", r3(c.irq()));
      m.put("soft", r3(c.soft()));
      m.put("idle", r3(c.idle()));
      coreList.add(m);
    }
    // Busy cores per host, in one pass (a scan of every core per host was quadratic: seconds at 10,000 hosts);
    // each host's sum adds its cores in the same order as before, so the value is the same to the bit.
    Map<String, double[]> busyByHost = new java.util.HashMap<>();
    for (CoreEntity.CoreReport c : cores) busyByHost.computeIfAbsent(c.host(), k -> new double[1])[0] += 100 - c.idle();
    List<Object> hostList = new ArrayList<>();
    List<Object> drops = new ArrayList<>();
    long sent = 0, delivered = 0, dropped = 0, inQueues = 0;
    for (HostResults.HostReport h : hosts.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", h.id());
      m.put("irqs", h.irqs());
      // of which TX completion events (mlx4_en_tx_irq on the vector the TX CQ shares with an RX ring)
      m.put("irqs_tx_completion", h.txIrqs());
      m.put("tx_queue_stops", h.txStops());
      Map<String, Object> soft = new LinkedHashMap<>();
      soft.put("NET_RX", h.netRx());
      soft.put("NET_TX", h.netTx());
      m.put("softirqs", soft);
      m.put("ipis", h.ipis());
      // /proc/interrupts' LOC line: the scheduler ticks of the busy cores and the timed sleeps' hrtimer interrupts
      m.put("irqs_local_timer", h.localTimerIrqs());
      m.put("ticks", h.ticks());
      Map<String, Object> dev = new LinkedHashMap<>();
      dev.put("nic_rx_packets", h.nicRx());
      dev.put("nic_tx_packets", h.nicTx());
      dev.put("vxlan_rx_packets", h.vxlanRx());
      dev.put("vxlan_tx_packets", h.vxlanTx());
      dev.put("gro_cell_skbs", h.groCellSkbs());
      dev.put("bridge_skbs", h.bridgeSkbs());
      dev.put("veth_skbs", h.vethSkbs());
      dev.put("backlog_skbs", h.backlogSkbs());
      m.put("devices", dev);
      double[] busy = busyByHost.get(h.id());
      double cpuSum = busy == null ? 0 : busy[0];
      m.put("cpu_busy_cores", r3(cpuSum / 100));
      int threads = oversubscribed(h.id());
      if (threads > 0) m.put("app_threads", threads);
      if (h.steerKeys().length > 0) m.put("steering", h.steering());
      hostList.add(m);
      for (int i = 0; i < h.dropKeys().length; i++) {
        String[] pr = h.dropKeys()[i].split("\\|", 2);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("host", h.id());
        d.put("place", pr[0]);
        d.put("reason", pr[1]);
        d.put("packets", h.dropCounts()[i]);
        drops.add(d);
        dropped += h.dropCounts()[i];
      }
      sent += h.sent();
      delivered += h.delivered();
      inQueues += h.inQueues();
    }
    // switches in fabric order (star: switch; leaf-spine: leaf1.., spine1..): drops per port, and the
    // `switches` section (per port: forwarded packets and payload bytes, drops, peak queue bytes)
    List<Object> switches = new ArrayList<>();
    for (FabricSpec.Switch fs : spec.fabric.switches) {
      SwitchEntity.SwitchReport sw = sws.get(fs.id());
      if (sw == null) continue;
      Map<String, Object> sm = new LinkedHashMap<>();
      List<Object> ports = new ArrayList<>();
      long fwd = 0, drp = 0;
      for (int i = 0; i < fs.ports().size(); i++) {
        FabricSpec.Port pt = fs.ports().get(i);
        long n = sw.dropped()[i];
        fwd += sw.forwarded()[i];
        drp += n;
        Map<String, Object> pm = new LinkedHashMap<>();
        pm.put("port", pt.peer());
        pm.put("rate_gbps", r3(pt.rateBps() / 1e9));
        pm.put("forwarded", sw.forwarded()[i]);
        pm.put("forwarded_bytes", sw.bytes()[i]);
        pm.put("dropped", n);
        pm.put("peak_queue_bytes", sw.peakQueue()[i]);
        ports.add(pm);
        if (n == 0) continue;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("host", fs.id());
        d.put("place", fs.id() + "_port_" + pt.peer());
        d.put("reason", "queue_full");
        d.put("packets", n);
        drops.add(d);
        dropped += n;
      }
      sm.put("id", fs.id());
      sm.put("kind", fs.kind());
      sm.put("forwarded", fwd);
      sm.put("dropped", drp);
      sm.put("ports", ports);
      switches.add(sm);
    }
    long inFlight = result.pendingPackets() + inQueues;
    Map<String, Object> cons = new LinkedHashMap<>();
    cons.put("sent", sent);
    cons.put("delivered", delivered);
    cons.put("dropped", dropped);
    cons.put("in_flight", inFlight);
    cons.put("balanced", sent == delivered + dropped + inFlight);
    cons.put("in_flight_events", result.pendingPackets());
    cons.put("in_flight_queues", inQueues);
    List<Object> devices = new ArrayList<>();
    for (HostResults.HostReport h : hosts.values()) {
      org.cnemu.devices.StackKind stack = spec.hosts.get(spec.hostIndex.get(h.id())).stack();
      Map<String, Long> dropsBy = new TreeMap<>();
      for (int i = 0; i < h.dropKeys().length; i++) dropsBy.merge(h.dropKeys()[i].split("\\|", 2)[0], h.dropCounts()[i], Long::sum);
      devices.add(device(h.id(), "eth0", "pnic", h.nicRx(), h.nicTx(), dropsBy, "nic_ring"));
      if (stack.overlay()) {
        devices.add(device(h.id(), "vxlan0", "vxlan", h.vxlanRx(), h.vxlanTx(), dropsBy, "gro_cell"));
      }
      if (stack == org.cnemu.devices.StackKind.DOCKER_OVERLAY) {
        devices.add(device(h.id(), "docker0", "bridge", h.bridgeSkbs(), h.bridgeSkbs(), dropsBy, "bridge"));
        devices.add(device(h.id(), "veth", "veth", h.vethSkbs(), h.vethSkbs(), dropsBy, "veth"));
      }
      devices.add(device(h.id(), "backlog", "backlog", h.backlogSkbs(), h.backlogSkbs(), dropsBy, "backlog"));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("flows", flows);
    out.put("cores", coreList);
    out.put("hosts", hostList);
    out.put("drops", drops);
    out.put("devices", devices);
    out.put("conservation", cons);
    out.put("switches", switches);
    if (spec.journeyEvery > 0) out.put("journeys", JourneyResults.section(spec, hosts.values()));
    return out;
  }
}
