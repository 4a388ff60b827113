package org.cnemu.nodes.tcp;

import static org.cnemu.nodes.tcp.Conn.MS;
import static org.cnemu.nodes.tcp.Conn.MSS;
import static org.cnemu.nodes.tcp.Conn.US;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.SackBlocks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The SACK option as Linux 4.4 / 5.4 fill it (tcp_sack_new_ofo_skb, tcp_sack_maybe_coalesce, tcp_sack_remove,
 * tcp_dsack_set; tcp_established_options / tcp_options_write: three blocks with timestamps, a D-SACK block
 * first) and what the sender's scoreboard learns from them (tcp_sacktag_write_queue, tcp_check_dsack). Segments
 * are counted in MSS: block {a, b} is [a x MSS, b x MSS).
 */
class SackBlocksTest {
  /** The blocks of the ACK the receiver would send now, in MSS units, in option order. */
  private static long[][] blocks(TcpReceiver r) {
    long[][] b = new long[r.sackBlocks()][];
    for (int i = 0; i < b.length; i++) b[i] = new long[] {r.sackStart(i) / MSS, r.sackEnd(i) / MSS};
    return b;
  }

  private static void seg(TcpReceiver r, long now, int i) {
    r.onData(now, (long) i * MSS, MSS, 1, now);
  }

  private static void assertBlocks(long[][] expected, TcpReceiver r, String what) {
    long[][] got = blocks(r);
    assertEquals(expected.length, got.length, what + ": block count");
    for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], got[i], what + ": block " + i);
  }

  @Test
  void theReceiverKeepsFourBlocksMostRecentFirstAndSendsThree() {
    TcpReceiver r = new TcpReceiver(Conn.linux54("cubic", false));
    seg(r, 0, 0);
    r.ackSent();
    assertBlocks(new long[][] {}, r, "in order: no block");
    seg(r, 1, 2);
    assertBlocks(new long[][] {{2, 3}}, r, "first out-of-order segment");
    seg(r, 2, 4);
    seg(r, 3, 6);
    assertBlocks(new long[][] {{6, 7}, {4, 5}, {2, 3}}, r, "each new block in front");
    seg(r, 4, 8);
    // four kept, three fit beside the timestamps: {2, 3} is kept but not sent
    assertBlocks(new long[][] {{8, 9}, {6, 7}, {4, 5}}, r, "three of four sent");
    seg(r, 5, 10);
    // a fifth: the least recently changed block, {2, 3}, is forgotten although its data stays queued
    assertBlocks(new long[][] {{10, 11}, {8, 9}, {6, 7}}, r, "fifth block");
    seg(r, 6, 5);
    // 5 touches {6, 7}, the first block it meets: it grows to {5, 7}, moves to the front and then absorbs
    // {4, 5} (tcp_sack_maybe_coalesce)
    assertBlocks(new long[][] {{4, 7}, {10, 11}, {8, 9}}, r, "extended, moved first, coalesced");
    seg(r, 7, 3);
    // 3 touches {4, 7}: that block grows to {3, 7}; the queued {2, 3} has no block any more, so none says 2
    assertBlocks(new long[][] {{3, 7}, {10, 11}, {8, 9}}, r, "the forgotten block stays forgotten");
    seg(r, 8, 1);
    // 1 fills the first hole: rcv_nxt jumps to 7 over the queued 2..6, and {3, 7} goes (tcp_sack_remove)
    assertEquals(7L * MSS, r.ackSeq());
    assertBlocks(new long[][] {{10, 11}, {8, 9}}, r, "blocks below rcv_nxt removed");
    seg(r, 9, 7);
    assertEquals(9L * MSS, r.ackSeq());
    assertBlocks(new long[][] {{10, 11}}, r, "one hole left");
    seg(r, 10, 9);
    assertEquals(11L * MSS, r.ackSeq());
    assertBlocks(new long[][] {}, r, "out-of-order queue empty: no block");
  }

  @Test
  void aDsackTakesTheFirstSlotOnceAndPushesTheThirdBlockOut() {
    TcpReceiver r = new TcpReceiver(Conn.linux54("cubic", false));
    seg(r, 0, 0);
    seg(r, 1, 2);
    seg(r, 2, 4);
    seg(r, 3, 6);
    r.ackSent();
    assertBlocks(new long[][] {{6, 7}, {4, 5}, {2, 3}}, r, "three blocks");
    seg(r, 4, 0); // a duplicate below rcv_nxt
    assertBlocks(new long[][] {{0, 1}, {6, 7}, {4, 5}}, r, "D-SACK first, then the first two blocks");
    assertTrue(r.ackDue(), "a duplicate is ACKed at once");
    assertTrue(r.sack(0) != SackBlocks.NONE && SackBlocks.start(r.ackSeq(), r.sack(0)) < r.ackSeq(),
        "packed, the D-SACK block lies below the ACK");
    r.ackSent();
    assertBlocks(new long[][] {{6, 7}, {4, 5}, {2, 3}}, r, "the D-SACK went out once");
    seg(r, 5, 4); // a duplicate of out-of-order data: D-SACKed, and its block moves to the front
    assertBlocks(new long[][] {{4, 5}, {4, 5}, {6, 7}}, r, "D-SACK above the ACK, inside the second block");
    r.ackSent();
    assertBlocks(new long[][] {{4, 5}, {6, 7}, {2, 3}}, r, "after the D-SACK");
    // a two-segment skb {1, 3} fills the first hole and repeats 2: tcp_ofo_queue D-SACKs from the queued
    // data's start to the skb's end (dsack_high)
    r.onData(6, MSS, 2 * MSS, 2, 6);
    assertEquals(3L * MSS, r.ackSeq());
    assertBlocks(new long[][] {{2, 3}, {4, 5}, {6, 7}}, r, "D-SACK of the queued part, then the blocks left");
  }

  /** Segments 0..9 of the connection went in the warm-up round: a window's segment k is k - 10 here. */
  private static final long BASE = 10L * MSS;

  /** A connection with srtt = min_rtt = 100 us and cwnd 20 (slow start from 10 after one round). */
  private static Conn warm() {
    Conn c = new Conn(Conn.linux54("cubic", false));
    c.exchange(c.write(10L * MSS), 50 * US);
    assertEquals(20, c.snd.cwnd());
    c.now = MS;
    return c;
  }

  /**
   * 20 segments of which 3, 8 and 13 are lost; every ACK but the last is lost too, so the sender learns the
   * holes from one ACK: cumulative 3, blocks {14, 20}, {9, 13}, {4, 8}. Returns what the sender sends on it.
   */
  private static List<Conn.Seg> threeHolesOneAck(Conn c, boolean firstBlockOnly) {
    List<Conn.Seg> w = c.write(20L * MSS);
    assertEquals(20, w.size());
    c.now += 50 * US;
    Conn.Ack last = null;
    for (int i = 0; i < w.size(); i++) {
      if (i == 3 || i == 8 || i == 13) continue;
      Conn.Ack a = c.deliver(w.get(i));
      if (a != null) last = a;
    }
    assertEquals(BASE + 3L * MSS, last.ack());
    assertArrayEquals(new long[] {14, 20, 9, 13, 4, 8}, rel(last), "the newest block first, then the older ones");
    if (firstBlockOnly) last = new Conn.Ack(last.ack(), last.wnd(), last.sack0(), SackBlocks.NONE, SackBlocks.NONE,
        last.tsEcr());
    c.now += 50 * US;
    return c.onAck(last);
  }

  /** An ACK's blocks, edge by edge, in segments of the window. */
  private static long[] rel(Conn.Ack a) {
    long[] e = new long[2 * a.blocks()];
    for (int i = 0; i < a.blocks(); i++) {
      e[2 * i] = (a.sackStart(i) - BASE) / MSS;
      e[2 * i + 1] = (a.sackEnd(i) - BASE) / MSS;
    }
    return e;
  }

  /** The window's segments whose scoreboard entry has {@code flag}. */
  private static List<Integer> flagged(Conn c, byte flag) {
    List<Integer> l = new ArrayList<>();
    for (int i = 0; i < c.snd.sb.size(); i++) {
      if (c.snd.sb.has(i, flag)) l.add((int) ((c.snd.sb.start(i) - BASE) / MSS));
    }
    return l;
  }

  @Test
  void threeBlocksMarkExactlyTheThreeHolesLostWhereOneBlockMarksEleven() {
    Conn c = warm();
    List<Conn.Seg> sent = threeHolesOneAck(c, false);
    List<Integer> sacked = flagged(c, Scoreboard.SACKED);
    assertEquals(List.of(4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19), sacked, "every block tagged");
    assertEquals(14, c.snd.sb.sackedOut);
    // RACK (no reordering seen, >= 3 SACKed: reo_wnd 0): every hole sent before the newest SACKed segment is lost
    assertEquals(List.of(3, 8, 13), flagged(c, Scoreboard.EVER_RETRANS), "the holes, and only they, resent");
    List<Integer> resent = new ArrayList<>();
    for (Conn.Seg s : sent) if (s.retx()) resent.add((int) ((s.seq() - BASE) / MSS));
    assertEquals(List.of(3, 8, 13), resent);
    assertEquals(TcpSender.RECOVERY, c.snd.rec.state);

    // the same ACK cut to its first block (Linux before it grew a list, or the model before): the sender sees
    // {14, 20} only, and RACK marks all of 3..13 lost: 8 segments that had arrived are resent as well
    Conn one = warm();
    threeHolesOneAck(one, true);
    assertEquals(List.of(14, 15, 16, 17, 18, 19), flagged(one, Scoreboard.SACKED));
    assertEquals(11, one.snd.sb.lostOut, "3..13 all marked lost");
  }

  @Test
  void aDsackAboveTheAckIsSeenAsOneAndItsNeighboursAreStillTagged() {
    Conn c = warm();
    List<Conn.Seg> w = c.write(20L * MSS);
    c.now += 50 * US;
    Conn.Ack last = null;
    for (int i = 0; i < w.size(); i++) {
      if (i == 2 || i == 6) continue;
      Conn.Ack a = c.deliver(w.get(i));
      if (a != null) last = a;
    }
    c.now += 50 * US;
    c.onAck(last);
    assertEquals(0, c.snd.dsacks);
    assertEquals(List.of(3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), flagged(c, Scoreboard.SACKED));
    // segment 4 arrives again (a duplicate of out-of-order data): D-SACK {4, 5} inside the block {3, 6}
    c.now += 50 * US;
    Conn.Ack d = c.deliver(w.get(4));
    assertArrayEquals(new long[] {4, 5, 3, 6, 7, 20}, rel(d));
    c.now += 50 * US;
    c.onAck(d);
    assertEquals(1, c.snd.dsacks, "tcp_check_dsack: the first block inside the second is a D-SACK");
  }

  @Test
  void theAckPathAllocatesNothingPerAck() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()
        && t.isThreadAllocatedMemoryEnabled(), "the JVM does not count a thread's allocation");
    com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) mx;
    TcpConfig cfg = Conn.linux54("cubic", true);
    TcpSender snd = new TcpSender(cfg);
    TcpReceiver rcv = new TcpReceiver(cfg);
    long[] now = {0};
    long[] acks = new long[2]; // ACKs, ACKs with two or more blocks
    int rounds = 2000;
    int windows = 4; // the warm half measured in windows of rounds / 8
    long bytes = Long.MAX_VALUE; // the fewest bytes a window allocated
    long a0 = 0;
    for (int round = 0; round < rounds; round++) {
      if (round >= rounds / 2 && (round - rounds / 2) % (rounds / 2 / windows) == 0) {
        long a = t.getCurrentThreadAllocatedBytes();
        if (round > rounds / 2) bytes = Math.min(bytes, a - a0);
        a0 = a;
        if (round == rounds / 2) { // warm: the arrays have grown, the code is compiled
          acks[0] = 0;
          acks[1] = 0;
        }
      }
      reorderedWindow(snd, rcv, now, acks);
    }
    bytes = Math.min(bytes, t.getCurrentThreadAllocatedBytes() - a0);
    assertTrue(acks[0] > 10_000 && acks[1] > acks[0] / 4, "ACKs: " + acks[0] + ", with 2+ blocks: " + acks[1]);
    assertTrue(snd.una > (rounds - 1) * 20L * MSS, "data flows: snd_una " + snd.una);
    // 0 here: the blocks travel in three longs and the sender sorts them in its own arrays. The fewest of four
    // windows (each ~10,000 ACKs): an allocation per ACK shows in every window, while a one-off one (objects the JIT
    // had scalar-replaced, rematerialized when a method deoptimizes) lands in one; it gave 1,088 B once in CI
    assertTrue(bytes < 1024, "bytes allocated over the least-allocating quarter of " + acks[0] + " ACKs: " + bytes);
  }

  /**
   * One window of the sender, its segments delivered in an order that leaves two holes open at once (every
   * 4th and every 7th segment late), each ACK handed straight back; returns the ACKs.
   */
  private static void reorderedWindow(TcpSender snd, TcpReceiver rcv, long[] now, long[] acks) {
    snd.written += 40L * MSS;
    now[0] += 100 * US;
    long first = snd.nxt;
    snd.output(now[0], true);
    long last = snd.nxt; // new data only: a retransmission the reordering caused is not delivered
    for (int pass = 0; pass < 3; pass++) {
      for (long s = first; s < last; s += MSS) {
        int k = (int) ((s - first) / MSS);
        int p = k % 4 == 1 ? 2 : k % 7 == 3 ? 1 : 0;
        if (p != pass) continue;
        now[0] += 1000;
        long got = rcv.onData(now[0], s, (int) Math.min(MSS, last - s), 1, now[0]);
        if (got > 0) rcv.onRead(now[0], got);
        if (!rcv.ackDue()) continue;
        long ack = rcv.ackSeq();
        long s0 = rcv.sack(0);
        long s1 = rcv.sack(1);
        long s2 = rcv.sack(2);
        int wnd = rcv.window();
        long ts = rcv.tsEcr();
        rcv.ackSent();
        snd.onAck(now[0], ack, wnd, s0, s1, s2, ts);
        acks[0]++;
        if (s1 != SackBlocks.NONE) acks[1]++;
      }
    }
    if (rcv.ackPending()) {
      long ack = rcv.ackSeq();
      rcv.ackSent();
      snd.onAck(now[0], ack, rcv.window(), 0, 0, 0, rcv.tsEcr());
    }
  }
}
