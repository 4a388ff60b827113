package org.cnemu.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.ExperimentSpec;
import org.cnemu.experiments.config.LoadedExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu bench scale}: the cost per event as the host count grows, with the same traffic at every
 * size. N native hosts around one switch (40 Gbps / 1 us links), every host sending one 10 Gbps UDP flow
 * of 1472 B datagrams to the next (a ring), profile hotcloud19; the virtual duration shrinks as N grows
 * so every run delivers about the same number of packets. The experiment is generated in code (no file)
 * and run in this process; the table gives wall and CPU nanoseconds per event of the simulation alone
 * (model build and results excluded) and their ratio to the first size.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
    description = {"Run the same traffic on N hosts for each N and print nanoseconds per event.",
        "The traffic is a ring of 10 Gbps UDP flows (~1.58 M delivered packets); the ratio to the first N is printed too."})
public final class BenchScaleCommand implements Callable<Integer> {
  /**
   * Delivered packets per host per virtual millisecond in this scenario (a paced iperf3-like sending thread
   * of 1472 B datagrams, one select() and one write per datagram, is CPU-bound at ~210 kpps on the hotcloud19
   * kernel with its retpolines; measured: 16 hosts, 20 ms, 66,668 packets). Sets the duration per N.
   */
  static final double DELIVERED_PER_HOST_PER_MS = 208.3;

  /** The JIT warm-up run's least virtual time: past the flows' start jitter (100 us by default) and their first packets. */
  static final long WARMUP_MIN_NANOS = 500_000;

  @Option(names = "--hosts", split = ",", defaultValue = "16,64,256,1000,4000,10000",
      description = "Run the star with each of these host counts, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> hosts;

  @Option(names = "--packets", defaultValue = "1580000",
      description = "Aim for N delivered packets in every run, which sets its virtual duration (default: ${DEFAULT-VALUE}).")
  long packets;

  @Option(names = "--duration-us", defaultValue = "0",
      description = "Make every run last N virtual microseconds instead of the duration --packets gives (0: from --packets).")
  long durationMicros;

  @Option(names = "--repeat", defaultValue = "1",
      description = "Repeat N rounds over all sizes, alternating them, and report medians (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--partitions", defaultValue = "1", description = "Split each run into N engine partitions (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--threads", defaultValue = "0", description = "Run on N dispatcher threads (0, the default: one per processor).")
  int threads;

  @Spec
  CommandSpec spec;

  /** The virtual duration that delivers about {@code packets} on {@code hosts} hosts, in whole microseconds. */
  static long durationNanos(int hosts, long packets) {
    double ms = packets / (hosts * DELIVERED_PER_HOST_PER_MS);
    return Math.max(1, Math.round(ms * 1000)) * 1000;
  }

  /** The experiment block of one size: the ring scenario of experiments/bench/star-*.conf. */
  static Config experiment(int hosts, long durationNanos, int partitions) {
    List<Map<String, Object>> flows = new ArrayList<>(hosts);
    for (int i = 1; i <= hosts; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("id", "f" + i);
      f.put("protocol", "udp");
      f.put("src", "h" + i + "/c1");
      f.put("dst", "h" + (i % hosts + 1) + "/c1");
      f.put("message-size", "1472B");
      f.put("rate", "10Gbps");
      flows.add(f);
    }
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("name", "scale-" + hosts);
    e.put("seed", 7);
    e.put("duration", (durationNanos / 1000) + "us");
    e.put("warmup", "0ms");
    e.put("model", "kernel");
    e.put("profile", "hotcloud19");
    e.put("steering", "vanilla");
    // Journeys sample one skb in 1,000 only: the same share of the packets at every N. The default also
    // samples each flow's first 16 skbs, and as the flows get shorter with N (~400 packets each at N = 1,000,
    // ~100 at 4,000) that grew to 4 % and 16 % of the packets: more work per event, not the same traffic.
    e.put("journeys", Map.of("sample-every", 1000, "first", 0));
    e.put("engine", Map.of("partitions", partitions));
    e.put("topology", Map.of("stack", "native", "host-count", hosts, "link", Map.of("rate", "40Gbps", "delay", "1us")));
    e.put("workloads", flows);
    // named, so a problem with it says what it is (not "hardcoded value")
    return ConfigValueFactory.fromMap(Map.of("experiment", e), "bench scale's experiment for N = " + hosts).toConfig();
  }

  /** One measured run. */
  record Point(int hosts, long durationNanos, long events, long delivered, double wallSeconds, double cpuSeconds,
      boolean balanced, long peakHeapBytes, long gcMillis, long allocatedBytes) {
    double wallNanosPerEvent() {
      return wallSeconds * 1e9 / events;
    }

    double cpuNanosPerEvent() {
      return cpuSeconds * 1e9 / events;
    }

    /**
     * Events per delivered packet: the sizes' runs carry the same traffic but not always as many events per packet
     * (docs/benchmarks.md, "Twelfth round"), and where they differ, ns per event compares different work.
     */
    double eventsPerPacket() {
      return delivered == 0 ? Double.NaN : (double) events / delivered;
    }

    /** CPU ns of the simulation thread per delivered packet: the same traffic's cost, whatever its events. */
    double cpuNanosPerPacket() {
      return delivered == 0 ? Double.NaN : cpuSeconds * 1e9 / delivered;
    }

    /** Bytes this thread allocated per event: unlike time, the same on a busy machine as on an idle one. */
    double allocatedBytesPerEvent() {
      return allocatedBytes < 0 ? Double.NaN : (double) allocatedBytes / events;
    }
  }

  @Override
  public Integer call() {
    if (hosts.isEmpty() || hosts.stream().anyMatch(h -> h < 2)) {
      throw new ParameterException(spec.commandLine(), "--hosts: every size must be >= 2");
    }
    if (durationMicros < 0) throw new ParameterException(spec.commandLine(), "--duration-us must be >= 0");
    if (packets < 1) throw new ParameterException(spec.commandLine(), "--packets must be >= 1");
    if (repeat < 1) throw new ParameterException(spec.commandLine(), "--repeat must be >= 1");
    if (partitions < 1) throw new ParameterException(spec.commandLine(), "--partitions must be >= 1");
    if (threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 0");
    PrintWriter out = spec.commandLine().getOut();
    ExperimentLoader loader = new ExperimentLoader();
    int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    out.printf(Locale.ROOT, "scale: ring of 10 Gbps UDP flows (1472 B), native, hotcloud19, %d partition(s), ~%,d delivered"
        + " packets per run; %d processors, load average %.1f at start%n", partitions, packets,
        Runtime.getRuntime().availableProcessors(), loadAverage());
    out.flush();

    // JIT warm-up on the smallest size, a tenth of the traffic; not reported. At least WARMUP_MIN_NANOS of virtual
    // time: a tenth of the traffic on thousands of hosts alone would end before the flows start (start-jitter)
    int smallest = hosts.stream().min(Integer::compare).orElseThrow();
    long warmNanos = Math.max(WARMUP_MIN_NANOS, durationNanos(smallest, Math.max(1, packets / 10)));
    Point warm = runOnce(loader, smallest, 0, warmNanos, t);
    if (warm == null) return ExitCodes.FAILURE;

    List<List<Point>> byHost = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) byHost.add(new ArrayList<>());
    for (int r = 0; r < repeat; r++) {
      for (int i = 0; i < hosts.size(); i++) {
        Point p = runOnce(loader, hosts.get(i), packets, durationMicros * 1000, t);
        if (p == null) return ExitCodes.FAILURE;
        byHost.get(i).add(p);
        out.printf(Locale.ROOT, "  round %d, N = %d: %,d events, %,d delivered in %.2f s wall, %.2f s CPU: %.0f ns/event (CPU %.0f), %.1f B allocated/event;"
            + " %.2f events and %.0f CPU ns per delivered packet; GC %,d ms; conservation %s, peak heap %,d MiB; load average %.1f%n",
            r + 1, p.hosts(), p.events(), p.delivered(), p.wallSeconds(), p.cpuSeconds(), p.wallNanosPerEvent(),
            p.cpuNanosPerEvent(), p.allocatedBytesPerEvent(), p.eventsPerPacket(), p.cpuNanosPerPacket(), p.gcMillis(),
            p.balanced() ? "balanced" : "NOT BALANCED", p.peakHeapBytes() >> 20, loadAverage());
        out.flush();
      }
    }

    out.printf(Locale.ROOT, "%n| N | virtual ms | events | delivered | wall s (simulation) | events / s | ns per event | vs N = %d"
        + " | CPU ns per event | CPU vs N = %d | peak heap MiB |%n", hosts.get(0), hosts.get(0));
    out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    double baseWall = 0;
    double baseCpu = 0;
    for (int i = 0; i < hosts.size(); i++) {
      List<Point> ps = byHost.get(i);
      Point any = ps.get(0);
      double wall = median(ps.stream().mapToDouble(Point::wallSeconds).toArray());
      double nsWall = median(ps.stream().mapToDouble(Point::wallNanosPerEvent).toArray());
      double nsCpu = median(ps.stream().mapToDouble(Point::cpuNanosPerEvent).toArray());
      if (i == 0) {
        baseWall = nsWall;
        baseCpu = nsCpu;
      }
      long peak = ps.stream().mapToLong(Point::peakHeapBytes).max().orElse(0);
      out.printf(Locale.ROOT, "| %,d | %.3f | %,d | %,d | %.2f | %.2f M | %.0f | %.2fx | %.0f | %.2fx | %,d |%n", any.hosts(),
          any.durationNanos() / 1e6, any.events(), any.delivered(), wall, any.events() / wall / 1e6, nsWall,
          nsWall / baseWall, nsCpu, nsCpu / baseCpu, peak >> 20);
    }
    out.printf(Locale.ROOT, "(medians of %d; wall and CPU time of the simulation alone; CPU = this thread's%s; peak heap ="
        + " the largest sum of the heap pools' peaks over a size's runs, model build included; load average %.1f at the end)%n",
        repeat, partitions == 1 ? "" : ", which with several partitions leaves out the others", loadAverage());
    out.flush();
    return ExitCodes.OK;
  }

  /** Builds and runs one size; null (after printing why) if the generated experiment or the run failed. */
  private Point runOnce(ExperimentLoader loader, int n,
      long packetsWanted, long fixedDurationNanos, int threadCount) {
    long duration = fixedDurationNanos > 0 ? fixedDurationNanos : durationNanos(n, packetsWanted);
    Config resolved = experiment(n, duration, partitions).withFallback(loader.reference()).resolve();
    LoadedExperiment loaded = loader.load(resolved, "bench scale (N = " + n + ")");
    if (!loaded.ok()) {
      Output.problems(spec.commandLine().getErr(), loaded.problems());
      return null;
    }
    ExperimentSpec.Point point = loaded.spec().points().get(0);
    EngineSettings s = point.settings();
    System.gc(); // the previous size's model is garbage: start each size's peak from its own heap
    List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(m -> m.getType() == MemoryType.HEAP).toList();
    heap.forEach(MemoryPoolMXBean::resetPeakUsage);
    SimulationBuilder builder = new SimulationBuilder(s.seed(), 0, s.partitions(), s.placement());
    BuiltModel model = point.model().build(builder);
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    long gc0 = gcMillis();
    long c0 = cpu.getCurrentThreadCpuTime();
    long a0 = allocatedBytes();
    long t0 = System.nanoTime(); // wall clock: this measures the emulator, not model time
    SimulationResult r;
    try {
      r = Simulation.run(builder, s.durationNanos(), threadCount, null, ConfigFactory.empty());
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("error: N = " + n + ": run failed: " + e.getMessage());
      return null;
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpuSeconds = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;
    long allocated = a0 < 0 ? -1 : allocatedBytes() - a0;
    long gc = gcMillis() - gc0;
    long peakHeap = heap.stream().mapToLong(m -> m.getPeakUsage().getUsed()).sum();
    Map<String, Object> results = model.results(r);
    long delivered = BenchStarCommand.delivered(results);
    boolean balanced = results.get("conservation") instanceof Map<?, ?> c && Boolean.TRUE.equals(c.get("balanced"));
    return new Point(n, duration, r.events(), delivered, wall, cpuSeconds, balanced, peakHeap, gc, allocated);
  }

  /**
   * Bytes the calling thread allocated so far, or -1 where the JVM does not tell (HotSpot does): with
   * one partition the simulation runs on this thread, so the difference is the simulation's allocation.
   */
  private static long allocatedBytes() {
    return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()
        ? t.getCurrentThreadAllocatedBytes() : -1;
  }

  /**
   * Time the collectors took so far (ms, wall): the simulation thread's CPU time leaves out collections,
   * which run on the JVM's own thread, so the per-run line prints them beside it.
   */
  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
  }

  private static double median(double[] xs) {
    double[] a = xs.clone();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
