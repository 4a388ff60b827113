package org.cnemu.emulator;

import org.cnemu.emulator.telemetry.Telemetry;

/**
 * The engine's own health series for live dashboards: events per wall second, window length,
 * barrier wait share and batches in flight. Wall-clock figures about the emulator, never inputs to
 * the model; fed by partition 0's progress reports (at most every 50 ms of wall time).
 */
final class EngineHealth {
  private final Telemetry t = Telemetry.current();
  private final Telemetry.Gauge eventsPerSec = t.gauge("cnemu_engine_events_per_second");
  private final Telemetry.Gauge barrierShare = t.gauge("cnemu_engine_barrier_wait_share");
  private final Telemetry.Gauge inFlight = t.gauge("cnemu_engine_batches_in_flight");
  private final Telemetry.Gauge virtualNanos = t.gauge("cnemu_engine_virtual_time_ns");
  private final Telemetry.Gauge virtualPerWall = t.gauge("cnemu_engine_virtual_ns_per_wall_second");
  private final Telemetry.Gauge windowNanos = t.gauge("cnemu_engine_window_length_ns");
  private final Telemetry.Counter windowCount = t.counter("cnemu_engine_windows");
  private long lastWindows;
  private final Telemetry.Counter events = t.counter("cnemu_engine_events");
  private long lastWall;
  private long lastEvents;
  private long lastBusy;
  private long lastVirtual;

  void update(Coordinator.Progress p, int partitions, long startWall) {
    if (t == Telemetry.NOOP) return;
    long now = System.nanoTime(); // wall: emulator health only
    if (lastWall == 0) lastWall = startWall;
    long dt = Math.max(1, now - lastWall);
    eventsPerSec.set((p.events() - lastEvents) * 1e9 / dt);
    events.add(p.events() - lastEvents);
    barrierShare.set(Math.max(0, 1 - (double) (p.busyWallNanos() - lastBusy) / ((double) dt * partitions)));
    inFlight.set(p.batchesInFlight());
    virtualNanos.set(p.settledNanos());
    virtualPerWall.set((p.settledNanos() - lastVirtual) * 1e9 / dt);
    long w = p.windows() - lastWindows;
    if (w > 0) windowNanos.set((double) (p.settledNanos() - lastVirtual) / w);
    windowCount.add(w);
    lastWindows = p.windows();
    lastWall = now;
    lastEvents = p.events();
    lastBusy = p.busyWallNanos();
    lastVirtual = p.settledNanos();
  }
}
