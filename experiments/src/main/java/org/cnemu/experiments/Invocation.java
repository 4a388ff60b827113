package org.cnemu.experiments;

import java.nio.file.Path;

/**
 * Where and how one command line was invoked. A fresh JVM has exactly one invocation (its own working
 * folder, its own terminal); the resident daemon ({@code cnemu daemon}) serves many from one JVM, whose
 * working folder is not the caller's, so relative paths must be resolved against {@link #cwd()} here
 * rather than by the JVM (which cannot change its working folder per request).
 *
 * @param cwd the caller's working folder, or null for the JVM's own (the fresh-JVM path)
 * @param interactive stderr is a terminal: draw the progress line
 * @param debug CNEMU_DEBUG was set: print stack traces of failed runs
 * @param keepFarmDriver the JVM serves one command after another (the daemon): a farmed plan keeps its
 *     driver's actor system (remoting, TLS, its connections to the nodes) for the next farmed command
 *     with the same seed, address and key ({@link org.cnemu.emulator.cluster.JobFarm#start}); a fresh
 *     JVM stops it with the plan
 */
public record Invocation(Path cwd, boolean interactive, boolean debug, boolean keepFarmDriver) {
  /** This JVM's own invocation: its working folder, its console, its environment. */
  public static Invocation local() {
    return new Invocation(null, System.console() != null, System.getenv("CNEMU_DEBUG") != null, false);
  }

  /** {@code p} as the caller means it: relative paths against the caller's folder. */
  public Path resolve(Path p) {
    return p == null || cwd == null || p.isAbsolute() ? p : cwd.resolve(p);
  }

  /**
   * A folder as the user named it ({@code shown}, possibly relative) and as this JVM must use it
   * ({@code actual}); {@link #show} prints paths below it the way a fresh JVM would.
   */
  public record PathView(Path shown, Path actual) {
    public String show(Path p) {
      if (p == null) return "null";
      if (shown.equals(actual) || !p.startsWith(actual)) return p.toString();
      return shown.resolve(actual.relativize(p)).toString();
    }
  }

  /** The view of {@code dir}: as given, and resolved for this invocation. */
  public PathView view(Path dir) {
    return new PathView(dir, resolve(dir));
  }
}
