package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU cost of journeys (not a test): java ... JourneyBench FILE REPS EVERY... runs FILE (one partition, so the
 * whole simulation runs on this thread) with each sample-every in turn, REPS rounds, interleaved, after a
 * warm-up, and prints this thread's CPU seconds per run (median, min) and the ratio to the first setting, and
 * the bytes it allocated per run (median): unlike CPU time, that does not depend on the machine's load.
 */
final class JourneyBench {
  private JourneyBench() {}

  public static void main(String[] a) throws Exception {
    Config base = ConfigFactory.parseFile(new File(a[0])).withFallback(ConfigFactory.defaultReference()).resolve()
        .getConfig("experiment");
    int reps = Integer.parseInt(a[1]);
    int n = a.length - 2;
    int[] every = new int[n];
    for (int i = 0; i < n; i++) every[i] = Integer.parseInt(a[i + 2]);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    com.sun.management.ThreadMXBean alloc = (com.sun.management.ThreadMXBean) mx;
    System.out.println("load before: " + Files.readString(Path.of("/proc/loadavg")).trim());
    for (int i = 0; i < n; i++) Calib.run(with(base, every[i]), 1, 1); // warm the JIT on every path
    List<List<Double>> cpu = new ArrayList<>();
    List<List<Double>> mb = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      cpu.add(new ArrayList<>());
      mb.add(new ArrayList<>());
    }
    for (int r = 0; r < reps; r++) {
      for (int i = 0; i < n; i++) {
        long b0 = alloc.getCurrentThreadAllocatedBytes();
        long t0 = mx.getCurrentThreadCpuTime();
        Calib.run(with(base, every[i]), 1, 1);
        cpu.get(i).add((mx.getCurrentThreadCpuTime() - t0) / 1e9);
        mb.get(i).add((alloc.getCurrentThreadAllocatedBytes() - b0) / 1e6);
      }
    }
    System.out.println("load after: " + Files.readString(Path.of("/proc/loadavg")).trim());
    double ref = median(cpu.get(0));
    for (int i = 0; i < n; i++) {
      List<Double> c = cpu.get(i);
      System.out.printf("sample-every %d: CPU s per run median %.3f min %.3f (n=%d) ratio to sample-every %d: %.3f;"
          + " MB allocated per run median %.1f (ratio %.3f)  %s%n",
          every[i], median(c), c.stream().mapToDouble(Double::doubleValue).min().orElse(0), c.size(), every[0],
          median(c) / ref, median(mb.get(i)), median(mb.get(i)) / median(mb.get(0)), c);
    }
  }

  private static Config with(Config e, int every) {
    return e.withValue("journeys.sample-every", ConfigValueFactory.fromAnyRef(every));
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }
}
