package org.cnemu.nodes.tcp;

import static org.cnemu.nodes.tcp.Conn.MS;
import static org.cnemu.nodes.tcp.Conn.MSS;
import static org.cnemu.nodes.tcp.Conn.US;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.SackBlocks;
import org.junit.jupiter.api.Test;

/**
 * Linux 5.4.y's SACK compression (__tcp_ack_snd_check, tcp_event_ack_sent, tcp_compressed_ack_kick,
 * tcp_sack_new_ofo_skb): with out-of-order data queued, 3 dupACKs per rcv_nxt leave at once, then an hrtimer of
 * min(1 ms, 5 % RTT) replaces the ACK per arrival; tcp_comp_sack_nr = 44 counted arrivals force one. Linux 4.4
 * (tcp_comp_sack_nr = 0 here) ACKs every arrival. Segments are counted in MSS.
 */
class SackCompressionTest {
  /** Segment spacing of the in-order start: the first receive-RTT sample is 45 of them (see {@link #warm}). */
  private static final long GAP_NANOS = 2 * US;
  /** The lost segment; everything before it arrived in order. */
  private static final int HOLE = 46;

  private static TcpConfig cfg(int compSackNr) {
    TcpConfig c = Conn.linux54("cubic", false);
    return new TcpConfig(c.mss(), c.tsoSegs(), c.sndbufBytes(), c.rmemBytes(), c.rmemDefaultBytes(),
        c.congestionControl(), c.jiffyNanos(), c.minRtoNanos(), c.initRtoNanos(), c.maxRtoNanos(), c.delackNanos(),
        c.quickAcks(), c.rackTlp(), c.reordering(), c.maxReordering(), c.nodelay(), c.autocorking(),
        c.limitOutputBytes(), c.hystart(), compSackNr, MS);
  }

  /**
   * Segments 0..45 in order, 2 us apart, each ACK sent when due (quick-ack mode runs out after 16). The first
   * arrival sets rtt_seq = 65536 (window 64 KiB - 1 MSS unread + 1 MSS); segment 45 reaches it (46 x 1448 =
   * 66608): the receive RTT is 45 x 2 us = 90 us. Returns the time of the last arrival.
   */
  private static long warm(TcpReceiver r) {
    long now = 0;
    for (int i = 0; i < HOLE; i++) {
      now = i * GAP_NANOS;
      r.onData(now, (long) i * MSS, MSS, 1, now);
      if (r.ackDue()) r.ackSent();
    }
    if (r.ackPending()) r.ackSent(); // the delayed ACK of the last odd segment
    return now;
  }

  @Test
  void threeDupAcksThenTheTimerOf5PercentRttThenOneAckForAll() {
    TcpReceiver r = new TcpReceiver(cfg(44));
    long t = warm(r) + 10 * US;
    // 90 us: rtt_us << 3 = 720; 720 * 125 / 20 = 4500 ns (below tcp_comp_sack_delay_ns = 1 ms)
    assertEquals(4500, r.compDelayNanos());
    List<Integer> acked = new ArrayList<>();
    for (int k = 1; k <= 10; k++) { // segments 47..56 arrive 100 ns apart, the hole (46) stays open
      long now = t + k * 100L;
      r.onData(now, (long) (HOLE + k) * MSS, MSS, 1, now);
      boolean armed = r.takeCompArmed();
      if (k == 4) {
        assertTrue(armed, "the 4th out-of-order arrival arms the timer");
        assertEquals(now + 4500, r.compAckAt(), "armed for 4500 ns");
      } else {
        assertFalse(armed, "arrival " + k + ": no new timer");
      }
      if (r.ackDue()) {
        acked.add(k);
        r.ackSent();
      }
    }
    assertEquals(List.of(1, 2, 3), acked, "only the first 3 dupACKs leave at once");
    long fire = t + 400 + 4500;
    assertFalse(r.timerAckDue(fire - 1), "not before the timer");
    assertTrue(r.timerAckDue(fire), "the timer's ACK");
    assertEquals(HOLE * (long) MSS, r.ackSeq());
    assertEquals(1, r.sackBlocks(), "one ACK for 7 arrivals: one block {47, 57}");
    assertEquals(SackBlocks.pack(r.ackSeq(), (HOLE + 1) * (long) MSS, (HOLE + 11) * (long) MSS), r.sack(0));
    r.ackSent();
    assertEquals(-1, r.compAckAt(), "the ACK stopped the timer");
    // the count fell back to 3 (tcp_event_ack_sent): the next arrival is compressed at once
    r.onData(fire + 100, (long) (HOLE + 11) * MSS, MSS, 1, fire + 100);
    assertFalse(r.ackDue(), "no dupACK after the timer's ACK");
    assertTrue(r.takeCompArmed());
    // the hole is filled: the out-of-order queue empties, an ACK at once (ICSK_ACK_NOW)
    long n = r.onData(fire + 200, HOLE * (long) MSS, MSS, 1, fire + 200);
    assertEquals(12L * MSS, n);
    assertTrue(r.ackDue(), "a filled hole is ACKed at once");
    r.ackSent();
    assertEquals(-1, r.compAckAt());
  }

  @Test
  void the44thCountedArrivalForcesAnAckAndTheNextTimerStarts() {
    TcpReceiver r = new TcpReceiver(cfg(44));
    long t = warm(r) + 10 * US;
    List<Integer> acked = new ArrayList<>();
    List<Integer> armed = new ArrayList<>();
    for (int k = 1; k <= 100; k++) { // 1 ns apart: the 4.5 us timer never fires
      r.onData(t + k, (long) (HOLE + k) * MSS, MSS, 1, t + k);
      if (r.takeCompArmed()) armed.add(k);
      if (r.ackDue()) {
        acked.add(k);
        r.ackSent();
      }
    }
    // compressed_ack counts 1..44 (the 3 dupACKs included); at 44 the next arrival (45) sends, the count falls
    // back to 3, so arrival 46 arms a new timer and 45 + 42 = 87 is the next forced ACK
    assertEquals(List.of(1, 2, 3, 45, 87), acked);
    assertEquals(List.of(4, 46, 88), armed);
  }

  @Test
  void linux44AcksEveryOutOfOrderArrival() {
    TcpReceiver r = new TcpReceiver(cfg(0));
    long t = warm(r) + 10 * US;
    int acks = 0;
    for (int k = 1; k <= 50; k++) {
      r.onData(t + k, (long) (HOLE + k) * MSS, MSS, 1, t + k);
      assertFalse(r.takeCompArmed());
      if (r.ackDue()) {
        acks++;
        r.ackSent();
      }
    }
    assertEquals(50, acks);
    assertEquals(-1, r.compAckAt());
  }

  @Test
  void aFullBlockArraySendsItsBlocksBeforeForgettingOne() {
    TcpReceiver r = new TcpReceiver(cfg(44));
    long t = warm(r) + 10 * US;
    // 47, 49, 51: three dupACKs; 53: the 4th block, compressed; 55: a 5th block would push {47, 48} out
    int[] segs = {47, 49, 51, 53};
    for (int i = 0; i < segs.length; i++) {
      r.onData(t + i, (long) segs[i] * MSS, MSS, 1, t + i);
      if (r.ackDue()) r.ackSent();
    }
    assertTrue(r.takeCompArmed());
    assertFalse(r.takeFlush());
    r.onData(t + 10, 55L * MSS, MSS, 1, t + 10);
    assertTrue(r.takeFlush(), "tcp_sack_new_ofo_skb sends the full array first");
    long ack = HOLE * (long) MSS;
    assertEquals(ack, r.flushAckSeq());
    assertEquals(SackBlocks.pack(ack, 53L * MSS, 54L * MSS), r.flushSack(0));
    assertEquals(SackBlocks.pack(ack, 51L * MSS, 52L * MSS), r.flushSack(1));
    assertEquals(SackBlocks.pack(ack, 49L * MSS, 50L * MSS), r.flushSack(2));
    assertFalse(r.ackDue(), "the arrival itself is compressed again");
    assertTrue(r.takeCompArmed(), "a new timer for it");
    assertEquals(SackBlocks.pack(ack, 55L * MSS, 56L * MSS), r.sack(0));
  }

  @Test
  void anOldDuplicateIsAckedAtOnceDuringCompression() {
    TcpReceiver r = new TcpReceiver(cfg(44));
    long t = warm(r) + 10 * US;
    for (int k = 1; k <= 5; k++) {
      r.onData(t + k, (long) (HOLE + k) * MSS, MSS, 1, t + k);
      if (r.ackDue()) r.ackSent();
    }
    assertFalse(r.ackDue());
    r.onData(t + 10, 10L * MSS, MSS, 1, t + 10); // below rcv_nxt: tcp_send_dupack's quick-ack mode, a D-SACK
    assertTrue(r.ackDue());
    assertEquals(SackBlocks.pack(r.ackSeq(), 10L * MSS, 11L * MSS), r.sack(0), "D-SACK first");
  }

  @Test
  void theTimerIsCappedByTcpCompSackDelay() {
    TcpConfig c = cfg(44);
    TcpReceiver r = new TcpReceiver(new TcpConfig(c.mss(), c.tsoSegs(), c.sndbufBytes(), c.rmemBytes(),
        c.rmemDefaultBytes(), c.congestionControl(), c.jiffyNanos(), c.minRtoNanos(), c.initRtoNanos(),
        c.maxRtoNanos(), c.delackNanos(), c.quickAcks(), c.rackTlp(), c.reordering(), c.maxReordering(), c.nodelay(),
        c.autocorking(), c.limitOutputBytes(), c.hystart(), 44, 3000));
    warm(r);
    assertEquals(3000, r.compDelayNanos(), "min(3000 ns, 4500 ns)");
    assertEquals(0, new TcpReceiver(cfg(44)).compDelayNanos(), "no RTT sample yet: 0, as Linux's rtt_us = 0");
  }
}
