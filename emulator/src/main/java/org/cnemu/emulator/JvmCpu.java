package org.cnemu.emulator;

import java.io.File;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Benchmarks only (-Dcnemu.trace=true): the CPU seconds of this JVM's threads by kind, from /proc (Linux;
 * empty elsewhere), and the collector's collections. On a small machine the JIT compilers and the
 * collector take cores from the simulation's threads, so a benchmark says how much of them between two
 * readings (docs/benchmarks.md).
 */
public final class JvmCpu {
  /**
   * Entries that are not a kind's CPU: the whole process's CPU, the collections and their pause time, and
   * the JVM's uptime at the reading.
   */
  private static final String PROCESS = "~process";
  private static final String UPTIME_SECONDS = "~uptime";
  private static final String GC_COLLECTIONS = "~gc collections";
  private static final String GC_SECONDS = "~gc seconds";

  private JvmCpu() {}

  /**
   * CPU seconds so far of each live thread of the JIT compilers ({@code jit}), the VM thread and collector
   * threads ({@code vm+gc}) and the engine's dispatchers ({@code engine}), as "kind/thread id"; {@link #line}
   * counts the rest, threads that already ended included, as {@code other}. Per thread, not per kind: a
   * thread that ends between two readings (a compiler thread the JVM retires, a finished run's partition
   * thread) must not take its CPU before the first reading off its kind's CPU between them.
   */
  public static Map<String, Double> read() {
    Map<String, Double> out = new TreeMap<>();
    File[] tasks = new File("/proc/self/task").listFiles();
    if (tasks == null) return out;
    for (File task : tasks) {
      try {
        String stat = Files.readString(new File(task, "stat").toPath());
        String kind = kind(name(stat));
        if (!kind.equals("other")) out.put(kind + "/" + task.getName(), seconds(stat));
      } catch (IOException | RuntimeException e) {
        // the thread ended while we read it: the process's total below still has its CPU
      }
    }
    try {
      out.put(PROCESS, seconds(Files.readString(Path.of("/proc/self/stat")))); // every thread's, ended ones too
    } catch (IOException | RuntimeException e) {
      // not Linux: no total, no "other"
    }
    long collections = 0;
    long pauseMillis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      collections += Math.max(0, gc.getCollectionCount());
      pauseMillis += Math.max(0, gc.getCollectionTime());
    }
    out.put(GC_COLLECTIONS, (double) collections);
    out.put(GC_SECONDS, pauseMillis / 1e3);
    out.put(UPTIME_SECONDS, ManagementFactory.getRuntimeMXBean().getUptime() / 1e3);
    return out;
  }

  /**
   * "TRACE jvm CPU during {@code what}:" and the CPU seconds of each kind between two {@link #read}
   * readings, {@code other} being the process's CPU not in a named kind, then the collections, then the
   * JVM's uptime at both readings (to find the span in a log stamped with it: {@code -Xlog},
   * {@code -XX:+PrintCompilation}).
   */
  public static String line(String what, Map<String, Double> before, Map<String, Double> after) {
    StringBuilder b = new StringBuilder("TRACE jvm CPU during ").append(what).append(':');
    Map<String, Double> kinds = new TreeMap<>();
    double named = 0;
    for (Map.Entry<String, Double> e : after.entrySet()) {
      if (e.getKey().startsWith("~")) continue;
      // a thread new since the first reading: all of its CPU is since then
      double d = Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0));
      int slash = e.getKey().indexOf('/');
      kinds.merge(slash < 0 ? e.getKey() : e.getKey().substring(0, slash), d, Double::sum);
      named += d;
    }
    if (after.containsKey(PROCESS)) {
      kinds.put("other", Math.max(0, after.get(PROCESS) - before.getOrDefault(PROCESS, 0.0) - named));
    }
    kinds.forEach((k, d) -> b.append(String.format(Locale.ROOT, " %s %.2f s", k, d)));
    if (after.containsKey(GC_COLLECTIONS)) {
      b.append(String.format(Locale.ROOT, "; collections %.0f, %.3f s", after.get(GC_COLLECTIONS)
          - before.getOrDefault(GC_COLLECTIONS, 0.0), after.get(GC_SECONDS) - before.getOrDefault(GC_SECONDS, 0.0)));
    }
    if (before.containsKey(UPTIME_SECONDS) && after.containsKey(UPTIME_SECONDS)) {
      b.append(String.format(Locale.ROOT, "; JVM uptime %.3f-%.3f s", before.get(UPTIME_SECONDS),
          after.get(UPTIME_SECONDS)));
    }
    return b.toString();
  }

  static String kind(String threadName) {
    if (threadName.contains("CompilerThre")) return "jit";
    if (threadName.startsWith("VM Thread") || threadName.startsWith("GC ") || threadName.startsWith("G1 ")
        || threadName.contains("Conc") || threadName.startsWith("VM Periodic")) {
      return "vm+gc";
    }
    if (threadName.contains("cnemu.eng")) return "engine"; // the dispatcher's threads (the name is cut at 15)
    return "other";
  }

  /** The name in a /proc stat line: between the first '(' and the last ')' (a name may hold either). */
  private static String name(String stat) {
    return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  }

  /** utime + stime of a /proc stat line, in seconds (USER_HZ is 100 on Linux). */
  private static double seconds(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }
}
