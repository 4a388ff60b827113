package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JvmCpuTest {
  @Test
  void theLineGivesEachKindsCpuBetweenTwoReadingsAndTheRestOfTheProcessAsOther() {
    Map<String, Double> before = Map.of("jit", 1.0, "vm+gc", 0.5, "~process", 3.0, "~gc collections", 2.0,
        "~gc seconds", 0.1);
    Map<String, Double> after = Map.of("jit", 2.5, "vm+gc", 0.7, "engine", 1.0, "~process", 8.0,
        "~gc collections", 5.0, "~gc seconds", 0.4);
    assertEquals("TRACE jvm CPU during the jobs: engine 1.00 s jit 1.50 s other 2.30 s vm+gc 0.20 s;"
        + " collections 3, 0.300 s", JvmCpu.line("the jobs", before, after));
  }

  @Test
  void theLineEndsWithTheJvmUptimeOfBothReadings() {
    Map<String, Double> before = Map.of("jit", 1.0, "~uptime", 5.3051);
    Map<String, Double> after = Map.of("jit", 1.5, "~uptime", 18.029);
    assertEquals("TRACE jvm CPU during the run: jit 0.50 s; JVM uptime 5.305-18.029 s",
        JvmCpu.line("the run", before, after));
    assertTrue(JvmCpu.read().get("~uptime") > 0);
  }

  @Test
  void threadsThatEndedBetweenTheReadingsCountAsOther() throws InterruptedException {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "Linux only");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Double> before = JvmCpu.read();
    Thread t = new Thread(() -> {
      long x = 0;
      while (mx.getCurrentThreadCpuTime() < 300_000_000L) x += System.nanoTime() & 1; // 0.3 s of CPU
      if (x == 42) System.out.print("");
    }, "cpu-burner");
    t.start();
    t.join();
    Matcher m = Pattern.compile(" other ([0-9.]+) s").matcher(JvmCpu.line("the test", before, JvmCpu.read()));
    assertTrue(m.find());
    // the thread is gone: only the process's own total still holds its 0.3 s
    assertTrue(Double.parseDouble(m.group(1)) >= 0.25, m.group(1));
  }

  @Test
  void aThreadThatEndsBetweenTheReadingsLeavesItsKindTheCpuOfTheOthers() throws InterruptedException {
    // a finished run's partition thread ends while the next run's thread works: the next run's engine CPU
    // is its own thread's, not that minus what the ended thread had used before the first reading
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "Linux only");
    Thread ending = burnThenWait("cnemu.engine-1", 300_000_000L);
    Map<String, Double> before = JvmCpu.read();
    ending.interrupt();
    ending.join();
    Thread next = burnThenWait("cnemu.engine-2", 100_000_000L);
    Map<String, Double> after = JvmCpu.read();
    next.interrupt();
    Matcher m = Pattern.compile(" engine ([0-9.]+) s").matcher(JvmCpu.line("the test", before, after));
    assertTrue(m.find());
    // engine-2's 0.1 s, though engine-1 (0.3 s before the first reading) ended in between
    assertTrue(Double.parseDouble(m.group(1)) >= 0.08, m.group(1));
  }

  /** A started thread that used {@code cpuNanos} of CPU and now sleeps until interrupted. */
  private static Thread burnThenWait(String name, long cpuNanos) throws InterruptedException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Thread t = new Thread(() -> {
      long x = 0;
      while (mx.getCurrentThreadCpuTime() < cpuNanos) x += System.nanoTime() & 1;
      if (x == 42) System.out.print("");
      try {
        Thread.sleep(600_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name);
    t.start();
    while (t.getState() != Thread.State.TIMED_WAITING) Thread.sleep(5);
    return t;
  }

  @Test
  void threadKindsByName() {
    assertEquals("jit", JvmCpu.kind("C2 CompilerThre"));
    assertEquals("vm+gc", JvmCpu.kind("VM Thread"));
    assertEquals("vm+gc", JvmCpu.kind("GC Thread#1"));
    assertEquals("engine", JvmCpu.kind("cnemu-cnemu.eng"));
    assertEquals("other", JvmCpu.kind("cnemu-job"));
  }
}
