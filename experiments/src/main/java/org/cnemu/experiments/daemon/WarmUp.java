package org.cnemu.experiments.daemon;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.cli.BenchStarCommand;

/**
 * The daemon's JIT warm-up, in the background once it serves (so {@code daemon start} returns at once):
 * rounds of {@code validate} + {@code run --no-report --quiet} of an 8-host star (10 ms virtual, as
 * experiments/bench/star-8.conf), through the same path as a client's command, until the CPU time of a
 * round stops falling (the JIT has compiled what a served run uses), or {@code maxRounds}. A fixed
 * number of rounds did not finish the JIT on a loaded machine: served runs kept getting faster for ~20
 * commands after it (docs/benchmarks.md). A client's command preempts a round ({@link DaemonServer#warmUpRound}).
 */
final class WarmUp implements Runnable {
  /**
   * Settled once the cheapest of the last WINDOW rounds is no cheaper than SETTLED x the cheapest of the
   * WINDOW rounds that ended LAG rounds earlier: CPU no longer falls by 3 % over LAG rounds. Comparing
   * adjacent windows missed the slow part of the warm-up: code a served command runs a few times per
   * command (the command line, the results writer) reaches the JIT's thresholds only after tens of
   * commands, ~0.3 % less CPU per round, below what two windows of 5 could tell from noise; served runs
   * then kept getting ~25 % cheaper over the first ~30 commands after the warm-up (docs/benchmarks.md).
   */
  static final int WINDOW = 5;
  static final int LAG = 20;
  static final double SETTLED = 0.97;
  /** The warm-up never takes longer than this (a machine so loaded that rounds never settle). */
  static final long MAX_NANOS = 60_000_000_000L;

  private final DaemonServer server;
  private final int maxRounds;
  private final PrintStream log;

  WarmUp(DaemonServer server, int maxRounds, PrintStream log) {
    this.server = server;
    this.maxRounds = maxRounds;
    this.log = log;
  }

  /** Starts the warm-up on a background thread (none for {@code maxRounds} 0). */
  Thread start() {
    Thread t = new Thread(this, "cnemu-daemon-warm-up");
    t.setDaemon(true);
    if (maxRounds > 0) t.start();
    return t;
  }

  /**
   * Whether the JIT has settled, from the CPU nanoseconds of the rounds that ran to their end: the cheapest
   * of the last {@link #WINDOW} rounds is no longer {@code 1 - SETTLED} cheaper than the cheapest of the
   * {@link #WINDOW} rounds {@link #LAG} rounds before (minima: a round slowed by other load, or a
   * collection, says nothing).
   */
  static boolean settled(List<Long> cpuNanos) {
    int n = cpuNanos.size();
    if (n < LAG + WINDOW) return false;
    long before = cpuNanos.subList(n - LAG - WINDOW, n - LAG).stream().min(Long::compare).orElseThrow();
    long last = cpuNanos.subList(n - WINDOW, n).stream().min(Long::compare).orElseThrow();
    return last >= SETTLED * before;
  }

  @Override
  public void run() {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long start = System.nanoTime();
    List<Long> cpu = new ArrayList<>();
    int preempted = 0;
    String end = "at most " + maxRounds + " rounds";
    Path tmp = null;
    try {
      tmp = Files.createTempDirectory("cnemu-daemon-warm-up-");
      Path file = tmp.resolve("star-8.conf");
      String text = BenchStarCommand.experiment(8, 10, 1);
      PrintWriter sink = new PrintWriter(Writer.nullWriter());
      Invocation inv = new Invocation(tmp, false, false, false);
      String name = file.getFileName().toString();
      int[] rounds = {0};
      Runnable round = () -> {
        // other bytes each round: the loader keeps the typed spec of a file it read before, and the
        // parser and validator are what a user's first command of a file (or of an edited one) runs
        try {
          Files.writeString(file, text + "# warm-up round " + (++rounds[0]) + "\n");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        Cli.execute(new String[] {"validate", name}, sink, sink, inv);
        Cli.execute(new String[] {"run", name, "--out", "out", "--no-report", "--quiet"}, sink, sink, inv);
      };
      while (cpu.size() + preempted < maxRounds) {
        if (server.stopping()) {
          end = "stopped";
          break;
        }
        if (System.nanoTime() - start > MAX_NANOS) {
          end = "time limit";
          break;
        }
        server.warmUpState("running (round " + (cpu.size() + preempted + 1) + ")");
        long c0 = os.getProcessCpuTime();
        DaemonServer.Round r = server.warmUpRound(round);
        long c1 = os.getProcessCpuTime();
        if (r == DaemonServer.Round.RAN) {
          cpu.add(c1 - c0);
          if (settled(cpu)) {
            end = "settled";
            break;
          }
        } else if (r == DaemonServer.Round.PREEMPTED) {
          preempted++;
        } else {
          Thread.sleep(20); // a command is about to run: let it
        }
      }
    } catch (IOException | RuntimeException e) {
      end = "failed: " + e;
    } catch (InterruptedException e) {
      end = "interrupted";
      Thread.currentThread().interrupt();
    } finally {
      if (tmp != null) delete(tmp);
    }
    server.warmUpState("done");
    log.printf(Locale.ROOT, "%s warm-up: %d rounds (%d preempted by commands) in %.1f s, %s; CPU per round %s%n",
        java.time.Instant.now(), cpu.size() + preempted, preempted, (System.nanoTime() - start) / 1e9, end, shape(cpu));
    log.flush();
  }

  /** The first, cheapest and last round's CPU time, for the log. */
  private static String shape(List<Long> cpu) {
    if (cpu.isEmpty()) return "-";
    return String.format(Locale.ROOT, "first %.0f ms, min %.0f ms, last %.0f ms", cpu.get(0) / 1e6,
        cpu.stream().min(Comparator.naturalOrder()).orElseThrow() / 1e6, cpu.get(cpu.size() - 1) / 1e6);
  }

  private static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temporary folder left behind: nothing to report
    }
  }
}
