package org.cnemu.experiments.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The latency histogram's Prometheus buckets, as configured: 1 us to at least 100 ms, log-spaced, fine enough. */
class LatencyBucketsTest {
  @Test
  void bucketsSpanOneMicrosecondToAHundredMillisecondsWithinTenPercent() {
    Config c = ConfigFactory.parseResources("cnemu-kamon.conf").resolve();
    List<Double> b = c.getDoubleList("kamon.prometheus.buckets.custom.cnemu_flow_latency");
    assertEquals(c.getDoubleList("cnemu.live.latency-buckets-seconds"), b);
    assertEquals(1e-6, b.get(0), 1e-15);
    assertTrue(b.get(b.size() - 1) >= 0.1, "last bound " + b.get(b.size() - 1));
    for (int i = 1; i < b.size(); i++) {
      double ratio = b.get(i) / b.get(i - 1);
      // an interpolated quantile lies in the same bucket as the true one: error <= ratio - 1
      assertTrue(ratio > 1 && ratio <= 1.1, "bounds " + b.get(i - 1) + " and " + b.get(i));
    }
  }
}
