package org.cnemu.experiments.daemon;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.cnemu.experiments.cli.BenchStarCommand;

/**
 * The daemon's JIT warm-up, in the background once it serves (so {@code daemon start} returns at once). Every
 * round is sent through the daemon's own socket, as bin/cnemu sends a command ({@link
 * DaemonServer#warmUpRoundThroughTheSocket}), so what a served command runs besides {@code Cli.execute} (the
 * connection, the proof, the request, the output frames) is warmed as well; a client's command preempts a
 * round. Two parts:
 * <ol>
 *   <li>{@code perCommandRounds} runs of one file, unchanged (the kept load, as a user's command repeated),
 *       over 50 us of virtual time: what a command runs once or a few times (the command line, the request,
 *       the model build, the results writer) reaches the JIT's threshold only after that many commands
 *       ({@link #perCommandRounds()}); without them, served commands kept getting ~25 % cheaper over their
 *       first ~30 (docs/benchmarks.md);
 *   <li>then rounds of {@code validate} + {@code run --no-report --quiet} of an 8-host star (10 ms virtual, as
 *       experiments/bench/star-8.conf), each of a file with other bytes (the parser and the validator, as a
 *       user's first command of a file), until the CPU time of a round stops falling (the simulation's code is
 *       compiled on whole runs), or {@code maxRounds}.
 * </ol>
 */
final class WarmUp implements Runnable {
  /**
   * Settled once the cheapest of the last WINDOW rounds is no cheaper than SETTLED x the cheapest of the
   * WINDOW rounds that ended LAG rounds earlier: CPU no longer falls by 3 % over LAG rounds. Comparing
   * adjacent windows missed the slow part of the warm-up: ~0.3 % less CPU per round, below what two
   * windows of 5 could tell from noise (docs/benchmarks.md).
   */
  static final int WINDOW = 5;
  static final int LAG = 20;
  static final double SETTLED = 0.97;
  /** The warm-up never takes longer than this (a machine so loaded that rounds never settle). */
  static final long MAX_NANOS = 60_000_000_000L;
  /** Virtual time of a run of the first part: long enough that packets are delivered and measured. */
  static final String PER_COMMAND_DURATION = "50us";

  private final DaemonServer server;
  private final int maxRounds;
  private final int perCommandRounds;
  private final PrintStream log;

  /**
   * @param maxRounds rounds of the second part at most (0: no warm-up at all)
   * @param perCommandRounds runs of the first part
   */
  WarmUp(DaemonServer server, int maxRounds, int perCommandRounds, PrintStream log) {
    this.server = server;
    this.maxRounds = maxRounds;
    this.perCommandRounds = perCommandRounds;
    this.log = log;
  }

  /**
   * Runs of the first part: the calls after which HotSpot compiles a method that runs no loop
   * ({@code Tier3InvocationThreshold}, 200 by default; the threshold of C1 alone when C2 is off), so that
   * code a served command runs once is compiled by its first command rather than its 200th.
   */
  static int perCommandRounds() {
    try {
      com.sun.management.HotSpotDiagnosticMXBean hs =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      return Integer.parseInt(hs.getVMOption("Tier3InvocationThreshold").getValue());
    } catch (RuntimeException e) {
      return 200; // not HotSpot: its default
    }
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

  /** How one part of the warm-up went. */
  private static final class Part {
    final List<Long> cpu = new ArrayList<>();
    int preempted;
    String end;

    Part(String end) {
      this.end = end;
    }

    int rounds() {
      return cpu.size() + preempted;
    }
  }

  @Override
  public void run() {
    long start = System.nanoTime();
    Part perCommand = new Part(perCommandRounds + " runs");
    Part settling = new Part("at most " + maxRounds + " rounds");
    Part current = perCommand;
    Path tmp = null;
    try {
      tmp = Files.createTempDirectory("cnemu-daemon-warm-up-");
      Path file = tmp.resolve("star-8.conf");
      String text = BenchStarCommand.experiment(8, 10, 1);
      DaemonClient client = new DaemonClient(server.port(), server.token());
      Path cwd = tmp;
      String name = file.getFileName().toString();
      List<String> run = List.of("run", name, "--out", "out", "--no-report", "--quiet");
      List<String> shortRun = new ArrayList<>(run);
      shortRun.addAll(List.of("--set", "experiment.duration=" + PER_COMMAND_DURATION));
      Files.writeString(file, text);
      // First the short runs, then the rounds until settled: the simulation's code is compiled last on the
      // profile of whole runs (compiled first, then run 200 times over the first 50 us of a run only, it
      // was recompiled for those and a served star-8 simulation took 3x as long; docs/benchmarks.md).
      if (rounds(perCommand, () -> server.warmUpRoundThroughTheSocket(client, cwd, shortRun), perCommandRounds,
          start, false)) {
        current = settling;
        int[] rounds = {0};
        rounds(settling, () -> {
          // other bytes each round: the loader keeps the typed spec of a file it read before, and the
          // parser and validator are what a user's first command of a file (or of an edited one) runs
          Files.writeString(file, text + "# warm-up round " + (++rounds[0]) + "\n");
          DaemonServer.Round r = server.warmUpRoundThroughTheSocket(client, cwd, List.of("validate", name));
          return r == DaemonServer.Round.RAN ? server.warmUpRoundThroughTheSocket(client, cwd, run) : r;
        }, maxRounds, start, true);
      }
    } catch (IOException | RuntimeException e) {
      current.end = server.stopping() ? "stopped" : "failed: " + e;
    } catch (InterruptedException e) {
      current.end = "interrupted";
      Thread.currentThread().interrupt();
    } finally {
      if (tmp != null) delete(tmp);
    }
    server.warmUpState("done");
    log.printf(Locale.ROOT, "%s warm-up: %d rounds (%d preempted by commands) in %.1f s, %s; CPU per round %s; "
        + "after %d short runs (%d preempted), %s; CPU per run %s%n",
        java.time.Instant.now(), settling.rounds(), settling.preempted, (System.nanoTime() - start) / 1e9, settling.end,
        shape(settling.cpu), perCommand.rounds(), perCommand.preempted, perCommand.end, shape(perCommand.cpu));
    log.flush();
  }

  /** One round: sends its commands and says how they ended. */
  private interface Round {
    DaemonServer.Round send() throws IOException;
  }

  /**
   * Runs {@code round} until {@code max} rounds (or, with {@code untilSettled}, until {@link #settled}); false
   * when the warm-up must end (stopped, the time limit, a build that went stale).
   */
  private boolean rounds(Part part, Round round, int max, long start, boolean untilSettled)
      throws IOException, InterruptedException {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    while (part.rounds() < max) {
      if (server.stopping()) {
        part.end = "stopped";
        return false;
      }
      if (System.nanoTime() - start > MAX_NANOS) {
        part.end = "time limit";
        return false;
      }
      server.warmUpState("running (" + (untilSettled ? "round " : "short run ") + (part.rounds() + 1) + ")");
      long c0 = os.getProcessCpuTime();
      DaemonServer.Round r = round.send();
      long c1 = os.getProcessCpuTime();
      if (r == DaemonServer.Round.RAN) {
        part.cpu.add(c1 - c0);
        if (untilSettled && settled(part.cpu)) {
          part.end = "settled";
          return true;
        }
      } else if (r == DaemonServer.Round.PREEMPTED) {
        part.preempted++;
      } else {
        Thread.sleep(20); // a command is about to run: let it
      }
    }
    return true;
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
