package org.cnemu.emulator.telemetry;

/**
 * Live metrics, write-only: model and engine code publish here, nothing ever reads back, so
 * telemetry cannot change a result. Values are virtual-time quantities (ns, packets, bytes) except
 * the engine-health series, which are wall-clock figures about the emulator itself.
 *
 * <p>The runner installs a backend (Kamon with a Prometheus endpoint) before a run; by default
 * every instrument is a no-op. Get instruments once (e.g. in onStart) and keep them: lookups
 * allocate, updates do not.
 */
public interface Telemetry {
  Telemetry NOOP = new Telemetry() {};

  /** A value that is set (utilization, queue length). */
  interface Gauge {
    void set(double value);
  }

  /** A monotonically increasing count (packets, drops, IRQs). */
  interface Counter {
    void add(long delta);
  }

  /** A distribution (latencies in ns). */
  interface Histogram {
    void record(long value);
  }

  Gauge NOOP_GAUGE = v -> {};
  Counter NOOP_COUNTER = d -> {};
  Histogram NOOP_HISTOGRAM = v -> {};

  /** @param tags alternating key, value */
  default Gauge gauge(String name, String... tags) {
    return NOOP_GAUGE;
  }

  default Counter counter(String name, String... tags) {
    return NOOP_COUNTER;
  }

  /** A histogram of nanosecond values. */
  default Histogram histogram(String name, String... tags) {
    return NOOP_HISTOGRAM;
  }

  /** The backend of this JVM (one run at a time per JVM). */
  static Telemetry current() {
    return Holder.current;
  }

  static void install(Telemetry t) {
    Holder.current = t == null ? NOOP : t;
  }

  /** Where the installed backend lives. */
  final class Holder {
    private static volatile Telemetry current = NOOP;

    private Holder() {}
  }
}
