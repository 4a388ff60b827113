package org.cnemu.emulator;

import org.cnemu.emulator.telemetry.Telemetry;
import org.cnemu.emulator.telemetry.Telemetry.Series;
import org.cnemu.emulator.telemetry.Telemetry.Unit;

/**
 * The engine's own health series for live dashboards: wall-clock figures about the emulator, never
 * inputs to the model; fed by partition 0's progress reports (at most every 50 ms of wall time) or,
 * in a one-partition run, by each slice of the sequential loop. Rates (events and virtual time per
 * wall second) are exported as counters for the dashboard's rate(): a rate computed here would
 * divide by the gap between two reports, and reports can queue in the coordinator's mailbox and be
 * handled microseconds apart (a 10-1000x spike for one scrape).
 */
final class EngineHealth {
  static final Series EVENTS = new Series("cnemu_engine_events", Unit.NONE,
      "Events the engine has handled (rate() is events per wall second).");
  static final Series VIRTUAL = new Series("cnemu_engine_virtual", Unit.NANOSECONDS,
      "Virtual time advanced, summed over the runs of this process (rate() is virtual seconds per wall second).");
  static final Series VIRTUAL_TIME = new Series("cnemu_engine_virtual_time", Unit.NANOSECONDS,
      "Virtual time the current run has reached.");
  static final Series BARRIER_SHARE = new Series("cnemu_engine_barrier_wait_share", Unit.NONE,
      "Share of partition workers' wall time spent waiting at window barriers since the previous report (0-1).");
  static final Series IN_FLIGHT = new Series("cnemu_engine_batches_in_flight", Unit.NONE,
      "Message batches between partitions sent and not yet delivered.");
  static final Series WINDOW_LENGTH = new Series("cnemu_engine_window_length", Unit.NANOSECONDS,
      "Mean virtual length of the synchronization windows since the previous report.");
  static final Series WINDOWS = new Series("cnemu_engine_windows", Unit.NONE, "Synchronization windows so far.");

  private final Telemetry t = Telemetry.current();
  private final Telemetry.Counter events = t.counter(EVENTS);
  private final Telemetry.Counter virtual = t.counter(VIRTUAL);
  private final Telemetry.Gauge virtualTime = t.gauge(VIRTUAL_TIME);
  private final Telemetry.Gauge barrierShare = t.gauge(BARRIER_SHARE);
  private final Telemetry.Gauge inFlight = t.gauge(IN_FLIGHT);
  private final Telemetry.Gauge windowLength = t.gauge(WINDOW_LENGTH);
  private final Telemetry.Counter windowCount = t.counter(WINDOWS);
  private long lastAt = Long.MIN_VALUE;
  private long lastEvents;
  private long lastBusy;
  private long lastVirtual;
  private long lastWindows;

  /** The run's final totals (counters and virtual time only: no interval to share the wall time over). */
  void finish(long endNanos, long totalEvents, long totalWindows) {
    if (t == Telemetry.NOOP) return;
    events.add(totalEvents - lastEvents);
    virtual.add(endNanos - lastVirtual);
    virtualTime.set(endNanos);
    inFlight.set(0);
    windowCount.add(totalWindows - lastWindows);
    lastEvents = totalEvents;
    lastVirtual = endNanos;
    lastWindows = totalWindows;
  }

  /** @param p totals so far, measured at {@code p.atWallNanos()} on the reporting partition's clock */
  void update(Coordinator.Progress p, int partitions) {
    if (t == Telemetry.NOOP) return;
    events.add(p.events() - lastEvents);
    virtual.add(p.settledNanos() - lastVirtual);
    virtualTime.set(p.settledNanos());
    inFlight.set(p.batchesInFlight());
    long w = p.windows() - lastWindows;
    if (w > 0) windowLength.set((double) (p.settledNanos() - lastVirtual) / w);
    windowCount.add(w);
    long dt = p.atWallNanos() - lastAt;
    if (lastAt != Long.MIN_VALUE && dt > 0) {
      barrierShare.set(Math.max(0, 1 - (double) (p.busyWallNanos() - lastBusy) / ((double) dt * partitions)));
    }
    lastAt = p.atWallNanos();
    lastEvents = p.events();
    lastBusy = p.busyWallNanos();
    lastVirtual = p.settledNanos();
    lastWindows = p.windows();
  }
}
