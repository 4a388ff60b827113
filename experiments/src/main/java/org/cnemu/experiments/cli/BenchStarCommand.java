package org.cnemu.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.run.Plan;
import org.cnemu.experiments.run.PlanRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu bench star --hosts N}: the star scenario (N native hosts around one switch,
 * 40 Gbps / 1 us links, one 10 Gbps UDP flow of 1472 B datagrams per host to the next host) run
 * in this process: a cold run (as after JVM start-up), then {@code --repeat} warm runs, with
 * delivered packets per wall second of the run itself. The side-by-side comparison with ns-3, whole
 * processes included, is bench/ns3-vs-cnemu.sh; this command shows how much of a short run is
 * start-up and warm-up rather than simulation.
 */
@Command(name = "star", mixinStandardHelpOptions = true,
    description = {"Run the star benchmark in this process: one cold run, then warm runs.",
        "It prints delivered packets per wall second of each run (JVM start-up excluded; see bench/ns3-vs-cnemu.sh)."})
public final class BenchStarCommand implements Callable<Integer> {
  @Option(names = "--hosts", defaultValue = "8", description = "Place N hosts around the switch (default: ${DEFAULT-VALUE}).")
  int hosts;

  @Option(names = "--ms", defaultValue = "10", description = "Make each run last N virtual milliseconds (default: ${DEFAULT-VALUE}).")
  int ms;

  @Option(names = "--repeat", defaultValue = "3", description = "Repeat N warm runs after the cold one and report their median (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--partitions", defaultValue = "1", description = "Split each run into N engine partitions (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--threads", description = "Run on N dispatcher threads (default: the experiment's).")
  Integer threads;

  @Spec
  CommandSpec spec;

  /** The experiment file text of the star scenario (the same as experiments/bench/star-N.conf). */
  public static String experiment(int hosts, int ms, int partitions) {
    StringBuilder b = new StringBuilder();
    b.append("experiment {\n  name = \"star-").append(hosts).append("\"\n  seed = 7\n  duration = ").append(ms)
        .append("ms\n  warmup = 0ms\n  model = \"kernel\"\n  profile = \"hotcloud19\"\n  steering = \"vanilla\"\n")
        .append("  engine { partitions = ").append(partitions).append(" }\n")
        .append("  topology {\n    stack = \"native\"\n    host-count = ").append(hosts)
        .append("\n    link { rate = 40Gbps, delay = 1us }\n  }\n  workloads = [\n");
    for (int i = 1; i <= hosts; i++) {
      b.append("    { id = \"f").append(i).append("\", protocol = \"udp\", src = \"h").append(i).append("/c1\", dst = \"h")
          .append(i % hosts + 1).append("/c1\", message-size = 1472B, rate = 10Gbps }\n");
    }
    return b.append("  ]\n}\n").toString();
  }

  @Override
  public Integer call() throws IOException {
    if (hosts < 2) throw new ParameterException(spec.commandLine(), "--hosts must be >= 2");
    if (ms < 1) throw new ParameterException(spec.commandLine(), "--ms must be >= 1");
    if (repeat < 1) throw new ParameterException(spec.commandLine(), "--repeat must be >= 1");
    if (partitions < 1) throw new ParameterException(spec.commandLine(), "--partitions must be >= 1");
    if (threads != null && threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 0");
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("cnemu-bench-star-");
    try {
      Path file = dir.resolve("star-" + hosts + ".conf");
      Files.writeString(file, experiment(hosts, ms, partitions));
      LoadedExperiment e = new ExperimentLoader().load(file);
      if (!e.ok()) {
        Output.problems(spec.commandLine().getErr(), e.problems());
        return ExitCodes.FAILURE;
      }
      out.printf(Locale.ROOT, "star: %d hosts, %d ms virtual, %d partition(s), in-process (JVM start-up excluded)%n",
          hosts, ms, partitions);
      List<Double> warm = new ArrayList<>();
      List<Double> warmCpu = new ArrayList<>();
      // with one partition the run is on this thread: its CPU time is the run's, and other load on the
      // machine changes it far less than the wall time
      java.lang.management.ThreadMXBean threadsBean = java.lang.management.ManagementFactory.getThreadMXBean();
      for (int r = 0; r <= repeat; r++) {
        Path runDir = dir.resolve("run-" + r);
        PlanRunner.Options o = new PlanRunner.Options(1, threads, false, null, null, runDir.toString());
        long t0 = System.nanoTime();
        long cpu0 = threadsBean.getCurrentThreadCpuTime();
        PlanRunner.Outcome po = new PlanRunner().run(Plan.of(e, runDir), o, new PlanRunner.Listener() {});
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (threadsBean.getCurrentThreadCpuTime() - cpu0) / 1e9;
        PlanRunner.JobOutcome ro = po.groups().get(0).points().get(0).runs().get(0);
        if (!ro.complete()) {
          spec.commandLine().getErr().println("error: run failed: " + ro.error());
          return ExitCodes.FAILURE;
        }
        long delivered = delivered(ro.document());
        double rate = delivered / wall;
        if (r > 0) {
          warm.add(rate);
          warmCpu.add(delivered / cpu);
        }
        out.printf(Locale.ROOT, "  %-5s delivered %d packets, %d events in %.3f s%s: %.0f packets/s%n",
            r == 0 ? "cold" : "warm", delivered, ((Number) ((Map<?, ?>) ro.document().get("engine")).get("events"))
                .longValue(), wall, partitions == 1 ? String.format(Locale.ROOT, " (CPU %.3f s)", cpu) : "", rate);
      }
      warm.sort(null);
      warmCpu.sort(null);
      out.printf(Locale.ROOT, "median warm: %.0f delivered packets per wall second%n", warm.get(warm.size() / 2));
      if (partitions == 1) {
        out.printf(Locale.ROOT, "median warm: %.0f delivered packets per CPU second of the running thread%n",
            warmCpu.get(warmCpu.size() / 2));
      }
      return ExitCodes.OK;
    } finally {
      deleteTree(dir);
    }
  }

  @SuppressWarnings("unchecked")
  static long delivered(Map<String, Object> document) {
    long n = 0;
    for (Map<String, Object> f : (List<Map<String, Object>>) document.get("flows")) {
      n += ((Number) f.get("packets_delivered")).longValue();
    }
    return n;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
