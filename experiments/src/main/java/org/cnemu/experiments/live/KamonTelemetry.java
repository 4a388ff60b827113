package org.cnemu.experiments.live;

import java.util.LinkedHashMap;
import java.util.Map;
import kamon.Kamon;
import kamon.metric.MeasurementUnit;
import kamon.tag.TagSet;
import org.cnemu.emulator.telemetry.Telemetry;

/** The Telemetry backend on Kamon: every instrument carries the run's tags (experiment, run, policy). */
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

  @Override
  public Gauge gauge(String name, String... tags) {
    kamon.metric.Gauge g = Kamon.gauge(name).withTags(tags(tags));
    return g::update;
  }

  @Override
  public Counter counter(String name, String... tags) {
    kamon.metric.Counter c = Kamon.counter(name).withTags(tags(tags));
    return d -> {
      if (d > 0) c.increment(d);
    };
  }

  @Override
  public Histogram histogram(String name, String... tags) {
    // Unit "none": the name says nanoseconds, and the reporter must not rescale virtual times.
    kamon.metric.Histogram h = Kamon.histogram(name, MeasurementUnit.none()).withTags(tags(tags));
    return v -> h.record(Math.max(0, v));
  }
}
