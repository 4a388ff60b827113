package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The host model's TCP takes its window growth and loss reaction from the transport package's
 * algorithms: two flows into one host through a shallow switch queue lose packets, and CUBIC and
 * Reno then recover differently.
 */
class CongestionControlModelTest {
  private static Config incast(String cc) {
    return ConfigFactory.parseString(
        "experiment { name = incast-" + cc + ", seed = 5, duration = 12ms, warmup = 2ms, model = kernel,"
            + " profile = hotcloud19, steering = vanilla,"
            + " topology { stack = native, host-count = 3, link { delay = 5us, queue = 48KiB } },"
            + " workloads = ["
            + "  { id = a, protocol = tcp, src = \"h1/c1\", dst = \"h2/c1\", congestion-control = " + cc + " },"
            + "  { id = b, protocol = tcp, src = \"h3/c1\", dst = \"h2/c1\", congestion-control = " + cc + " } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @Test
  void cubicAndRenoBothRecoverFromLossesButDiffer() {
    Calib.Run cubic = Calib.run(incast("cubic"), 1, 1);
    Calib.Run reno = Calib.run(incast("reno"), 1, 1);
    long cubicRetx = 0;
    long renoRetx = 0;
    for (Map<String, Object> f : cubic.list("flows")) {
      assertEquals("cubic", f.get("congestion_control"));
      cubicRetx += ((Number) f.get("retransmits")).longValue();
    }
    for (Map<String, Object> f : reno.list("flows")) {
      assertEquals("reno", f.get("congestion_control"));
      renoRetx += ((Number) f.get("retransmits")).longValue();
    }
    assertTrue(cubicRetx > 0 && renoRetx > 0, "the shallow queue must cause losses: " + cubicRetx + ", " + renoRetx);
    List<Map<String, Object>> drops = cubic.list("drops");
    assertTrue(!drops.isEmpty(), "switch drops are reported");
    assertNotEquals(cubic.list("flows").toString(), reno.list("flows").toString(),
        "the algorithm must change the outcome once there is loss");
    assertEquals(Boolean.TRUE, cubic.conservation().get("balanced"));
    assertEquals(Boolean.TRUE, reno.conservation().get("balanced"));
  }
}
