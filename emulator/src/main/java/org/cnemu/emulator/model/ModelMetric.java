package org.cnemu.emulator.model;

/**
 * One comparable figure of a finished run, named and computed by the model that produced the run
 * (the runner, summaries, comparisons and the suite know no model's words).
 *
 * @param name stable name, e.g. {@code total.throughput_gbps}; summaries and comparisons match on it
 * @param unit unit as shown to people ({@code Gbps}, {@code us}, {@code %}, {@code packets}, or empty)
 * @param better which way is an improvement, for ratio tables and policy checks
 * @param headline shown in the terminal summary of a sweep or comparison (the rest only in files)
 */
public record ModelMetric(String name, double value, String unit, Better better, boolean headline) {
  /** Which direction of change is an improvement. */
  public enum Better {
    HIGHER, LOWER, NEITHER
  }

  public static ModelMetric of(String name, double value, String unit, Better better) {
    return new ModelMetric(name, value, unit, better, false);
  }

  public static ModelMetric headline(String name, double value, String unit, Better better) {
    return new ModelMetric(name, value, unit, better, true);
  }
}
