package org.cnemu.experiments.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The end-of-run digest: busiest cores first, a screenful for 1,000 hosts, conservation in words. */
class RunDigestTest {
  private static Map<String, Object> core(String host, int core, double soft, double sys) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", host);
    m.put("core", core);
    m.put("usr", 0.0);
    m.put("sys", sys);
    m.put("irq", 0.0);
    m.put("soft", soft);
    m.put("idle", 100 - soft - sys);
    return m;
  }

  private static String digest(Map<String, Object> doc) {
    StringWriter w = new StringWriter();
    RunDigest.print(new PrintWriter(w, true), doc);
    return w.toString();
  }

  @Test
  void aThousandHostsFitAScreenBusiestFirst() {
    List<Object> cores = new ArrayList<>();
    for (int h = 1; h <= 1000; h++) {
      for (int c = 0; c < 16; c++) cores.add(core("h" + h, c, c == 3 ? (h % 97) : 0, c == 5 ? 20 : 0));
    }
    cores.add(core("h500", 7, 99.5, 0.5)); // the hottest, late in the list
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("cores", cores);
    Map<String, Object> cons = new LinkedHashMap<>();
    cons.put("sent", 1000L);
    cons.put("delivered", 900L);
    cons.put("dropped", 60L);
    cons.put("in_flight", 40L);
    cons.put("balanced", true);
    doc.put("conservation", cons);
    doc.put("drops", List.of(Map.of("host", "h2", "place", "nic_ring", "reason", "ring_full", "packets", 50L),
        Map.of("host", "h3", "place", "socket", "reason", "rcvbuf_full", "packets", 10L)));
    String out = digest(doc);
    String[] lines = out.split("\n");
    assertTrue(lines.length < 40, "a screenful: " + lines.length + " lines\n" + out);
    int first = -1;
    for (int i = 0; i < lines.length; i++) if (lines[i].startsWith("h500/7")) first = i;
    assertEquals(4, first, "the hottest core is the first row\n" + out);
    assertTrue(lines[4].contains("100%") && lines[4].contains("99.5%") == false, lines[4]);
    assertTrue(out.contains("h500: 3 busy; core 7 100% (softirq 100%"), out);
    assertTrue(out.contains("more hosts with busy cores"), out);
    assertTrue(out.contains("packets: 1,000 sent = 900 delivered + 60 dropped + 40 still in flight (conserved)."), out);
    assertTrue(out.contains("dropped at: 50 at nic_ring (ring_full), 10 at socket (rcvbuf_full)"), out);
  }

  @Test
  void anUnbalancedRunSaysSo() {
    Map<String, Object> cons = new LinkedHashMap<>();
    cons.put("sent", 10L);
    cons.put("delivered", 5L);
    cons.put("dropped", 1L);
    cons.put("in_flight", 1L);
    cons.put("balanced", false);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("conservation", cons);
    assertTrue(digest(doc).contains("NOT BALANCED: 3 packets unaccounted for."));
  }
}
