package org.cnemu.nodes.tcp;

import static org.cnemu.nodes.tcp.Conn.MS;
import static org.cnemu.nodes.tcp.Conn.MSS;
import static org.cnemu.nodes.tcp.Conn.US;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A loss in slow start (fast recovery, exact windows per algorithm) and the RTO's floor and backoff. */
class RecoveryTest {
  /** srtt = min_rtt = 100 us, cwnd 20; then 20 segments of which {@code lost} never arrives. */
  private static Conn lossInSlowStart(TcpConfig cfg, int lost) {
    Conn c = new Conn(cfg);
    c.exchange(c.write(10L * MSS), 50 * US);
    assertEquals(20, c.snd.cwnd());
    c.now = MS;
    List<Conn.Seg> w = c.write(20L * MSS);
    c.now += 50 * US;
    List<Conn.Ack> acks = new ArrayList<>();
    for (Conn.Seg s : w) {
      if (s.index() == 10 + lost) continue;
      Conn.Ack a = c.deliver(s);
      if (a != null) acks.add(a);
    }
    c.now += 50 * US;
    List<Conn.Seg> re = new ArrayList<>();
    for (Conn.Ack a : acks) re.addAll(c.onAck(a));
    assertEquals(1, c.retransmitted(re), "one fast retransmit");
    assertEquals(TcpSender.RECOVERY, c.snd.rec.state);
    c.now += 50 * US;
    Conn.Seg rx = re.stream().filter(Conn.Seg::retx).findFirst().orElseThrow();
    Conn.Ack a = c.deliver(rx);
    c.now += 50 * US;
    c.onAck(a);
    assertEquals(TcpSender.OPEN, c.snd.rec.state, "the retransmission repaired the hole: recovery over");
    assertEquals(1, c.snd.retransSegs);
    assertEquals(0, c.snd.rec.undos, "a real loss is not undone");
    return c;
  }

  @Test
  void cubicLossInSlowStartLeavesCwndAtSeventyPercent() {
    Conn c = lossInSlowStart(Conn.linux54("cubic", false), 5);
    // cwnd at the loss: 20 + 5 (ACKs of segments 0..4); 25 x 717 / 1024 = 17
    assertEquals(25, c.snd.rec.priorCwnd);
    assertEquals(17, c.snd.ssthresh());
    assertEquals(17, c.snd.cwnd());
  }

  @Test
  void renoLossInSlowStartHalvesCwnd() {
    Conn c = lossInSlowStart(Conn.linux54("reno", false), 5);
    assertEquals(25, c.snd.rec.priorCwnd);
    assertEquals(12, c.snd.ssthresh());
    assertEquals(12, c.snd.cwnd());
  }

  @Test
  void linux44FindsTheLossByFackDupthresh() {
    Conn c = lossInSlowStart(Conn.linux44("cubic"), 5);
    assertEquals(17, c.snd.cwnd());
  }

  @Test
  void rtoHasLinuxFloorJiffiesAndExponentialBackoff() {
    Conn c = new Conn(Conn.linux54("cubic", false));
    RttEstimator r = c.snd.rtt;
    assertEquals(1000 * MS, r.timeoutNanos(), "TCP_TIMEOUT_INIT before any RTT sample");
    c.exchange(c.write(10L * MSS), 50 * US);
    // srtt 100 us + max(mdev, rto_min 200 ms) = 200.1 ms, rounded up to whole jiffies (4 ms): 204 ms
    assertEquals(204 * MS, r.timeoutNanos());
    c.now = 10 * MS;
    List<Conn.Seg> w = c.write(20L * MSS); // all lost
    assertEquals(20, w.size());
    // first the tail loss probe: jiffy of now (10 ms: jiffy 2) + 2 srtt (1 jiffy) + TCP_TIMEOUT_MIN (2 jiffies)
    assertEquals(TcpSender.T_TLP, c.snd.timerKind);
    assertEquals(5 * 4 * MS, c.snd.timerAt());
    c.now = c.snd.timerAt();
    assertTrue(c.snd.onTimer(c.now));
    List<Conn.Seg> probe = c.push(false);
    assertEquals(1, probe.size());
    assertTrue(probe.get(0).retx(), "no new data: the probe retransmits the last segment");
    assertEquals(w.get(19).seq(), probe.get(0).seq());
    long t = c.now + 204 * MS;
    assertEquals(TcpSender.T_RTO, c.snd.timerKind);
    assertEquals(t, c.snd.timerAt());
    Conn.Seg last = null;
    long[] expect = {408, 816, 1632, 3264, 6528, 13056, 26112, 52224, 104448, 120000, 120000};
    for (long next : expect) {
      c.now = t - 1;
      assertFalse(c.snd.onTimer(c.now));
      c.now = t;
      assertTrue(c.snd.onTimer(c.now), "RTO at " + t);
      assertEquals(TcpSender.LOSS, c.snd.rec.state);
      assertEquals(1, c.snd.cwnd(), "cwnd = 1 after an RTO");
      List<Conn.Seg> re = c.push(false);
      assertEquals(1, re.size());
      assertEquals(w.get(0).seq(), re.get(0).seq(), "go back to snd_una");
      last = re.get(0);
      assertEquals(next * MS, c.snd.timerAt() - t, "backed-off RTO");
      t = c.snd.timerAt();
    }
    // the last retransmission of the head arrives: Karn's rule allows no sample from the retransmitted
    // segment, but the echoed timestamp does (tcp_rtt_tsopt_us, at least 1 ms), which clears the backoff
    c.now = last.sentAt() + 10 * US;
    assertTrue(r.backoff() > 0);
    Conn.Ack a = c.deliver(last);
    c.onAck(a);
    assertEquals(0, r.backoff());
  }
}
