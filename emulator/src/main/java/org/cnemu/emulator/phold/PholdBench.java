package org.cnemu.emulator.phold;

import java.util.Arrays;
import java.util.Locale;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;

/**
 * PHOLD on the actor engine against the sequential reference, in one process, alternating runs so
 * both see the same machine state; prints events per wall second and the ratio. Wall clock use is
 * fine here: this measures the emulator, it is not model code.
 */
public final class PholdBench {
  private PholdBench() {}

  /** Benchmark settings. */
  public record Settings(PholdParams params, long endNanos, int threads, int partitions, int repeat, long seed) {}

  /**
   * One measured pair. The CPU figures divide by this thread's CPU time: with one partition the whole
   * engine runs on the calling thread, so they are the same ratio with the machine's other load taken
   * out (NaN with more partitions, whose work runs on other threads).
   */
  public record Measurement(double sequentialEventsPerSec, double engineEventsPerSec, long events, long windows,
      double barrierWaitShare, double sequentialEventsPerCpuSec, double engineEventsPerCpuSec) {
    public double ratio() {
      return engineEventsPerSec / sequentialEventsPerSec;
    }

    public double cpuRatio() {
      return engineEventsPerCpuSec / sequentialEventsPerCpuSec;
    }
  }

  /** Runs warm-up plus {@code repeat} measured pairs and returns the per-pair figures. */
  public static Measurement[] run(Settings s, java.io.PrintStream out) {
    // Warm-up: JIT both paths on a shortened run.
    Settings warm = new Settings(s.params(), Math.max(1, s.endNanos() / 5), s.threads(), s.partitions(), 1, s.seed());
    once(warm);
    Measurement[] ms = new Measurement[s.repeat()];
    for (int i = 0; i < s.repeat(); i++) {
      ms[i] = once(s);
      if (out != null) {
        out.printf(Locale.ROOT, "  run %d: sequential %,.0f ev/s, engine %,.0f ev/s, ratio %.2f (%d events, %d windows)%s%n",
            i + 1, ms[i].sequentialEventsPerSec(), ms[i].engineEventsPerSec(), ms[i].ratio(), ms[i].events(),
            ms[i].windows(), Double.isNaN(ms[i].cpuRatio()) ? ""
                : String.format(Locale.ROOT, "; per CPU second of this thread: ratio %.2f", ms[i].cpuRatio()));
      }
    }
    return ms;
  }

  private static Measurement once(Settings s) {
    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    long c0 = cpu.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    Phold.Outcome ref = SequentialPhold.run(s.params(), s.seed(), 0, s.endNanos());
    long seqNanos = System.nanoTime() - t0;
    long seqCpu = cpu.getCurrentThreadCpuTime() - c0;
    SimulationBuilder b = new SimulationBuilder(s.seed(), 0, s.partitions(), SimulationBuilder.Placement.BLOCK);
    Phold.build(s.params(), b);
    long c1 = cpu.getCurrentThreadCpuTime();
    long t1 = System.nanoTime();
    SimulationResult r = Simulation.run(b, s.endNanos(), s.threads());
    long engNanos = System.nanoTime() - t1;
    long engCpu = cpu.getCurrentThreadCpuTime() - c1;
    Phold.Outcome got = Phold.outcome(r, s.params().lps());
    if (!got.equals(ref)) {
      throw new IllegalStateException("engine and sequential reference disagree: " + got + " vs " + ref);
    }
    boolean oneThread = s.partitions() == 1 && seqCpu > 0 && engCpu > 0;
    return new Measurement(ref.events() * 1e9 / seqNanos, got.events() * 1e9 / engNanos, got.events(), r.windows(),
        r.barrierWaitShare(s.threads()), oneThread ? ref.events() * 1e9 / seqCpu : Double.NaN,
        oneThread ? got.events() * 1e9 / engCpu : Double.NaN);
  }

  /** Direct entry: {@code lps population lookaheadNs meanNs remote endNs threads partitions repeat}. */
  public static void main(String[] a) {
    PholdParams p = new PholdParams(Integer.parseInt(a[0]), Integer.parseInt(a[1]), Long.parseLong(a[2]),
        Long.parseLong(a[3]), Double.parseDouble(a[4]), 0);
    Measurement[] ms = run(new Settings(p, Long.parseLong(a[5]), Integer.parseInt(a[6]), Integer.parseInt(a[7]),
        Integer.parseInt(a[8]), 1), System.out);
    System.out.printf(Locale.ROOT, "median ratio %.2f, per CPU second %.2f%n", medianRatio(ms),
        median(ms, Measurement::cpuRatio));
  }

  /** Median of the ratios. */
  public static double medianRatio(Measurement[] ms) {
    double[] r = Arrays.stream(ms).mapToDouble(Measurement::ratio).sorted().toArray();
    return r[r.length / 2];
  }

  public static double median(Measurement[] ms, java.util.function.ToDoubleFunction<Measurement> f) {
    double[] r = Arrays.stream(ms).mapToDouble(f).sorted().toArray();
    return r[r.length / 2];
  }
}
