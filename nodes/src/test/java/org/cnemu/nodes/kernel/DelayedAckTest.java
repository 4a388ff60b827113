package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Linux's delayed ACK: every second segment is ACKed at once, a lone one when the timer fires. */
class DelayedAckTest {
  @Test
  void aLoneSegmentWaitsForTheTimerAndTheSecondIsAckedAtOnce() {
    Tcp.Receiver r = new Tcp.Receiver(6 << 20, 87380, 1448);
    r.onData(1_000, 0, 1448, 1);
    assertFalse(r.ackDue(), "one full segment: delayed");
    r.ackPendingSince = 1_000; // what the host model records when it does not ACK at once
    assertFalse(r.delayedAckExpired(30_000_000, 40_000_000));
    assertTrue(r.delayedAckExpired(40_001_000, 40_000_000), "TCP_DELACK_MIN later the timer ACKs");
    r.onData(2_000, 1448, 1448, 1);
    assertTrue(r.ackDue(), "two segments: ACK now");
  }

  private static Config slowSender() {
    // 1000 B messages at 100 kbit/s: one lone segment every 80 ms, so only the timer can ACK them.
    return ConfigFactory.parseString(
        "experiment { name = delack, seed = 1, duration = 400ms, warmup = 0ms, model = kernel,"
            + " profile = hotcloud19, steering = vanilla, topology { stack = native, host-count = 2 },"
            + " workloads = [ { id = slow, protocol = tcp, src = \"h1/c1\", dst = \"h2/c1\","
            + " message-size = 1000B, rate = 100Kbps } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  @Test
  void lonesSegmentsAreAckedByTheTimerInTheModel() {
    Calib.Run r = Calib.run(slowSender(), 1, 1);
    Map<String, Object> f = r.list("flows").get(0);
    long delivered = ((Number) f.get("packets_delivered")).longValue();
    assertTrue(delivered >= 4, "lone segments arrive: " + delivered);
    // every lone segment was eventually acknowledged, so the sender's window kept moving and
    // nothing is left un-ACKed but the last message(s)
    assertTrue(((Number) f.get("packets_sent")).longValue() >= delivered);
    assertEquals(Boolean.TRUE, r.conservation().get("balanced"), r.conservation().toString());
  }
}
