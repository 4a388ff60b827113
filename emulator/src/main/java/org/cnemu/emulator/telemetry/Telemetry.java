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

  /** What a series' values are in; a backend exports base units (seconds, bytes). */
  enum Unit {
    /** A count or a ratio. */
    NONE,
    /** Values recorded in nanoseconds (exported in seconds). */
    NANOSECONDS,
    /** Values recorded in bytes. */
    BYTES
  }

  /**
   * One series: {@code name} without unit or {@code _total} suffix (the backend adds {@code _seconds},
   * {@code _bytes}, {@code _total} as its conventions say), what its values are in, and a one-sentence
   * description (Prometheus' HELP). The same name always comes with the same unit and help.
   */
  record Series(String name, Unit unit, String help) {}

  /** A value that is set (utilization, queue length). */
  interface Gauge {
    void set(double value);
  }

  /** A monotonically increasing count (packets, drops, IRQs, nanoseconds). */
  interface Counter {
    void add(long delta);
  }

  /** A distribution (latencies). */
  interface Histogram {
    void record(long value);
  }

  Gauge NOOP_GAUGE = v -> {};
  Counter NOOP_COUNTER = d -> {};
  Histogram NOOP_HISTOGRAM = v -> {};

  /** @param tags alternating key, value */
  default Gauge gauge(Series series, String... tags) {
    return NOOP_GAUGE;
  }

  default Counter counter(Series series, String... tags) {
    return NOOP_COUNTER;
  }

  default Histogram histogram(Series series, String... tags) {
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
