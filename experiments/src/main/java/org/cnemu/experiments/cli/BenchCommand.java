package org.cnemu.experiments.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cnemu.emulator.phold.PholdBench;
import org.cnemu.emulator.phold.PholdParams;
import org.cnemu.experiments.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnemu bench phold}: the actor engine against the sequential reference, same process. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run the benchmarks of the engine itself.",
    subcommands = {BenchCommand.Phold.class, BenchStarCommand.class, BenchScaleCommand.class})
public final class BenchCommand extends CommandGroup {

  /** PHOLD: events per wall second of the engine and of a sequential event loop, and their ratio. */
  @Command(name = "phold", mixinStandardHelpOptions = true,
      description = {"Run PHOLD on the actor engine and on the sequential reference loop in one process.",
          "It prints events per wall second for each and their ratio (both must agree on every event)."})
  public static final class Phold implements Callable<Integer> {
    @Option(names = "--lps", defaultValue = "1024", description = "Simulate N logical processes, LPs (default: ${DEFAULT-VALUE}).")
    int lps;

    @Option(names = "--population", defaultValue = "16", description = "Start each LP with N events (default: ${DEFAULT-VALUE}).")
    int population;

    @Option(names = "--lookahead-ns", defaultValue = "100", description = "Delay every event by at least this many nanoseconds (default: ${DEFAULT-VALUE}).")
    long lookaheadNanos;

    @Option(names = "--mean-delay-ns", defaultValue = "1000",
        description = "Add to the lookahead an exponential delay of this mean, in nanoseconds (default: ${DEFAULT-VALUE}).")
    long meanDelayNanos;

    @Option(names = "--remote", defaultValue = "0.5", description = "Send this fraction of the events to another LP (default: ${DEFAULT-VALUE}).")
    double remote;

    @Option(names = "--end-ns", defaultValue = "200000", description = "End the simulation at this virtual time, in nanoseconds (default: ${DEFAULT-VALUE}).")
    long endNanos;

    @Option(names = "--threads", defaultValue = "0", description = "Run on N dispatcher threads (0, the default: one per processor).")
    int threads;

    @Option(names = "--partitions", defaultValue = "0", description = "Split the simulation into N engine partitions (0, the default: as many as threads).")
    int partitions;

    @Option(names = "--repeat", defaultValue = "3", description = "Measure N pairs after a warm-up and report their medians (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--seed", defaultValue = "1", description = "Seed the random streams with N (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      // each option named as typed; population 0 would have no event to time
      if (lps < 1) throw new ParameterException(spec.commandLine(), "--lps must be >= 1");
      if (population < 1) throw new ParameterException(spec.commandLine(), "--population must be >= 1");
      if (lookaheadNanos < 1) throw new ParameterException(spec.commandLine(), "--lookahead-ns must be >= 1");
      if (meanDelayNanos < 0) throw new ParameterException(spec.commandLine(), "--mean-delay-ns must be >= 0");
      if (!(remote >= 0 && remote <= 1)) throw new ParameterException(spec.commandLine(), "--remote must be between 0 and 1");
      if (endNanos < 1) throw new ParameterException(spec.commandLine(), "--end-ns must be >= 1");
      if (threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 0");
      if (partitions < 0) throw new ParameterException(spec.commandLine(), "--partitions must be >= 0");
      if (repeat < 1) throw new ParameterException(spec.commandLine(), "--repeat must be >= 1");
      PholdParams params = new PholdParams(lps, population, lookaheadNanos, meanDelayNanos, remote, 0);
      int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
      int p = partitions > 0 ? partitions : t;
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT, "PHOLD: %d LPs, population %d, lookahead %d ns, mean delay %d ns, remote %.2f, end %d ns;"
          + " %d threads, %d partitions, %d processors%n", lps, population, lookaheadNanos, meanDelayNanos, remote,
          endNanos, t, p, Runtime.getRuntime().availableProcessors());
      out.flush();
      PholdBench.Measurement[] ms = PholdBench.run(new PholdBench.Settings(params, endNanos, t, p, repeat, seed),
          new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8));
      out.printf(Locale.ROOT, "median: sequential %,.0f events/s, engine %,.0f events/s, ratio engine/sequential %.2f%n",
          PholdBench.median(ms, PholdBench.Measurement::sequentialEventsPerSec),
          PholdBench.median(ms, PholdBench.Measurement::engineEventsPerSec), PholdBench.medianRatio(ms));
      if (p == 1) {
        // one partition runs on this thread: its CPU time leaves out the machine's other load
        out.printf(Locale.ROOT, "median per CPU second of this thread: sequential %,.0f events/s, engine %,.0f events/s,"
            + " ratio engine/sequential %.2f%n", PholdBench.median(ms, PholdBench.Measurement::sequentialEventsPerCpuSec),
            PholdBench.median(ms, PholdBench.Measurement::engineEventsPerCpuSec),
            PholdBench.median(ms, PholdBench.Measurement::cpuRatio));
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  /** Lets the bench print to the command's writer (so tests and redirection see it). */
  private static final class WriterStream extends OutputStream {
    private final PrintWriter out;

    WriterStream(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void write(int b) {
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      out.write(new String(b, off, len, StandardCharsets.UTF_8));
    }

    @Override
    public void flush() {
      out.flush();
    }
  }
}
