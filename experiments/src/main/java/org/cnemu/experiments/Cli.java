package org.cnemu.experiments;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.cnemu.experiments.cli.BenchCommand;
import org.cnemu.experiments.cli.ListModelsCommand;
import org.cnemu.experiments.cli.RunCommand;
import org.cnemu.experiments.cli.ValidateCommand;
import org.cnemu.experiments.run.PlanRunner;
import org.cnemu.experiments.cli.CommandGroup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bin/cnemu}: the command line. User mistakes print one line each and exit 2; failed runs
 * print one {@code error:} line and exit 1; stack traces only with CNEMU_DEBUG=1.
 */
@Command(name = "cnemu", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    description = "cnemu: emulates, in virtual time, how Linux hosts process container-overlay network packets.",
    footer = {"", "Exit codes: 0 ok, 1 run failed, 2 bad input (usage or invalid experiment).",
        "Example: cnemu run experiments/quickstart.conf"})
public final class Cli extends CommandGroup {

  /**
   * The subcommands, in the order the usage lists them. Added by {@link #commandLine} rather than
   * declared in the annotation, so that a command line naming one builds only that one's picocli model:
   * the full model (every subcommand, with their option reflection, cluster and bench classes) costs
   * ~0.3 s in a fresh JVM and ~4 ms in a warm daemon, against a fraction of it for `run` alone.
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

  private static Map<String, Supplier<Object>> subcommands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("run", RunCommand::new);
    m.put("validate", ValidateCommand::new);
    m.put("list-models", ListModelsCommand::new);
    m.put("bench", BenchCommand::new);
    m.put("suite", org.cnemu.experiments.cli.SuiteCommand::new);
    m.put("compare", org.cnemu.experiments.cli.CompareCommand::new);
    m.put("cluster", org.cnemu.experiments.cli.ClusterCommand::new);
    m.put("ab", org.cnemu.experiments.cli.AbCommand::new);
    m.put("list-policies", org.cnemu.experiments.cli.ListPoliciesCommand::new);
    m.put("defaults", org.cnemu.experiments.cli.DefaultsCommand::new);
    m.put("daemon", org.cnemu.experiments.daemon.DaemonCommand::new);
    m.put("help", CommandLine.HelpCommand::new);
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * The command line for {@code args}: when the first argument names a subcommand (other than help),
   * only that one is built; otherwise (root options, usage, help, a mistyped name) all of them, so that
   * usage, help and "did you mean" suggestions are unchanged.
   */
  static CommandLine commandLine(Invocation invocation, String[] args) {
    CommandLine cl = new CommandLine(new Cli(invocation));
    String first = oneSubcommand(args);
    for (Map.Entry<String, Supplier<Object>> e : SUBCOMMANDS.entrySet()) {
      if (first == null || e.getKey().equals(first)) cl.addSubcommand(e.getKey(), e.getValue().get());
    }
    return cl;
  }

  /** The subcommand {@code args} name first (other than help), or null: then the command line has them all. */
  private static String oneSubcommand(String[] args) {
    String first = args.length > 0 ? args[0] : null;
    return first != null && !first.equals("help") && SUBCOMMANDS.containsKey(first) ? first : null;
  }

  /**
   * Command lines of one subcommand, kept between commands: building picocli's model of a subcommand (its
   * annotations, by reflection) took ~2.5 ms of a served star-8 command's ~30 ms, for the same model every
   * time. Each is used by one command at a time (taken from the queue, put back after); picocli sets every
   * option and parameter back to its initial value before it parses, and the commands keep no other state
   * from one call to the next.
   */
  private static final Map<String, java.util.Queue<CommandLine>> KEPT = new java.util.concurrent.ConcurrentHashMap<>();

  /** Where this command line was invoked (the daemon serves other folders than its own); set per command. */
  private Invocation invocation;

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
    return root instanceof Cli c && c.invocation != null ? c.invocation : Invocation.local();
  }

  public static void main(String[] args) {
    // Initialise logging before any thread logs: otherwise SLF4J prints "replayed calls" warnings.
    org.slf4j.LoggerFactory.getILoggerFactory();
    if (args.length > 0 && !args[0].startsWith("-")) {
      // Commands read the modules' reference.conf files (the experiment loader's defaults, an actor
      // system's settings; parsed once per JVM, ~0.2 s cold and more under load): parsing them starts
      // now, beside what the main thread does first (the command line, a cluster key), not on the way
      // of the first thread that needs them.
      Thread t = new Thread(com.typesafe.config.ConfigFactory::defaultReference, "cnemu-config");
      t.setDaemon(true);
      t.start();
    }
    PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
        StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
        StandardCharsets.UTF_8), true);
    org.cnemu.experiments.run.PhaseTrace.begin();
    int code = execute(args, out, err);
    out.flush();
    String trace = org.cnemu.experiments.run.PhaseTrace.end(); // -Dcnemu.trace.phases only
    if (!trace.isEmpty()) err.println(trace);
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
    String first = oneSubcommand(args);
    java.util.Queue<CommandLine> kept =
        first == null ? null : KEPT.computeIfAbsent(first, k -> new java.util.concurrent.ConcurrentLinkedQueue<>());
    CommandLine cl = kept == null ? null : kept.poll();
    if (cl == null) cl = configured(commandLine(invocation, args));
    Cli root = (Cli) cl.getCommand();
    root.invocation = invocation;
    cl.setOut(out);
    cl.setErr(err);
    try {
      int code = cl.execute(args);
      out.flush();
      err.flush();
      return code;
    } finally {
      // no reference to this command's streams or folder stays behind
      cl.setOut(NOWHERE);
      cl.setErr(NOWHERE);
      root.invocation = null;
      if (kept != null) kept.offer(cl);
    }
  }

  private static final PrintWriter NOWHERE = new PrintWriter(java.io.Writer.nullWriter());

  /** The command line kept for {@code subcommand} that the next command will use, or null (for tests). */
  static CommandLine kept(String subcommand) {
    java.util.Queue<CommandLine> q = KEPT.get(subcommand);
    return q == null ? null : q.peek();
  }

  /** The exception handlers of a command line (set after its subcommands: they apply to those present). */
  private static CommandLine configured(CommandLine cl) {
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("error: " + message(ex));
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
      c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
      return ExitCodes.BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, c, parse) -> {
      c.getErr().println("error: " + PlanRunner.describe(ex));
      if (invocation(c.getCommandSpec()).debug()) ex.printStackTrace(c.getErr());
      return ExitCodes.FAILURE;
    });
    return cl;
  }

  /**
   * picocli's message, but a first word that names no command (`cnemu foo`) says so and lists the commands,
   * instead of picocli's "Unmatched argument at index 0".
   */
  static String message(CommandLine.ParameterException ex) {
    CommandLine c = ex.getCommandLine();
    if (ex instanceof CommandLine.UnmatchedArgumentException u && c.getParent() == null
        && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
      String close = org.cnemu.emulator.config.Suggestions.closest(u.getUnmatched().get(0), c.getSubcommands().keySet());
      return "unknown command '" + u.getUnmatched().get(0) + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
          + "; commands: " + String.join(", ", c.getSubcommands().keySet());
    }
    return ex.getMessage();
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
