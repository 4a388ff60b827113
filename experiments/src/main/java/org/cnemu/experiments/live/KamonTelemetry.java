package org.cnemu.experiments.live;

import java.util.LinkedHashMap;
import java.util.Map;
import kamon.Kamon;
import kamon.metric.MeasurementUnit;
import kamon.tag.TagSet;
import org.cnemu.emulator.telemetry.Telemetry;

/**
 * The Telemetry backend on Kamon: every instrument carries the run's tags (experiment, run, policy)
 * and its series' unit and description, so the Prometheus reporter exports base units
 * ({@code _seconds}, {@code _bytes}), {@code _total} on counters and a HELP line per series. Histogram
 * buckets come from {@code kamon.prometheus.buckets} in cnemu-kamon.conf.
 */
final class KamonTelemetry implements Telemetry {
  private final Map<String, String> baseTags;

  KamonTelemetry(Map<String, String> baseTags) {
    this.baseTags = new LinkedHashMap<>(baseTags);
  }

  private TagSet tags(String... kv) {
    if (kv.length % 2 != 0) throw new IllegalArgumentException("tags must be key, value pairs");
    Map<String, Object> m = new LinkedHashMap<>(baseTags);
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return TagSet.from(m);
  }

  static MeasurementUnit unit(Unit u) {
    return switch (u) {
      case NONE -> MeasurementUnit.none();
      case NANOSECONDS -> MeasurementUnit.time().nanoseconds();
      case BYTES -> MeasurementUnit.information().bytes();
    };
  }

  @Override
  public Gauge gauge(Series s, String... tags) {
    kamon.metric.Gauge g = Kamon.gauge(s.name(), s.help(), unit(s.unit())).withTags(tags(tags));
    return g::update;
  }

  @Override
  public Counter counter(Series s, String... tags) {
    kamon.metric.Counter c = Kamon.counter(s.name(), s.help(), unit(s.unit())).withTags(tags(tags));
    return d -> {
      if (d > 0) c.increment(d);
    };
  }

  @Override
  public Histogram histogram(Series s, String... tags) {
    kamon.metric.Histogram h = Kamon.histogram(s.name(), s.help(), unit(s.unit())).withTags(tags(tags));
    return v -> h.record(Math.max(0, v));
  }
}
