package org.cnemu.experiments.ui;

import java.io.PrintWriter;
import java.util.Locale;
import org.cnemu.emulator.Coordinator;

/**
 * One self-overwriting status line on a terminal: virtual time done / end, virtual speed, ETA.
 * Called on the coordinator's thread, so it must stay cheap: at most ~5 redraws per wall second.
 * The wall clock is fine here: this is UI, not model.
 */
public final class ProgressLine implements Coordinator.ProgressListener {
  private static final long MIN_REDRAW_NANOS = 200_000_000L;

  private final PrintWriter err;
  private final String prefix;
  private final long startWall = System.nanoTime();
  private long lastDraw = Long.MIN_VALUE;
  private boolean drawn;

  public ProgressLine(PrintWriter err, String prefix) {
    this.err = err;
    this.prefix = prefix;
  }

  private long events = -1;

  @Override
  public void onProgress(long virtualNanos, long endNanos, long eventsSoFar) {
    events = eventsSoFar;
    onProgress(virtualNanos, endNanos);
  }

  @Override
  public void onProgress(long virtualNanos, long endNanos) {
    long now = System.nanoTime();
    if (drawn && now - lastDraw < MIN_REDRAW_NANOS) return;
    if (!drawn && now - startWall < MIN_REDRAW_NANOS) return; // short runs never show a bar
    lastDraw = now;
    drawn = true;
    double done = endNanos <= 0 ? 1 : Math.min(1, (double) virtualNanos / endNanos);
    double elapsedSec = (now - startWall) / 1e9;
    String eta = done > 0 ? Format.seconds(elapsedSec * (1 - done) / done) : "?";
    int width = 24;
    int filled = (int) Math.round(done * width);
    String bar = "#".repeat(filled) + "-".repeat(width - filled);
    String rate = events < 0 ? "" : String.format(Locale.ROOT, ", %,.0f events/s", events / Math.max(elapsedSec, 1e-9));
    err.printf(Locale.ROOT, "\r%s[%s] %5.1f%%  virtual %s / %s  (%s virtual per wall second%s)  ETA %s\u001b[K",
        prefix, bar, done * 100, Format.nanos(virtualNanos), Format.nanos(endNanos),
        Format.nanos((long) (virtualNanos / Math.max(elapsedSec, 1e-9))), rate, eta);
    err.flush();
  }

  /** Removes the line so the summary starts on a clean row. */
  public void clear() {
    if (!drawn) return;
    err.print("\r\u001b[K");
    err.flush();
  }
}
