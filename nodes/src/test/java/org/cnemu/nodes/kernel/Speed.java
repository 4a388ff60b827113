package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;

/** Wall-clock speed of one calibration experiment (not a test): java ... Speed NAME DURATION. */
final class Speed {
  private Speed() {}

  @SuppressWarnings("unchecked")
  public static void main(String[] a) {
    Config e = Calib.load(a[0]).getConfig("experiment").withValue("duration", ConfigValueFactory.fromAnyRef(a[1]));
    Calib.run(e.withValue("duration", ConfigValueFactory.fromAnyRef("5ms")), 1, 1); // warm the JIT
    long t0 = System.nanoTime();
    Calib.Run r = Calib.run(e, Integer.parseInt(a[2]), Integer.parseInt(a[3]));
    double wall = (System.nanoTime() - t0) / 1e9;
    long wire = 0;
    for (Map<String, Object> h : r.list("hosts")) wire += ((Number) ((Map<String, Object>) h.get("devices")).get("nic_rx_packets")).longValue();
    double vms = r.sim().endNanos() / 1e6;
    System.out.printf("%s %s: wall %.2fs, wire packets %d -> %.0f wire pkts/s, %.1f virtual ms/s, events %d (%.0f/s), %.2f Gbps%n",
        a[0], a[1], wall, wire, wire / wall, vms / wall, r.sim().events(), r.sim().events() / wall, r.gbps());
  }
}
