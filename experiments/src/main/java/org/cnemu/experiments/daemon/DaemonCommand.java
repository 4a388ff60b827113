package org.cnemu.experiments.daemon;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.cli.CommandGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu daemon start|stop|status}: a resident, warm cnemu JVM that serves {@code run} and
 * {@code validate} for bin/cnemu (opt-in; see docs/cli.md). Without a running daemon nothing changes.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
    description = {"Run a resident warm JVM that serves 'run' and 'validate' for bin/cnemu (opt-in).",
        "Listens on 127.0.0.1 only; clients must present the token of its mode-600 state file."},
    subcommands = {DaemonCommand.Start.class, DaemonCommand.Stop.class, DaemonCommand.Status.class,
        DaemonCommand.Serve.class})
public final class DaemonCommand extends CommandGroup {

  /** The launcher's JVM settings (bin/cnemu exports them); a daemon serves only clients with the same. */
  static String launchKey() {
    String k = System.getenv("CNEMU_LAUNCH_KEY");
    return k == null ? "" : k;
  }


  /** Asks the daemon of {@code st} to stop; waits for it, then terminates it if it does not go. */
  static void stop(DaemonState st, Path dir) {
    try {
      new DaemonClient(st.port(), st.token()).control("stop");
    } catch (IOException e) {
      // not answering: terminated below
    }
    Optional<ProcessHandle> h = ProcessHandle.of(st.pid());
    if (h.isPresent() && st.alive()) { // never a later process given the same pid
      try {
        // A command being served finishes first (its results folder then ends complete); not forever.
        h.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.get().destroy();
        try {
          h.get().onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e2) {
          h.get().destroyForcibly();
        }
      }
    }
    st.deleteIfOurs(dir);
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = {"Start the daemon in the background (replacing one started from an older build).",
          "Then 'bin/cnemu run' and 'bin/cnemu validate' are served by it; CNEMU_NO_DAEMON=1 bypasses it."})
  static final class Start implements Callable<Integer> {
    @Option(names = "--warm-up", paramLabel = "N", defaultValue = "200",
        description = "Once serving, run the 8-host star benchmark (kernel model) through the daemon in the background: "
            + "~200 short runs of it, then whole runs until the JIT has settled (a round's CPU time stops falling), at "
            + "most N rounds, so that served runs find the classes loaded and the JIT warm; a command preempts it "
            + "(default: ${DEFAULT-VALUE}, usually 3-15 s; 0 for none).")
    int warmUp;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (warmUp < 0) throw new ParameterException(spec.commandLine(), "--warm-up must be >= 0");
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Path dir = DaemonState.dir();
      try {
        DaemonState.ensurePrivateDir(dir);
      } catch (DaemonState.UnsafeDirException e) {
        err.println("error: " + e.getMessage());
        return ExitCodes.BAD_INPUT;
      }
      DaemonState old = DaemonState.read(dir);
      if (old != null && old.alive()) {
        if (old.matchesCurrentBuild() && old.launch().equals(launchKey())) {
          out.printf("cnemu daemon: already running (pid %d, 127.0.0.1:%d)%n", old.pid(), old.port());
          return ExitCodes.OK;
        }
        out.printf("cnemu daemon: replacing pid %d (started from another build or JVM settings)%n", old.pid());
        stop(old, dir);
      }
      Files.deleteIfExists(dir.resolve(DaemonState.FILE));
      Path log = dir.resolve(DaemonState.LOG);

      // The same JVM as this one (bin/cnemu's flags: collector, card marking, AppCDS archive,
      // JAVA_OPTS), serving.
      List<String> cmd = new ArrayList<>();
      for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
        // its own session: closing the terminal that started it does not hang it up
        if (new File(setsid).canExecute()) {
          cmd.add(setsid);
          break;
        }
      }
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (!a.startsWith("-XX:ArchiveClassesAtExit")) cmd.add(a);
      }
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Cli.class.getName(), "daemon", "serve",
          "--warm-up", Integer.toString(warmUp)));
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectErrorStream(true);
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        DaemonState st = DaemonState.read(dir);
        if (st != null && st.alive()) {
          out.printf("cnemu daemon: started (pid %d, 127.0.0.1:%d; state %s, log %s)%n", st.pid(), st.port(),
              dir.resolve(DaemonState.FILE), log);
          return ExitCodes.OK;
        }
        if (!p.isAlive()) break;
        Thread.sleep(20);
      }
      p.destroy();
      err.println("error: the daemon did not start; see " + log);
      return ExitCodes.FAILURE;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stop the daemon (a command it is serving may take up to 10 s to finish first).")
  static final class Stop implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Path dir = DaemonState.dir();
      DaemonState st = DaemonState.read(dir);
      if (st == null) {
        out.println("cnemu daemon: not running");
        return ExitCodes.OK;
      }
      if (!st.alive()) {
        st.deleteIfOurs(dir);
        out.println("cnemu daemon: not running (removed the state file of exited pid " + st.pid() + ")");
        return ExitCodes.OK;
      }
      stop(st, dir);
      out.println("cnemu daemon: stopped (pid " + st.pid() + ")");
      return ExitCodes.OK;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Say whether the daemon runs, and whether it is current.", "The exit code is 0 when it runs, 1 when not."})
  static final class Status implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Path dir = DaemonState.dir();
      DaemonState st = DaemonState.read(dir);
      if (st == null || !st.alive()) {
        out.println("cnemu daemon: not running");
        return ExitCodes.FAILURE;
      }
      String answer;
      try {
        answer = new DaemonClient(st.port(), st.token()).control("status");
      } catch (IOException e) {
        answer = "not answering (" + e.getMessage() + ")";
      }
      String state = answer.startsWith("status ") ? answer.substring(7).split(" ")[0] : answer;
      int w = answer.indexOf(" warm-up=running");
      if (w >= 0) state += ", warming up" + answer.substring(w + " warm-up=running".length());
      out.printf("cnemu daemon: running (pid %d, 127.0.0.1:%d, %s; state %s)%n", st.pid(), st.port(), state,
          dir.resolve(DaemonState.FILE));
      if (!st.matchesCurrentBuild()) {
        out.println("cnemu daemon: stale: started from another build, so bin/cnemu does not use it; "
            + "'cnemu daemon start' replaces it");
      } else if (!st.launch().equals(launchKey())) {
        out.println("cnemu daemon: started with other JVM settings (JAVA_OPTS, CNEMU_FAST_START, CNEMU_CDS) "
            + "than this shell's, so bin/cnemu here does not use it");
      }
      return ExitCodes.OK;
    }
  }

  /** The daemon process itself, started by {@code start}. */
  @Command(name = "serve", hidden = true, description = "Run the daemon in the foreground (used by 'daemon start').")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--warm-up", defaultValue = "200")
    int warmUp;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      Path dir = DaemonState.dir();
      try (BuildCheck build = BuildCheck.ofThisJvm(); DaemonServer server = new DaemonServer().checkingBuild(build::stale)) {
        DaemonState st = new DaemonState(server.port(), server.token(), ProcessHandle.current().pid(),
            DaemonState.startTicks(ProcessHandle.current().pid()), launchKey(),
            DaemonState.currentClasspath());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> st.deleteIfOurs(dir), "cnemu-daemon-cleanup"));
        server.start();
        st.write(dir); // last: a client that finds the file finds a warm daemon listening
        out.printf("cnemu daemon: serving on 127.0.0.1:%d (pid %d)%n", server.port(), st.pid());
        out.flush();
        // after the state file: the daemon serves while it warms up (a command preempts a round)
        Thread warming = new WarmUp(server, warmUp, WarmUp.perCommandRounds(), System.out).start();
        server.awaitStop();
        warming.join(5_000);
        st.deleteIfOurs(dir);
        out.println("cnemu daemon: stopped");
        return ExitCodes.OK;
      }
    }
  }
}
