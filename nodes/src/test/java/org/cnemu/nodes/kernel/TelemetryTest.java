package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.cnemu.emulator.telemetry.Telemetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Live telemetry is write-only: identical results with a recording backend, and every series published. */
class TelemetryTest {
  /** Records every instrument by "name{k=v,...}": gauge last value, counter sum, histogram count. */
  static final class Recorder implements Telemetry {
    final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    final Map<String, Double> gauges = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> histograms = new ConcurrentHashMap<>();
    final AtomicLong gaugeSets = new AtomicLong();
    /** Violations seen on the partition threads (asserting there would fail the actor, not the test). */
    final java.util.Queue<String> problems = new java.util.concurrent.ConcurrentLinkedQueue<>();

    static String key(String name, String... tags) {
      StringBuilder b = new StringBuilder(name).append('{');
      for (int i = 0; i + 1 < tags.length; i += 2) b.append(i == 0 ? "" : ",").append(tags[i]).append('=').append(tags[i + 1]);
      return b.append('}').toString();
    }

    /** Every series by name: one name is always declared with the same unit and help text. */
    final Map<String, Series> declared = new ConcurrentHashMap<>();

    private String declare(Series s) {
      Series before = declared.putIfAbsent(s.name(), s);
      if (before != null && !before.equals(s)) problems.add(s + " declared differently before: " + before);
      if (s.help().isBlank()) problems.add(s.name() + " has no help text");
      return s.name();
    }

    @Override
    public Gauge gauge(Series s, String... tags) {
      String name = declare(s);
      String k = key(name, tags);
      gauges.putIfAbsent(k, Double.NaN);
      return v -> {
        if (name.equals("cnemu_core_busy_ratio") && !(v >= 0 && v <= 1.0000001)) problems.add(k + " = " + v);
        gauges.put(k, v);
        gaugeSets.incrementAndGet();
      };
    }

    @Override
    public Counter counter(Series s, String... tags) {
      String name = declare(s);
      AtomicLong a = counters.computeIfAbsent(key(name, tags), x -> new AtomicLong());
      String k = key(name, tags);
      return d -> {
        if (d < 0) problems.add(k + " delta " + d);
        a.addAndGet(d);
      };
    }

    @Override
    public Histogram histogram(Series s, String... tags) {
      String name = declare(s);
      AtomicLong a = histograms.computeIfAbsent(key(name, tags), x -> new AtomicLong());
      return v -> a.incrementAndGet();
    }

    long counter(String key) {
      AtomicLong a = counters.get(key);
      return a == null ? -1 : a.get();
    }

    boolean has(Map<String, ?> m, String prefix) {
      return m.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }
  }

  @AfterEach
  void uninstall() {
    Telemetry.install(null);
  }

  private static Config shortRun(String name, String duration) {
    return Calib.load(name).getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef(duration))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("1ms"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void writeOnlyAndEverySeriesPublished() {
    for (String name : new String[] {"udp-1flow-docker-overlay", "examples/rr-docker-overlay"}) {
      Config e = shortRun(name, "4ms");
      Telemetry.install(null);
      String ref = Calib.run(e, 2, 2).results().toString();
      Recorder rec = new Recorder();
      Telemetry.install(rec);
      Calib.Run r = Calib.run(e, 2, 2);
      Telemetry.install(null);
      assertEquals(ref, r.results().toString(), name + ": results identical with a recording backend");

      assertTrue(rec.problems.isEmpty(), name + ": " + rec.problems);
      assertTrue(rec.gaugeSets.get() > 0, name);
      for (String cat : KernelTelemetry.CATEGORIES) {
        assertTrue(rec.has(rec.gauges, "cnemu_core_busy_ratio{host=h2,core=0,category=" + cat + "}"), name + " " + cat);
      }
      // the counters end equal to the results' totals (published as deltas, the last at the end of the run)
      for (Map<String, Object> h : r.list("hosts")) {
        String id = (String) h.get("id");
        assertEquals(((Number) h.get("irqs")).longValue(), rec.counter("cnemu_irqs{host=" + id + "}"), name + " irqs " + id);
        Map<String, Object> soft = (Map<String, Object>) h.get("softirqs");
        assertEquals(((Number) soft.get("NET_RX")).longValue(), rec.counter("cnemu_softirqs{host=" + id + ",kind=NET_RX}"),
            name + " NET_RX " + id);
        assertEquals(((Number) soft.get("NET_TX")).longValue(), rec.counter("cnemu_softirqs{host=" + id + ",kind=NET_TX}"),
            name + " NET_TX " + id);
      }
      assertTrue(rec.has(rec.counters, "cnemu_drops{host=h2,place=backlog,reason=netdev_max_backlog}"), name);
      for (Map<String, Object> d : (List<Map<String, Object>>) r.results().get("drops")) {
        String k = Recorder.key("cnemu_drops", "host", (String) d.get("host"), "place", (String) d.get("place"), "reason",
            (String) d.get("reason"));
        assertEquals(((Number) d.get("packets")).longValue(), rec.counter(k), name + " " + k);
      }
      assertTrue(rec.has(rec.counters, "cnemu_flow{flow="), name);
      long bytes = rec.counters.entrySet().stream().filter(x -> x.getKey().startsWith("cnemu_flow{"))
          .mapToLong(x -> x.getValue().get()).sum();
      assertTrue(bytes > 0, name + " flow bytes");
      if (name.startsWith("examples/")) {
        long tx = r.list("flows").stream().mapToLong(f -> ((Number) f.get("transactions")).longValue()).sum();
        long recorded = rec.histograms.entrySet().stream().filter(x -> x.getKey().startsWith("cnemu_flow_latency{flow="))
            .mapToLong(x -> x.getValue().get()).sum();
        // a transaction counts when it completes after the warm-up, its latency only when it also started after
        // it: in a closed loop at most one per stream straddles the warm-up's end
        long streams = r.list("flows").size();
        assertTrue(recorded <= tx && tx - recorded <= streams,
            name + ": one latency per transaction started after warm-up: " + recorded + " of " + tx);
      }
    }
  }
}
