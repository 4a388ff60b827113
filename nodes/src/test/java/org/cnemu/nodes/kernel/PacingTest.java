package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * iperf3's throttle (iperf_check_throttle after every write and at each send-timer tick; the timer 100 ms in
 * iperf3 3.0, 1 ms by default from 3.2): paced writes leave back-to-back until the stream's average rate since
 * its start reaches the target, then the stream waits for a tick. CUBIC's HyStart is off in these runs: their
 * bursts are pinned for a window that slow start grew to the path's (docs/calibration.md, "HyStart").
 */
class PacingTest {
  private static final long MS = 1_000_000L;

  private static Sock paced(long rateBps, long timerNanos, long startNanos) {
    Load l = new Load(false, 0, null, null, false, 10 * MS, false, 511, false, timerNanos);
    Spec.FlowSpec f = new Spec.FlowSpec(0, "w", false, "iperf", 0, 1, "h1/c1", "h2/c1", 131072, rateBps, 0, "normal",
        0, 0, startNanos, null, -1, "cubic", 0, l, 0);
    return new Sock(0, f, true, 0);
  }

  @Test
  void theFirstWriteTurnsTheLightOffUntilTheFirstTick() {
    Sock k = paced(5_000_000_000L, 100 * MS, 7 * MS);
    k.pacedBytes = 131072; // the first write, at the stream's start: no time has passed, the average is unbounded
    assertEquals(107 * MS, Pacing.nextWrite(k, 7 * MS));
    assertEquals(107 * MS, Pacing.nextWrite(k, 7 * MS + 1), "1 ns later the average is ~1 Pbps: still off");
  }

  @Test
  void writesGoOnBackToBackWhileTheAverageIsBelowTheRate() {
    Sock k = paced(5_000_000_000L, 100 * MS, 0);
    k.pacedBytes = 62_499_999; // 62.5 MB at 100 ms is exactly 5 Gbps
    assertEquals(100 * MS, Pacing.nextWrite(k, 100 * MS), "below the rate: the next write at once");
    k.pacedBytes = 62_500_000;
    assertEquals(200 * MS, Pacing.nextWrite(k, 100 * MS), "at the rate: off until the next tick");
    k.pacedBytes = 125_000_001; // at 200 ms still above 5 Gbps, below it at 300 ms: one tick is skipped
    assertEquals(300 * MS, Pacing.nextWrite(k, 150 * MS));
  }

  @Test
  void aOneMillisecondTimerWaitsForTheNextMillisecondTick() {
    Sock k = paced(1_000_000_000L, MS, 0);
    k.pacedBytes = 10 * 131072; // 1.31 MB: at 1 Gbps the average falls below the rate after 10.49 ms
    assertEquals(11 * MS, Pacing.nextWrite(k, 3 * MS + 5));
    assertTrue(Pacing.below(10 * 131072, 11 * MS, 1_000_000_000L));
    assertFalse(Pacing.below(10 * 131072, 10 * MS, 1_000_000_000L));
  }

  /**
   * iperf3 3.0 at 1 Gbps over 150 ms (hotcloud19, native): one 128 KB write at the start, nothing until the
   * tick at 100 ms, then back-to-back writes until the average is back at 1 Gbps (12.5 MB by 100 ms), then
   * nothing again: every throughput bin from 1 to 99 ms and after the burst is empty.
   */
  @Test
  void iperf30WritesInOneBurstPerHundredMillisecondSlot() {
    Config e = Calib.withWorkloads(Calib.load("tcp-5gbps-native").getConfig("experiment")
        .withValue("overrides.kernel.tcp.cubic.hystart", ConfigValueFactory.fromAnyRef(false)), "rate", "1Gbps")
        .withValue("duration", ConfigValueFactory.fromAnyRef("150ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("0ms"));
    e = Calib.withWorkloads(Calib.withWorkloads(e, "pacing-timer", "100ms"), "start-jitter", "0us");
    Calib.Run r = Calib.run(e, 1, 1);
    Map<String, Object> f = r.list("flows").get(0);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> series = (List<Map<String, Object>>) f.get("throughput_series");
    double[] gbps = series.stream().mapToDouble(b -> ((Number) b.get("gbps")).doubleValue()).toArray();
    assertTrue(gbps[0] > 0, "the first write, at the start");
    for (int i = 1; i < 100; i++) assertEquals(0.0, gbps[i], "bin " + i + ": the light is off until the 100 ms tick");
    assertTrue(gbps[100] > 20, "back-to-back writes after the tick, at what the path takes: " + gbps[100]);
    int last = 100;
    while (gbps[last + 1] > 0) last++;
    assertTrue(last < 110, "the burst ends once the average is back at 1 Gbps: bins 100.." + last);
    for (int i = last + 1; i < gbps.length; i++) assertEquals(0.0, gbps[i], "bin " + i + ": waiting for the 200 ms tick");
    // 12.5 MB by 100 ms: the writes stop at the first whose start finds the average at 1 Gbps
    double mb = 0;
    for (double g : gbps) mb += g * 1e9 * 1e-3 / 8 / 1e6;
    assertTrue(mb >= 12.5 && mb < 12.5 + 2 * 0.131072 + 0.5, "bytes delivered: " + mb + " MB");
  }

  /**
   * {wire segments, writes} of a 1 Gbps Nagle (TCP_NODELAY off) flow over 149 ms, paced by {@code timer}: every
   * write has left and been read by then (the last evenly paced one starts at 142 x 1.048576 = 148.9 ms).
   */
  private static long[] segmentsAndWrites(String timer) {
    Config e = Calib.withWorkloads(Calib.load("tcp-5gbps-native").getConfig("experiment")
        .withValue("overrides.kernel.tcp.cubic.hystart", ConfigValueFactory.fromAnyRef(false)), "rate", "1Gbps")
        .withValue("duration", ConfigValueFactory.fromAnyRef("149ms"))
        .withValue("warmup", ConfigValueFactory.fromAnyRef("0ms"));
    e = Calib.withWorkloads(Calib.withWorkloads(Calib.withWorkloads(e, "pacing-timer", timer), "start-jitter", "0us"),
        "nodelay", false);
    Calib.Run r = Calib.run(e, 1, 1);
    Map<String, Object> f = r.list("flows").get(0);
    long segs = ((Number) f.get("packets_sent")).longValue();
    long writes = Math.round(r.gbps() * 1e9 / 8 * 0.149 / 131072);
    System.out.println("pacing-timer " + timer + ": " + segs + " segments, " + writes + " writes");
    return new long[] {segs, writes};
  }

  /**
   * A 128 KB write is 90 full segments and a 752 B tail. Evenly spaced writes find the flow idle once slow start
   * is over, so every tail leaves at once: 91 segments per write. In iperf3's back-to-back bursts Nagle holds a write's tail
   * while the previous one is unacknowledged (Minshall's check), and the next write's data fills it into full
   * segments; a tail leaves short only when the previous short segment's ACK is back before it is written. The
   * receiver's poll takes segments as they arrive (its re-read of the ring), so that ACK is back in time for a few
   * of the burst's tails (without retpolines: 11 segments more than the fewest for 98 writes, 2 when the poll took
   * only what its ring held at its start).
   */
  @Test
  void nagleTailsJoinTheNextWriteInABurst() {
    long[] even = segmentsAndWrites("0ns");
    assertEquals(143, even[1], "one write every 1.048576 ms");
    // 18 tails join the next write's data while slow start still holds data back (the first writes), none after
    assertEquals(143 * 91 - 18, even[0], "evenly paced: a lone tail per write once the flow keeps up");
    // the burst: one write at the start, then writes back to back after the 100 ms tick until one's start finds the
    // average at 1 Gbps; the model writes what the send buffer has room for, so the bytes are not whole writes. With
    // retpolines every write's path is slower, the burst ends later and so with more bytes: 98.05 -> 98.76 writes'
    // worth (rounded 98 -> 99), 8882 -> 8946 segments
    long[] burst = segmentsAndWrites("100ms");
    assertEquals(99, burst[1], "one write at the start, the rest back-to-back after the 100 ms tick");
    long fewest = (99 * 131072L + 1447) / 1448; // 8962 for 99 whole writes: every segment full but the very last
    assertEquals(8946, burst[0], "in the burst most tails join the next write's data");
    assertTrue(burst[0] < fewest && burst[0] < 99 * 91, "under 99 whole writes' fewest segments, far under a tail each");
    assertTrue(even[0] - (143 * 131072L + 1447) / 1448 > 40, "evenly paced: dozens of short segments");
  }
}
