package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.junit.jupiter.api.Test;

/**
 * One-way latency samples ({@link LatencySamples}) stay raw per flow until {@link LatencySamples#keep} have
 * gathered, then go into the flow's histogram in bulk. Where the samples wait must not change a percentile
 * or a count of a whole run.
 */
class SteeringLatencySamplesTest {
  private static String results(Config e, int keep) {
    int before = LatencySamples.keep;
    LatencySamples.keep = keep;
    try {
      return Calib.run(e, 1, 1).results().toString();
    } finally {
      LatencySamples.keep = before;
    }
  }

  @Test
  void latencyPercentilesAreTheSameWhetherSamplesStayRawOrSpillIntoHistograms() {
    Config e = Calib.load("udp-1flow-native").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("6ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("1ms"));
    String raw = results(e, 1 << 20); // every sample raw until the end
    assertTrue(raw.contains("owd_p999_ns.") && raw.contains("owd_sock_p99_ns."), raw);
    long count = Long.parseLong(raw.replaceAll("(?s).*owd_count\\.[^=]*=(\\d+).*", "$1"));
    assertTrue(count > 16 * 20, "samples: " + count); // many spills at 16
    assertEquals(raw, results(e, 16), "spilled into the flow's histogram every 16 samples");
    assertEquals(raw, results(e, 1024), "the default");
  }
}
