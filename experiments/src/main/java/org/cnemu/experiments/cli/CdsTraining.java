package org.cnemu.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.cnemu.experiments.Cli;

/**
 * The training run behind bin/cnemu's AppCDS archive (not a user command): one JVM runs what commands
 * load, so that the archive it leaves at exit ({@code -XX:ArchiveClassesAtExit}) holds their classes. A
 * two-partition run (the run command, the kernel model, an actor system, results and reports), then a
 * farmed plan on loopback: a seed with job slots in this JVM and a driver that farms to it, over TLS with
 * a key made for the purpose (remoting, Artery, TLS, Kryo, the farm's actors: class loading that every
 * `run --cluster`, seed and worker would otherwise pay; docs/benchmarks.md).
 *
 * <p>Arguments: the training experiment file and a scratch folder (emptied first). Exits 0, or 1 if the
 * local run failed (bin/cnemu then drops the archive).
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    org.slf4j.LoggerFactory.getILoggerFactory(); // as Cli.main: logging before any thread logs
    Path experiment = Path.of(args[0]);
    Path dir = Path.of(args[1]);
    deleteTree(dir);
    Files.createDirectories(dir);
    PrintWriter quiet = new PrintWriter(Writer.nullWriter());
    int code = Cli.execute(new String[] {"run", experiment.toString(), "--partitions", "2", "--out",
        dir.resolve("run").toString(), "--quiet"}, quiet, quiet);
    // A farmed plan that cannot run here (no loopback TLS, say) leaves an archive without the cluster's
    // classes, still a good one: only a failed local run drops it (bin/cnemu would retrain on every command).
    if (code == 0) farm(dir, quiet);
    System.exit(code == 0 ? 0 : 1);
  }

  private static int farm(Path dir, PrintWriter quiet) throws Exception {
    Path key = dir.resolve("key");
    int code = Cli.execute(new String[] {"cluster", "init", "--cluster-key", key.toString()}, quiet, quiet);
    if (code != 0) return code;
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String at = "127.0.0.1:" + port;
    StringWriter seedOut = new StringWriter();
    PrintWriter seedPrint = new PrintWriter(seedOut, true);
    Thread seed = new Thread(() -> Cli.execute(new String[] {"cluster", "seed", "--bind", at, "--threads", "1",
        "--job-slots", "2", "--cluster-key", key.toString()}, seedPrint, quiet), "cnemu-cds-seed");
    seed.setDaemon(true); // System.exit stops it
    seed.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!seedOut.toString().contains("member up")) {
      if (System.nanoTime() > deadline || !seed.isAlive()) return 1;
      Thread.sleep(20);
    }
    Path plan = Files.writeString(dir.resolve("plan.conf"), String.join("\n",
        "experiment {",
        "  name = cds-farm, seed = 1, runs = 2, duration = 100us, model = phold",
        "  phold { lps = 8, population = 2 }",
        "}", ""));
    return Cli.execute(new String[] {"run", plan.toString(), "--cluster", at, "--cluster-key", key.toString(), "--out",
        dir.resolve("farmed").toString(), "--quiet"}, quiet, quiet);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
