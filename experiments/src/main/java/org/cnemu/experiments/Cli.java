package org.cnemu.experiments;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.cnemu.experiments.cli.BenchCommand;
import org.cnemu.experiments.cli.ListModelsCommand;
import org.cnemu.experiments.cli.RunCommand;
import org.cnemu.experiments.cli.ValidateCommand;
import org.cnemu.experiments.run.ExperimentRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bin/cnemu}: the command line. User mistakes print one line each and exit 2; failed runs
 * print one {@code error:} line and exit 1; stack traces only with CNEMU_DEBUG=1.
 */
@Command(name = "cnemu", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    description = "cnemu: emulates, in virtual time, how Linux hosts process container-overlay network packets.",
    subcommands = {RunCommand.class, ValidateCommand.class, ListModelsCommand.class, BenchCommand.class,
        org.cnemu.experiments.cli.SuiteCommand.class,
        org.cnemu.experiments.cli.CompareCommand.class,
        org.cnemu.experiments.cli.ClusterCommand.class,
        org.cnemu.experiments.cli.AbCommand.class,
        org.cnemu.experiments.cli.ListPoliciesCommand.class,
        org.cnemu.experiments.daemon.DaemonCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: 0 ok, 1 run failed, 2 bad input (usage or invalid experiment).",
        "Example: cnemu run experiments/quickstart.conf"})
public final class Cli implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** Where this command line was invoked (the daemon serves other folders than its own). */
  private final Invocation invocation;

  public Cli() {
    this(Invocation.local());
  }

  Cli(Invocation invocation) {
    this.invocation = invocation;
  }

  /**
   * The invocation of the command line {@code spec} belongs to; {@link Invocation#local()} when the
   * command was built without a {@code Cli} root (tests that construct a subcommand directly).
   */
  public static Invocation invocation(CommandSpec spec) {
    Object root = spec.root().userObject();
    return root instanceof Cli c ? c.invocation : Invocation.local();
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.BAD_INPUT;
  }

  public static void main(String[] args) {
    // Initialise logging before any thread logs: otherwise SLF4J prints "replayed calls" warnings.
    org.slf4j.LoggerFactory.getILoggerFactory();
    PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
        StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
        StandardCharsets.UTF_8), true);
    int code = execute(args, out, err);
    out.flush();
    err.flush();
    // The only exit of the fresh-JVM path; everything below returns its code (the daemon serves
    // execute() in process and must never exit).
    System.exit(code);
  }

  /** Runs the command line in-process with the given streams (tests use this). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return execute(args, out, err, Invocation.local());
  }

  /** Runs the command line in-process for {@code invocation} (the daemon: the caller's folder and terminal). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err, Invocation invocation) {
    CommandLine cl = new CommandLine(new Cli(invocation));
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("error: " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
      c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
      return ExitCodes.BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, c, parse) -> {
      c.getErr().println("error: " + ExperimentRunner.describe(ex));
      if (invocation.debug()) ex.printStackTrace(c.getErr());
      return ExitCodes.FAILURE;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The version from the jar manifest (set by Maven), or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Cli.class.getPackage().getImplementationVersion();
      return new String[] {"cnemu " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
    }
  }
}
