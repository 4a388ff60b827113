package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Causality over the run's end: a run is the prefix of a longer run of the same file and seed. Nothing a host
 * does before the end may depend on when the end is; timers and samplers whose next firing falls after it are
 * simply not run.
 */
class RunPrefixTest {
  private static List<Object> series(String duration) {
    Config e = Calib.load("tcp-5gbps-docker-overlay").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef(duration))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("1ms"))
        .withValue("throughput-interval", ConfigValueFactory.fromAnyRef("500us"));
    Calib.Run r = Calib.run(e, 1, 1);
    Map<String, Object> flow = r.list("flows").get(0);
    return ((List<?>) flow.get("throughput_series")).stream().map(b -> ((Map<?, ?>) b).get("gbps")).map(Object.class::cast).toList();
  }

  /**
   * mlx4's adaptive RX moderation samples every millisecond (the model's period): a sampler whose next sample
   * falls after the run's end is still sampling, not asleep (when it was taken for asleep, the next packet reset
   * the moderation to rx-usecs-low, and a 3 ms run's last millisecond differed from a 6 ms run's).
   */
  @Test
  void aShorterRunIsThePrefixOfALongerOne() {
    List<Object> shorter = series("3ms");
    List<Object> longer = series("6ms");
    assertEquals(6, shorter.size());
    assertEquals(longer.subList(0, shorter.size()), shorter);
  }
}
