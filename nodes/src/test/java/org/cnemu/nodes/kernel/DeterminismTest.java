package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.junit.jupiter.api.Test;

/** Same experiment and seed: identical results for any partition and thread count. */
class DeterminismTest {
  private static String results(Config e, int partitions, int threads) {
    return Calib.run(e, partitions, threads).results().toString();
  }

  @Test
  void identicalAcrossPartitionsAndThreads() {
    for (String name : new String[] {"tcp-1flow-docker-overlay", "udp-1flow-native"}) {
      Config e = Calib.load(name).getConfig("experiment")
          .withValue("duration", ConfigValueFactory.fromAnyRef("8ms"))
          .withValue("warmup", ConfigValueFactory.fromAnyRef("2ms"));
      String ref = results(e, 1, 1);
      assertEquals(ref, results(e, 2, 1), name + " p2 t1");
      assertEquals(ref, results(e, 2, 2), name + " p2 t2");
      assertEquals(ref, results(e, 4, 2), name + " p4 t2");
    }
  }
}
