package org.cnemu.experiments.live;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kamon.Kamon;
import org.cnemu.emulator.telemetry.Telemetry;

/**
 * Live dashboards through Kamon: a Prometheus endpoint (127.0.0.1 unless told otherwise) serving the
 * model's virtual-time metrics and the engine's health while a run goes on. Off unless asked for
 * ({@code --prometheus PORT}). Pekko actor instrumentation needs Kamon's agent, which roughly
 * halves actor message rates (ping-pong 0.69 M -> ~0.35 M round trips/s measured here), so it is attached only with
 * {@code --instrument-actors}. Kamon must start before the actor system for that to work.
 */
public final class LiveMetrics implements AutoCloseable {
  /** Where and how to serve. */
  public record Settings(String host, int port, boolean instrumentActors, Config kamonOverrides) {}

  private final long lingerNanos;

  private LiveMetrics(long lingerNanos) {
    this.lingerNanos = lingerNanos;
  }

  public static LiveMetrics start(Settings s, Map<String, String> runTags) {
    Config config = s.kamonOverrides()
        .withFallback(ConfigFactory.parseString(
            "kamon.prometheus.embedded-server.hostname = \"" + s.host() + "\"\n"
                + "kamon.prometheus.embedded-server.port = " + s.port() + "\n"))
        .withFallback(ConfigFactory.parseResources("cnemu-kamon.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
    if (s.instrumentActors()) {
      Kamon.init(config);
    } else {
      Kamon.initWithoutAttaching(config);
    }
    Telemetry.install(new KamonTelemetry(runTags));
    return new LiveMetrics(config.getDuration("cnemu.live.linger-after-run").toNanos());
  }

  /** Per-run tags (the run index changes between repetitions); only while live metrics are on. */
  public static void retag(Map<String, String> runTags) {
    Telemetry.install(new KamonTelemetry(runTags));
  }

  /** Keeps the endpoint up for {@code cnemu.live.linger-after-run} (the final values' scrape), then stops Kamon. */
  @Override
  public void close() {
    Telemetry.install(null);
    try {
      TimeUnit.NANOSECONDS.sleep(lingerNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      scala.concurrent.Await.ready(Kamon.stop(),
          scala.concurrent.duration.Duration.create(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      // stopping reporters late changes nothing about the results
    }
  }
}
