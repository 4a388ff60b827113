package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-packet journeys: the stages of sampled packets add up to their end-to-end latency, for every policy. */
class JourneyTest {
  @SuppressWarnings("unchecked")
  static Map<String, Object> journeys(Map<String, Object> results) {
    return (Map<String, Object>) results.get("journeys");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  static long num(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).longValue();
  }

  /** Every flow's stage sums add up to its end-to-end sum exactly; no stage starts before the previous one ended. */
  static void assertExact(String what, Map<String, Object> j) {
    assertNotNull(j, what + ": a journeys section");
    assertEquals(0L, num(j, "stage_overlaps"), what + ": stages in order");
    assertFalse(list(j.get("flows")).isEmpty(), what + ": journeys of some flow");
    for (Map<String, Object> f : list(j.get("flows"))) {
      long sum = 0;
      double share = 0;
      for (Map<String, Object> s : list(f.get("stages"))) {
        sum += num(s, "wait_sum_ns") + num(s, "service_sum_ns");
        share += ((Number) s.get("share")).doubleValue();
        assertTrue(num(s, "wait_p50_ns") >= 0 && num(s, "service_p50_ns") >= 0, what + " " + s);
      }
      assertEquals(num(f, "e2e_sum_ns"), sum, what + " " + f.get("flow") + ": stages add up to the end-to-end latency");
      assertEquals(1.0, share, 0.002, what + " " + f.get("flow") + ": shares");
      assertTrue(num(f, "packets") > 0);
    }
  }

  private static Config shorter(Config e, int every) {
    return e.withValue("duration", ConfigValueFactory.fromAnyRef("6ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("2ms"))
        .withValue("journeys.sample-every", ConfigValueFactory.fromAnyRef(every));
  }

  /** Each policy file, each arm of its comparison, runs with a journeys section whose stages add up exactly. */
  @Test
  void everyPolicyFileHasJourneysThatAddUpExactly() {
    File[] files = new File("../experiments/policies").listFiles((d, n) -> n.endsWith(".conf"));
    assertNotNull(files);
    assertTrue(files.length >= 8);
    java.util.Arrays.sort(files);
    for (File file : files) {
      Config e = ConfigFactory.parseFile(file).withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
      List<String> arms = new ArrayList<>();
      arms.add(e.getString("steering"));
      if (e.hasPath("compare.steering")) arms = e.getStringList("compare.steering");
      for (String arm : arms) {
        Config a = shorter(e.withoutPath("compare").withoutPath("sweep"), 7).withValue("steering", ConfigValueFactory.fromAnyRef(arm));
        Map<String, Object> r = Calib.run(a, 1, 1).results();
        assertExact(file.getName() + " " + arm, journeys(r));
      }
    }
  }

  /** Off: no section at all (the results are as without the feature). */
  @Test
  void offMeansNoSection() {
    Config e = shorter(Calib.load("udp-1flow-native").getConfig("experiment"), 0);
    assertFalse(Calib.run(e, 1, 1).results().containsKey("journeys"));
  }
}
