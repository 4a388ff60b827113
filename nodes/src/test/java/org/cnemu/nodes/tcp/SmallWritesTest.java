package org.cnemu.nodes.tcp;

import static org.cnemu.nodes.tcp.Conn.MS;
import static org.cnemu.nodes.tcp.Conn.MSS;
import static org.cnemu.nodes.tcp.Conn.US;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * A stream of 64 B send()s: one skb per write when the flow is idle (or TCP_NODELAY and autocorking
 * off); coalesced into larger skbs by autocorking (the previous skb is still in the qdisc/NIC) and
 * Nagle (a small segment is unacknowledged) when it is backlogged.
 */
class SmallWritesTest {
  private static TcpConfig cfg(boolean nodelay, boolean autocork) {
    TcpConfig c = Conn.linux54("cubic", nodelay);
    return new TcpConfig(c.mss(), c.tsoSegs(), c.sndbufBytes(), c.rmemBytes(), c.rmemDefaultBytes(),
        c.congestionControl(), c.jiffyNanos(), c.minRtoNanos(), c.initRtoNanos(), c.maxRtoNanos(), c.delackNanos(),
        c.quickAcks(), c.rackTlp(), c.reordering(), c.maxReordering(), nodelay, autocork, c.limitOutputBytes(),
        c.hystart(), c.compSackNr(), c.compSackDelayNanos());
  }

  @Test
  void anIdleFlowSendsOneSkbPerWriteWithOrWithoutNagle() {
    for (boolean nodelay : new boolean[] {true, false}) {
      Conn c = new Conn(cfg(nodelay, true));
      c.txDoneNanos = 5 * US;
      for (int i = 0; i < 10; i++) {
        c.now = i * MS;
        List<Conn.Seg> s = c.write(64);
        assertEquals(1, s.size(), "write " + i + " leaves at once");
        c.exchange(s, 20 * US); // ACKed (quick ACK) and TX-completed before the next write
      }
      assertEquals(10, c.skbs.size());
      for (long[] k : c.skbs) assertEquals(64, k[1]);
    }
  }

  /**
   * 2000 writes of 64 B, one per microsecond; an skb completes its TX 5 us after it left and reaches the
   * receiver 15 us after, whose ACK takes 15 us back. Returns the skbs sent.
   */
  private static Conn backlogged(boolean nodelay, boolean autocork) {
    Conn c = new Conn(cfg(nodelay, autocork));
    c.txDoneNanos = 5 * US;
    // events: {time, kind, a}; kind 0 write, 1 TX completion check, 2 segment at receiver (a = skb), 3 ACK at sender
    PriorityQueue<long[]> q = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[3], y[3]));
    long[] order = {0};
    java.util.ArrayList<Conn.Seg> segs = new java.util.ArrayList<>();
    java.util.ArrayList<Conn.Ack> acks = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) q.add(new long[] {i * US, 0, 0, order[0]++});
    Runnable after = () -> {
      // every segment sent so far travels; a throttled socket waits for its next TX completion
      for (int i = segs.size(); i < c.skbs.size(); i++) {
        long[] k = c.skbs.get(i);
        segs.add(new Conn.Seg(k[0], (int) k[1], k[2] != 0, c.now));
        q.add(new long[] {c.now + 15 * US, 2, i, order[0]++});
      }
      long w = c.snd.tsqWakeAt(c.now);
      if (w >= 0) q.add(new long[] {Math.max(w, c.now), 1, 0, order[0]++});
    };
    while (!q.isEmpty()) {
      long[] e = q.poll();
      c.now = e[0];
      switch ((int) e[1]) {
        case 0 -> c.write(64);
        case 1 -> c.push(false);
        case 2 -> {
          Conn.Seg s = segs.get((int) e[2]);
          long n = c.rcv.onData(c.now, s.seq(), s.len(), (s.len() + MSS - 1) / MSS, s.sentAt());
          if (n > 0) c.rcv.onRead(c.now, n);
          if (c.rcv.ackDue()) {
            acks.add(c.ack());
            q.add(new long[] {c.now + 15 * US, 3, acks.size() - 1, order[0]++});
          } else if (c.rcv.delackAt() >= 0) {
            q.add(new long[] {c.rcv.delackAt(), 4, 0, order[0]++});
          }
        }
        case 3 -> c.onAck(acks.get((int) e[2]));
        default -> {
          if (c.rcv.delackAt() >= 0 && c.now >= c.rcv.delackAt()) {
            acks.add(c.ack());
            q.add(new long[] {c.now + 15 * US, 3, acks.size() - 1, order[0]++});
          }
        }
      }
      after.run();
    }
    assertEquals(2000 * 64, c.rcv.ackSeq(), "every byte delivered");
    return c;
  }

  @Test
  void nodelayWithoutAutocorkingSendsEveryWriteUnlessCwndLimited() {
    // one skb per write, except while slow start from cwnd 10 cannot cover the 30 writes of one round
    // trip: the writes queued meanwhile leave together when ACKs open the window (30 fewer skbs)
    assertEquals(1970, backlogged(true, false).skbs.size());
  }

  @Test
  void autocorkingCoalescesWhileThePreviousSkbIsInTheNic() {
    Conn c = backlogged(true, true);
    // each write that finds an skb of the socket still below TCP waits; the TX completion (5 us after
    // each send) sends everything written meanwhile: 5 writes per skb in steady state
    assertEquals(401, c.skbs.size());
    assertEquals(64, c.skbs.get(0)[1]);
    assertEquals(5 * 64, c.skbs.get(200)[1]);
  }

  @Test
  void nagleAndAutocorkingTogetherHoldSmallSegmentsForTheAck() {
    Conn c = backlogged(false, true);
    // Nagle (Minshall) holds the sub-MSS tail while a small segment is unacknowledged (30 us round trip)
    assertEquals(134, c.skbs.size());
    long big = c.skbs.stream().filter(k -> k[1] >= MSS).count();
    assertTrue(big > 0, "full segments leave as soon as a whole MSS is written");
  }
}
