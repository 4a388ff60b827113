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

/**
 * Hand-built reordering and loss sequences against Linux 5.4's SACK / RACK / D-SACK behaviour: one
 * window of 20 segments (one TSO burst) whose segment 5 arrives after later ones, or never.
 */
class ReorderingTest {
  /** A connection with srtt = min_rtt = 100 us and cwnd 20 (slow start from 10 after one round). */
  private static Conn warm(String cc) {
    Conn c = new Conn(Conn.linux54(cc, false));
    List<Conn.Seg> first = c.write(10L * MSS);
    assertEquals(10, first.size());
    c.exchange(first, 50 * US);
    assertEquals(100 * US, c.snd.srttNanos());
    assertEquals(20, c.snd.cwnd());
    c.now = 1 * MS;
    return c;
  }

  /** Sends 20 segments at once and delivers them to the receiver in {@code order}, ACKs 50 us later. */
  private static List<Conn.Seg> window(Conn c, int[] order, List<Conn.Ack> acksOut) {
    List<Conn.Seg> w = c.write(20L * MSS);
    assertEquals(20, w.size());
    c.now += 50 * US;
    for (int i : order) {
      Conn.Ack a = c.deliver(w.get(i));
      if (a != null) acksOut.add(a);
    }
    c.now += 50 * US;
    return w;
  }

  private static int[] order(int late, int after) {
    List<Integer> o = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      if (i == late) continue;
      o.add(i);
      if (i == after) o.add(late);
    }
    return o.stream().mapToInt(Integer::intValue).toArray();
  }

  private static List<Conn.Seg> ackAll(Conn c, List<Conn.Ack> acks) {
    List<Conn.Seg> sent = new ArrayList<>();
    for (Conn.Ack a : acks) sent.addAll(c.onAck(a));
    return sent;
  }

  @Test
  void smallReorderingIsSeenWithoutRetransmitAndLargerOnesThenCostNothing() {
    Conn c = warm("cubic");
    List<Conn.Ack> acks = new ArrayList<>();
    window(c, order(5, 7), acks); // 5 after 6, 7: two SACKed segments, below the dupthresh
    List<Conn.Seg> sent = ackAll(c, acks);
    assertEquals(0, c.retransmitted(sent), "no retransmission");
    assertEquals(0, c.snd.retransSegs);
    // slow start went on: no cwnd cut; a SACK-only ACK does not raise cwnd (FLAG_DATA_ACKED), so the two
    // SACKed segments do not count when the cumulative ACK later covers them: 20 + 18
    assertEquals(38, c.snd.cwnd(), "no cwnd cut");
    assertEquals(1, c.snd.loss.reordSeen, "the late segment filled a hole below the highest SACK");
    assertEquals(3, c.snd.reordering(), "distance 3 segments does not exceed tp->reordering");

    // now segment 5 of the next window comes after 6..9: RACK waits min_rtt / 4 (the reorder timer) instead
    List<Conn.Ack> acks2 = new ArrayList<>();
    c.now = 2 * MS;
    List<Conn.Seg> w = window(c, order(5, 9), acks2);
    int cwnd = c.snd.cwnd();
    List<Conn.Ack> beforeLate = new ArrayList<>();
    List<Conn.Ack> rest = new ArrayList<>();
    for (Conn.Ack a : acks2) (a.ack() <= w.get(5).seq() ? beforeLate : rest).add(a);
    sent = ackAll(c, beforeLate);
    assertEquals(0, c.retransmitted(sent));
    assertEquals(TcpSender.T_REO, c.snd.timerKind, "a segment inside the reordering window arms the reorder timer");
    sent = ackAll(c, rest);
    assertEquals(0, c.snd.retransSegs, "the late segment arrived: no retransmission ever");
    assertTrue(c.snd.cwnd() >= cwnd, "no cwnd cut");
    assertEquals(TcpSender.OPEN, c.snd.rec.state);
    assertEquals(5, c.snd.reordering(), "tp->reordering rises to the observed distance (5 segments)");
  }

  @Test
  void firstLargeReorderingCostsOneSpuriousRetransmitThatDsackUndoes() {
    Conn c = warm("cubic");
    List<Conn.Ack> acks = new ArrayList<>();
    List<Conn.Seg> w = window(c, order(5, 9), acks);
    // ACKs up to the third SACK: RACK with reo_wnd 0 (no reordering seen, sacked_out >= 3) marks 5 lost
    List<Conn.Seg> sent = new ArrayList<>();
    int i = 0;
    for (; i < acks.size() && c.snd.retransSegs == 0; i++) sent.addAll(c.onAck(acks.get(i)));
    assertEquals(1, c.retransmitted(sent), "one fast retransmit");
    assertEquals(w.get(5).seq(), sent.stream().filter(Conn.Seg::retx).findFirst().orElseThrow().seq());
    assertEquals(TcpSender.RECOVERY, c.snd.rec.state);
    assertEquals(25, c.snd.rec.priorCwnd, "cwnd at the loss: 20 + 5 from the ACKs of 0..4");
    assertEquals(25 * 717 / 1024, c.snd.ssthresh(), "CUBIC: ssthresh = cwnd x 717/1024");
    for (; i < acks.size(); i++) c.onAck(acks.get(i));
    assertEquals(TcpSender.OPEN, c.snd.rec.state, "all 20 ACKed: recovery over");
    assertEquals(17, c.snd.cwnd(), "tcp_end_cwnd_reduction: cwnd = ssthresh");
    // the retransmission reaches the receiver after the original: a duplicate, D-SACKed
    c.now += 50 * US;
    Conn.Ack d = c.deliver(sent.get(0).retx() ? sent.get(0) : sent.stream().filter(Conn.Seg::retx).findFirst().get());
    assertTrue(d != null && d.sackStart(0) == w.get(5).seq() && d.sackEnd(0) == w.get(5).seq() + MSS, "D-SACK block");
    c.now += 50 * US;
    c.onAck(d);
    assertEquals(1, c.snd.rec.undos, "tcp_try_undo_dsack");
    assertEquals(25, c.snd.cwnd(), "cwnd restored to its value before the spurious reduction");
    assertEquals(CongestionControl.INFINITE_SSTHRESH, c.snd.ssthresh(), "ssthresh restored (still in slow start)");
    assertEquals(1, c.snd.retransSegs);
  }

  @Test
  void aRealLossIsRetransmittedOnceAtTheRackDeadline() {
    Conn c = warm("cubic");
    List<Conn.Ack> acks = new ArrayList<>();
    window(c, order(5, 7), acks); // reordering seen: from now on reo_wnd = min_rtt / 4 = 25 us
    ackAll(c, acks);
    c.now = 2 * MS;
    List<Conn.Seg> w = c.write(20L * MSS);
    c.now += 50 * US;
    List<Conn.Ack> acks2 = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      if (i == 5) continue; // lost
      Conn.Ack a = c.deliver(w.get(i));
      if (a != null) acks2.add(a);
    }
    c.now += 50 * US;
    long ackTime = c.now;
    assertEquals(0, c.retransmitted(ackAll(c, acks2)), "inside the reordering window: no retransmission yet");
    assertEquals(TcpSender.T_REO, c.snd.timerKind);
    // remaining = rack.rtt + reo_wnd - (now - xmit) = 25 us -> 1 jiffy, + TCP_TIMEOUT_MIN (2 jiffies)
    long jiffy = 4 * MS;
    long deadline = (ackTime / jiffy + 1) * jiffy + 2 * jiffy;
    assertEquals(deadline, c.snd.timerAt());
    c.now = deadline - 1;
    assertFalse(c.snd.onTimer(c.now));
    c.now = deadline;
    assertTrue(c.snd.onTimer(c.now));
    List<Conn.Seg> re = c.push(false);
    assertEquals(1, re.size(), "exactly one retransmission");
    assertTrue(re.get(0).retx());
    assertEquals(w.get(5).seq(), re.get(0).seq());
    assertEquals(TcpSender.RECOVERY, c.snd.rec.state);
    assertEquals(1, c.snd.retransSegs);
    // it arrives: the hole closes and recovery ends with cwnd = ssthresh, no undo (a real loss)
    c.now += 50 * US;
    Conn.Ack a = c.deliver(re.get(0));
    c.now += 50 * US;
    c.onAck(a);
    assertEquals(TcpSender.OPEN, c.snd.rec.state);
    assertEquals(c.snd.ssthresh(), c.snd.cwnd());
    assertEquals(0, c.snd.rec.undos);
  }
}
