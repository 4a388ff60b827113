package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.cnemu.nodes.tcp.TcpConfig;
import org.cnemu.nodes.tcp.TcpReceiver;
import org.junit.jupiter.api.Test;

/**
 * Linux's delayed ACK: quick ACKs at connection start, then every second full segment at once and a
 * lone one when the delayed-ACK timer (TCP_DELACK_MIN, on jiffies) fires.
 */
class DelayedAckTest {
  private static final long MS = 1_000_000L;

  @Test
  void quickAcksThenALoneSegmentWaitsExactlyForTheTimer() {
    TcpConfig cfg = TcpSetup.config(org.cnemu.devices.Profile.load(ConfigFactory.defaultReference(), "k5-100g",
        ConfigFactory.empty()), org.cnemu.devices.StackKind.NATIVE, "cubic", true, 0);
    TcpReceiver r = new TcpReceiver(cfg);
    int mss = cfg.mss();
    long t = 0;
    for (int i = 0; i < 16; i++) { // TCP_MAX_QUICKACKS: the first 16 segments are ACKed at once
      t += MS;
      r.onData(t, (long) i * mss, mss, 1, t);
      assertTrue(r.ackDue(), "quick ACK " + i);
      r.ackSent();
    }
    t = 100 * MS + 1_234_567; // jiffy 25 (HZ 250) + 1.23 ms
    r.onData(t, 16L * mss, mss, 1, t);
    assertFalse(r.ackDue(), "one full segment after quick-ack mode: delayed");
    // the timer expires delack (40 ms = 10 jiffies) after the jiffy the segment arrived in
    assertEquals(100 * MS + 40 * MS, r.delackAt());
    r.onData(t + 10_000, 17L * mss, mss, 1, t);
    assertTrue(r.ackDue(), "two full segments unacknowledged: ACK now");
  }

  private static Config slowSender() {
    // 1448 B messages (one full segment) at 144.8 kbit/s: one lone segment every 80 ms, longer than the
    // delayed-ACK timer. After the 16 quick ACKs only the timer ACKs them: a full segment is not "pushed"
    // (tcp_measure_rcv_mss), so the application's read does not ACK it (tcp_cleanup_rbuf)
    return ConfigFactory.parseString(
        "experiment { name = delack, seed = 1, duration = 3200ms, warmup = 0ms, model = kernel,"
            + " profile = k5-100g, steering = vanilla, topology { stack = native, host-count = 2 },"
            + " workloads = [ { id = slow, protocol = tcp, src = \"h1/c1\", dst = \"h2/c1\","
            + " message-size = 1448B, rate = 144800bps, start-jitter = 0us } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @Test
  void loneSegmentsAreAckedByTheTimerInTheModel() {
    Calib.Run r = Calib.run(slowSender(), 1, 1);
    Map<String, Object> f = r.list("flows").get(0);
    assertEquals(40L, ((Number) f.get("packets_delivered")).longValue(), "one segment per 80 ms");
    assertEquals(0L, ((Number) f.get("retransmits")).longValue());
    // 24 of the 40 RTT samples are the delayed ACK's 36..40 ms (the arrival's jiffy + 10 jiffies): srtt
    // converges there (without the timer, each waits for the next segment's arrival: 80 ms)
    double srttUs = ((Number) f.get("srtt_us")).doubleValue();
    assertTrue(srttUs > 30_000 && srttUs < 40_100, "srtt " + srttUs + " us");
    assertEquals(Boolean.TRUE, r.conservation().get("balanced"), r.conservation().toString());
  }
}
