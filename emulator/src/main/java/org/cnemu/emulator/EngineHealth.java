package org.cnemu.emulator;

import org.cnemu.emulator.telemetry.Telemetry;

/**
 * The engine's own health series for live dashboards: events per wall second, window length,
 * barrier wait share and batches in flight. Wall-clock figures about the emulator, never inputs to
 * the model. Published at most every 100 ms of wall time.
 */
final class EngineHealth {
  private final Telemetry t = Telemetry.current();
  private final Telemetry.Gauge eventsPerSec = t.gauge("cnemu_engine_events_per_second");
  private final Telemetry.Gauge windowNanos = t.gauge("cnemu_engine_window_length_ns");
  private final Telemetry.Gauge barrierShare = t.gauge("cnemu_engine_barrier_wait_share");
  private final Telemetry.Gauge inFlight = t.gauge("cnemu_engine_batches_in_flight");
  private final Telemetry.Gauge virtualNanos = t.gauge("cnemu_engine_virtual_time_ns");
  private final Telemetry.Counter events = t.counter("cnemu_engine_events");
  private final Telemetry.Counter windows = t.counter("cnemu_engine_windows");
  private long lastWall;
  private long lastEvents;
  private long lastBusy;
  private long lastVirtual;
  private long windowsSince;

  void afterWindow(long[] eventsSoFar, long[] busySoFar, long batchesInFlight, long virtualNow, long startWall) {
    windowsSince++;
    if (t == Telemetry.NOOP) return;
    long now = System.nanoTime(); // wall: emulator health only
    if (lastWall == 0) lastWall = startWall;
    long dt = now - lastWall;
    if (dt < 100_000_000L) return;
    long ev = 0;
    long busy = 0;
    for (long e : eventsSoFar) ev += e;
    for (long b : busySoFar) busy += b;
    eventsPerSec.set((ev - lastEvents) * 1e9 / dt);
    events.add(ev - lastEvents);
    windows.add(windowsSince);
    windowNanos.set(windowsSince == 0 ? 0 : (double) (virtualNow - lastVirtual) / windowsSince);
    barrierShare.set(Math.max(0, 1 - (double) (busy - lastBusy) / ((double) dt * busySoFar.length)));
    inFlight.set(batchesInFlight);
    virtualNanos.set(virtualNow);
    lastWall = now;
    lastEvents = ev;
    lastBusy = busy;
    lastVirtual = virtualNow;
    windowsSince = 0;
  }
}
