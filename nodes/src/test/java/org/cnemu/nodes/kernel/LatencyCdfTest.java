package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Request-response flows carry their latency CDF, monotone and consistent with the percentiles. */
class LatencyCdfTest {
  @Test
  @SuppressWarnings("unchecked")
  void cdfIsMonotoneAndMatchesThePercentiles() {
    Calib.Run r = Calib.run(Calib.load("examples/rr-docker-overlay").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("4ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("1ms")), 1, 1);
    for (Map<String, Object> f : r.list("flows")) {
      List<List<Number>> cdf = (List<List<Number>>) f.get("latency_cdf_us");
      assertTrue(cdf != null && cdf.size() >= 10, "cdf of " + f.get("id"));
      double prevUs = -1;
      double prevFrac = -1;
      for (List<Number> point : cdf) {
        assertTrue(point.get(0).doubleValue() >= prevUs && point.get(1).doubleValue() >= prevFrac, cdf.toString());
        prevUs = point.get(0).doubleValue();
        prevFrac = point.get(1).doubleValue();
      }
      assertEquals(1.0, prevFrac);
      double p50 = ((Number) ((Map<String, Object>) f.get("latency_us")).get("p50")).doubleValue();
      boolean found = cdf.stream().anyMatch(p -> p.get(1).doubleValue() == 0.5 && p.get(0).doubleValue() == p50);
      assertTrue(found, "the CDF's 0.5 point is the p50 " + p50 + ": " + cdf);
    }
  }
}
