package org.cnemu.experiments.ui;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.cnemu.emulator.Coordinator;

/**
 * The progress of a whole plan on stderr: jobs done / running / left, the running jobs' virtual time,
 * an ETA. On a terminal one self-overwriting line, cut to the terminal's width (it never wraps); otherwise
 * a plain line every few seconds (logs and CI). Drawn by its own timer thread, so the jobs' threads only
 * store numbers. The wall clock is fine here: this is UI, not model.
 */
public final class PlanProgress implements AutoCloseable {
  private static final long REDRAW_MILLIS = 250;
  private static final long PLAIN_MILLIS = 5_000;
  /** Plans shorter than this never show a line. */
  private static final long FIRST_DRAW_NANOS = 500_000_000L;

  private final PrintWriter err;
  private final int total;
  private final boolean interactive;
  private final int columns;
  private final long startWall = System.nanoTime();
  private final ConcurrentHashMap<Integer, double[]> running = new ConcurrentHashMap<>();
  /** The cluster node of each running job of a farmed plan. */
  private final ConcurrentHashMap<Integer, String> nodeOf = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private int done;
  private boolean drawn;
  private String lastPlain = "";

  /**
   * @param interactive stderr is a terminal: one redrawn line; otherwise plain lines
   * @param columns the terminal's width (the line is cut to one less)
   */
  public PlanProgress(PrintWriter err, int totalJobs, boolean interactive, int columns) {
    this.err = err;
    this.total = totalJobs;
    this.interactive = interactive;
    this.columns = Math.max(20, columns);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cnemu-progress");
      t.setDaemon(true);
      return t;
    });
    long period = interactive ? REDRAW_MILLIS : PLAIN_MILLIS;
    timer.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
  }

  /** The terminal's width: $COLUMNS when set, else 80. */
  public static int terminalColumns() {
    try {
      String c = System.getenv("COLUMNS");
      if (c != null) return Integer.parseInt(c.strip());
    } catch (NumberFormatException e) {
      // fall through
    }
    return 80;
  }

  public void started(int job) {
    running.put(job, new double[] {0, 0});
  }

  /** A job of a farmed plan runs on cluster node {@code node} (its address). */
  public void runsOn(int job, String node) {
    int at = node.indexOf('@');
    nodeOf.put(job, at >= 0 ? node.substring(at + 1) : node);
  }

  /** The listener of one job's run: stores its virtual-time fraction for the next draw. */
  public Coordinator.ProgressListener listener(int job) {
    return (virtualNanos, endNanos) -> {
      double[] s = running.get(job);
      if (s != null) s[0] = endNanos <= 0 ? 1 : Math.min(1, (double) virtualNanos / endNanos);
    };
  }

  public synchronized void finished(int job) {
    running.remove(job);
    nodeOf.remove(job);
    done++;
  }

  /** Prints {@code text} (a whole line) on {@code out} without leaving a half-drawn progress line behind. */
  public synchronized void println(PrintWriter out, String text) {
    clearLine();
    out.println(text);
    out.flush();
  }

  /** The status text: what a plain line and the terminal line both say. */
  synchronized String status() {
    int run = running.size();
    double partial = 0;
    // a job at the end of its virtual time is writing its results and report (seconds for a large run)
    int writing = 0;
    for (double[] s : running.values()) {
      partial += s[0];
      if (s[0] >= 1) writing++;
    }
    int left = total - done - run;
    double elapsed = (System.nanoTime() - startWall) / 1e9;
    double work = done + partial;
    // nothing left to simulate but results still being written: the rate of simulation says nothing of that
    String eta = work > 0 && work < total ? Format.seconds(elapsed * (total - work) / work) : "?";
    String runs = run + " running" + (writing == 0 ? "" : writing == run ? " (writing results)"
        : " (" + writing + " writing results)");
    return String.format(Locale.ROOT, "%d/%d jobs done, %s, %d left, %.0f%%, ETA %s, elapsed %s", done, total,
        runs, left, total == 0 ? 100 : 100 * work / total, eta, Format.seconds(elapsed)) + nodes();
  }

  /**
   * For a farmed plan: each node's running jobs with their virtual time done, e.g. "; 127.0.0.1:25520 31% 80%".
   * A job at its virtual end is left out: its result is back here, or about to be, and this JVM writes it and
   * draws its report ("writing results" above), which for short jobs takes longer than running them did.
   */
  private String nodes() {
    if (nodeOf.isEmpty()) return "";
    java.util.Map<String, java.util.List<Integer>> byNode = new java.util.TreeMap<>();
    new java.util.TreeMap<>(nodeOf).forEach((job, node) -> {
      double[] s = running.get(job);
      if (s != null && s[0] < 1) byNode.computeIfAbsent(node, k -> new java.util.ArrayList<>()).add((int) Math.floor(100 * s[0]));
    });
    StringBuilder b = new StringBuilder();
    byNode.forEach((node, fractions) -> {
      b.append("; ").append(node);
      for (int f : fractions) b.append(' ').append(f).append('%');
    });
    return b.toString();
  }

  private synchronized void tick() {
    if (System.nanoTime() - startWall < FIRST_DRAW_NANOS) return;
    String s = status();
    if (!interactive) {
      // a plain line only when jobs moved: none while the last reports are drawn
      String counts = done + "/" + running.size();
      if (counts.equals(lastPlain) && running.isEmpty() || done == total) return;
      lastPlain = counts;
      err.println("progress: " + s);
      err.flush();
      return;
    }
    err.print("\r" + line(s) + "\u001b[K");
    err.flush();
    drawn = true;
  }

  /** The terminal line for {@code status}: a bar as wide as the room left allows, never wider than the terminal. */
  synchronized String line(String status) {
    double frac = total == 0 ? 1 : 0;
    if (total > 0) {
      double partial = 0;
      for (double[] r : running.values()) partial += r[0];
      frac = Math.min(1, (done + partial) / total);
    }
    int width = Math.min(20, columns - 1 - status.length() - 3);
    if (width < 5) return fit(status, columns - 1);
    int filled = (int) Math.round(frac * width);
    return fit("[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + status, columns - 1);
  }

  /** {@code s} cut to {@code width} characters. */
  static String fit(String s, int width) {
    return s.length() <= width ? s : s.substring(0, Math.max(0, width));
  }

  private void clearLine() {
    if (!drawn) return;
    err.print("\r\u001b[K");
    err.flush();
    drawn = false;
  }

  @Override
  public synchronized void close() {
    timer.shutdownNow();
    clearLine();
  }
}
