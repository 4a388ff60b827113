package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A host's interrupt, softirq and IPI counters ({@code hosts[].irqs}, {@code irqs_tx_completion}, {@code softirqs},
 * {@code ipis}) count the measured window, like every other figure: an interrupt when a core takes it, a NET_RX when
 * its invocation starts, after the warm-up. The warm-up only selects what the statistics count: the 5 Gbps
 * Docker-overlay file (interrupts of both kinds, restarts, NET_RX on the reader's core), 6 ms with and without a 3 ms
 * warm-up, runs the same events, and the warm-up's counts are left out.
 */
class HostCountersWindowTest {
  private static Calib.Run run(String warmup) {
    Config e = Calib.load("tcp-5gbps-docker-overlay").getConfig("experiment")
        .withValue("duration", ConfigValueFactory.fromAnyRef("6ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef(warmup));
    return Calib.run(e, 1, 1);
  }

  @SuppressWarnings("unchecked")
  private static long[] counters(Calib.Run r, String host) {
    Map<String, Object> h = r.host(host);
    Map<String, Object> soft = (Map<String, Object>) h.get("softirqs");
    return new long[] {((Number) h.get("irqs")).longValue(), ((Number) h.get("irqs_tx_completion")).longValue(),
        ((Number) soft.get("NET_RX")).longValue()};
  }

  @Test
  void irqsAndSoftirqsCountOnlyTheMeasuredWindow() {
    Calib.Run window = run("3ms");
    Calib.Run all = run("0ms");
    assertEquals(all.sim().events(), window.sim().events(), "the warm-up changes no event");
    assertEquals(all.list("flows").get(0).get("packets_sent"), window.list("flows").get(0).get("packets_sent"));
    for (String host : new String[] {"h1", "h2"}) {
      long[] w = counters(window, host);
      long[] a = counters(all, host);
      for (int i = 0; i < w.length; i++) {
        assertTrue(w[i] > 0 && w[i] < a[i], host + " counter " + i + ": " + w[i] + " of " + a[i] + " in the window");
      }
    }
  }
}
