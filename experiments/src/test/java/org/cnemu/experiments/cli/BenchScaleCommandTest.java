package org.cnemu.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.config.ExperimentLoader;
import org.junit.jupiter.api.Test;

/** `cnemu bench scale`: the generated ring experiment, the duration scaling and the table (a tiny case). */
class BenchScaleCommandTest {
  private record Run(int code, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void theGeneratedExperimentIsAValidRingOfUdpFlows() {
    ExperimentLoader loader = new ExperimentLoader();
    Config resolved = BenchScaleCommand.experiment(3, 2_000_000, 1).withFallback(loader.reference()).resolve();
    assertEquals(List.of(), loader.load(resolved, "t").problems()); // what bench scale runs: validated and parsed
    Config e = resolved.getConfig("experiment");
    assertEquals(3, e.getInt("topology.host-count"));
    assertEquals("2000us", e.getString("duration"));
    // journeys sample the same share of packets at every N: none of each (short) flow's first skbs
    assertEquals(1000, e.getInt("journeys.sample-every"));
    assertEquals(0, e.getInt("journeys.first"));
    List<? extends Config> flows = e.getConfigList("workloads");
    assertEquals(3, flows.size());
    assertEquals("h3/c1", flows.get(2).getString("src"));
    assertEquals("h1/c1", flows.get(2).getString("dst")); // the last host sends to the first
    for (Config f : flows) {
      assertEquals("udp", f.getString("protocol"));
      assertEquals(1472, f.getMemorySize("message-size").toBytes());
    }
  }

  @Test
  void theDurationShrinksWithTheHostCount() {
    assertEquals(4 * BenchScaleCommand.durationNanos(64, 1_580_000), BenchScaleCommand.durationNanos(16, 1_580_000),
        1_000);
    // ~1.58 M packets at ~208 per host per ms: 16 hosts need ~474 ms
    assertEquals(474_080_000, BenchScaleCommand.durationNanos(16, 1_580_000), 1_000_000);
  }

  @Test
  void aTinyCaseDeliversTheSameTrafficAtEverySizeAndPrintsTheRatios() {
    Run r = cli("bench", "scale", "--hosts", "4,8", "--packets", "3000");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    List<String[]> rows = new ArrayList<>();
    for (String line : r.out().lines().toList()) {
      if (line.matches("\\| [0-9,]+ \\|.*")) rows.add(line.split("\\|"));
    }
    assertEquals(2, rows.size(), r.out());
    assertEquals("4", rows.get(0)[1].trim());
    assertEquals("8", rows.get(1)[1].trim());
    assertEquals("1.00x", rows.get(0)[8].trim(), r.out());
    for (String[] row : rows) {
      long delivered = Long.parseLong(row[4].trim().replace(",", ""));
      assertTrue(delivered > 2_400 && delivered < 3_600, "delivered " + delivered + " of ~3,000:\n" + r.out());
    }
    assertTrue(r.out().contains("ns per event"), r.out());
    // every run checks packet conservation and reports its peak heap (a positive MiB count)
    assertEquals(2, r.out().lines().filter(l -> l.contains("conservation balanced")).count(), r.out());
    for (String[] row : rows) assertTrue(Long.parseLong(row[11].trim().replace(",", "")) > 0, r.out());
  }

  @Test
  void theWarmUpRunLastsPastTheFlowsStartWhateverThePacketCount() {
    // a tenth of 100 packets on 8 hosts is 6 us of virtual time, before any flow can deliver (its start jitter
    // alone is up to 100 us): the warm-up takes WARMUP_MIN_NANOS instead of failing validation
    Run r = cli("bench", "scale", "--hosts", "8", "--packets", "100", "--duration-us", "200");
    assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
    assertTrue(BenchScaleCommand.durationNanos(8, 10) < 100_000);
  }

  @Test
  void aFixedDurationOverridesThePacketCount() {
    Run r = cli("bench", "scale", "--hosts", "4", "--packets", "3000", "--duration-us", "200");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("| 4 | 0.200 |")), r.out());
    assertEquals(ExitCodes.BAD_INPUT, cli("bench", "scale", "--duration-us", "-1").code());
  }

  @Test
  void rejectsBadSizes() {
    assertEquals(ExitCodes.BAD_INPUT, cli("bench", "scale", "--hosts", "1").code());
    assertEquals(ExitCodes.BAD_INPUT, cli("bench", "scale", "--hosts", "8,x").code());
    assertEquals(ExitCodes.BAD_INPUT, cli("bench", "scale", "--packets", "0").code());
  }
}
