package org.cnemu.nodes.tcp;

import static org.cnemu.nodes.tcp.Conn.MS;
import static org.cnemu.nodes.tcp.Conn.MSS;
import static org.cnemu.nodes.tcp.Conn.US;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * CUBIC's HyStart as Linux 4.4 and 5.4 run it (tcp_cubic.c): the ACK train on the millisecond clock, the delay
 * increase, hystart_low_window, and HyStart off. Each ACK is handed to the sender at a chosen virtual time; the
 * test records cwnd before it and ssthresh after it.
 */
class HystartTest {
  private static final int INF = CongestionControl.INFINITE_SSTHRESH;

  /** Linux 5.4 sysctls with a 3 MiB initial receive window (the receive window never limits here). */
  private static Conn conn(Hystart h) {
    TcpConfig c = Conn.linux54("cubic", false, h);
    return new Conn(new TcpConfig(c.mss(), c.tsoSegs(), c.sndbufBytes(), c.rmemBytes(), 6L << 20,
        c.congestionControl(), c.jiffyNanos(), c.minRtoNanos(), c.initRtoNanos(), c.maxRtoNanos(), c.delackNanos(),
        c.quickAcks(), c.rackTlp(), c.reordering(), c.maxReordering(), c.nodelay(), c.autocorking(),
        c.limitOutputBytes(), h, c.compSackNr(), c.compSackDelayNanos()));
  }

  private static Hystart on(long phaseNanos) {
    return new Hystart(true, 16, 2, phaseNanos);
  }

  /** What one ACK did: when it arrived, cwnd before it, ssthresh after it. */
  record Step(long at, int cwndBefore, int ssthreshAfter) {}

  /**
   * Rounds of {@code rtt}: every segment of a round reaches the receiver {@code rtt / 2 + extra(round)} after it
   * left, and all of the round's ACKs reach the sender at once {@code rtt / 2} later. Returns every ACK's step.
   */
  private static List<Step> rounds(Conn c, int count, long rtt, long[] extraPerRound) {
    List<Step> steps = new ArrayList<>();
    List<Conn.Seg> segs = c.write(4000L * MSS);
    for (int r = 0; r < count && !segs.isEmpty(); r++) {
      c.now += rtt / 2 + (extraPerRound == null ? 0 : extraPerRound[r]);
      List<Conn.Ack> acks = new ArrayList<>();
      for (Conn.Seg s : segs) {
        Conn.Ack a = c.deliver(s);
        if (a != null) acks.add(a);
      }
      c.now += rtt / 2;
      List<Conn.Seg> more = new ArrayList<>();
      for (Conn.Ack a : acks) {
        int before = c.snd.cwnd();
        more.addAll(c.onAck(a));
        steps.add(new Step(c.now, before, c.snd.ssthresh()));
      }
      segs = more;
    }
    return steps;
  }

  /** The first ACK that set ssthresh, or null. */
  private static Step exit(List<Step> steps) {
    return steps.stream().filter(s -> s.ssthreshAfter() != INF).findFirst().orElse(null);
  }

  @Test
  void anAckTrainCrossingAMillisecondTickEndsSlowStartWithSsthreshEqualToCwnd() {
    // 40 us rounds; the host's ms clock ticks 100 us after virtual time 0 (phase 900 us). Rounds end at 40, 80
    // and 120 us: the round that started at 80 us (ms 0) sees its first ACK at 120 us (ms 1), so the train is
    // longer than delay_min >> 4 = 0 ms (RTT 40 us: delay_min = 1) and slow start ends there, at cwnd 40.
    Conn c = conn(on(900 * US));
    List<Step> steps = rounds(c, 4, 40 * US, null);
    Step e = exit(steps);
    assertEquals(120 * US, e.at());
    assertEquals(40, e.cwndBefore(), "10 -> 20 -> 40 in two rounds");
    assertEquals(40, e.ssthreshAfter(), "ssthresh = cwnd at that ACK");
    assertEquals(Cubic.FOUND_TRAIN, ((Cubic) c.snd.cc).found);
    // the ACKs before it, all within ms 0, left slow start alone
    assertEquals(0, steps.stream().filter(s -> s.at() < 120 * US && s.ssthreshAfter() != INF).count());
  }

  @Test
  void roundsInsideOneMillisecondKeepSlowStartUntilTheClockTicks() {
    // 100 us rounds; the ms clock ticks 450 us after virtual time 0 (phase 550 us). The rounds ending at 200,
    // 300 and 400 us run with cwnd 20, 40 and 80 (>= hystart_low_window) and trains of up to 100 us, all inside
    // ms 0: no exit. The first ACK at 500 us (ms 1) ends slow start at cwnd 160.
    Conn c = conn(on(550 * US));
    List<Step> steps = rounds(c, 6, 100 * US, null);
    Step e = exit(steps);
    assertEquals(500 * US, e.at());
    assertEquals(160, e.cwndBefore());
    assertEquals(160, e.ssthreshAfter());
    assertEquals(0, steps.indexOf(e) - steps.stream().filter(s -> s.at() < 500 * US).count(), "its first ACK");
    assertEquals(80, steps.stream().filter(s -> s.at() == 400 * US).mapToInt(Step::cwndBefore).min().orElseThrow(),
        "the round ending at 400 us started at cwnd 80, in slow start");
  }

  @Test
  void aDelayRiseOfTheRoundsFirstSamplesEndsSlowStart() {
    // 10 ms rounds: each round's first ACK comes 10 ms after the last ACK of the train (more than
    // hystart_ack_delta = 2 ms), so the ACK train never counts. delay_min = 10 ms (80 in ms << 3); the third
    // round's segments are held 6 ms more: RTT 16 ms = 128 > 80 + clamp(80 >> 3, 32, 128) = 112. Its first ACK
    // is sampled before the round restarts; the next 8 make curr_rtt = 128 and the 9th after them ends slow start.
    Conn c = conn(on(0));
    List<Step> steps = rounds(c, 4, 10 * MS, new long[] {0, 0, 6 * MS, 0});
    Step e = exit(steps);
    long roundEnd = e.at();
    List<Step> round = steps.stream().filter(s -> s.at() == roundEnd).toList();
    assertEquals(36 * MS, roundEnd, "the delayed third round ends at 3 x 10 ms + 6 ms");
    assertEquals(9, round.indexOf(e), "the tenth ACK of the round");
    assertEquals(e.cwndBefore(), e.ssthreshAfter());
    assertEquals(Cubic.FOUND_DELAY, ((Cubic) c.snd.cc).found);
  }

  @Test
  void belowHystartLowWindowTheClockTicksEndNothing() {
    // one round of 10 segments whose ACKs come 300 us apart from 1.3 ms on (phase 0): the clock ticks at 2 and
    // 3 ms, but the ACKs before cwnd reaches 16 (cwnd 10..15) never run hystart_update; the ACK at cwnd 16
    // (3.1 ms, 2 ms after the round began at ms 1, within hystart_ack_delta of its start) ends slow start.
    Conn c = conn(on(0));
    List<Conn.Seg> segs = c.write(4000L * MSS);
    List<Conn.Ack> acks = new ArrayList<>();
    c.now = 500 * US;
    for (Conn.Seg s : segs) acks.add(c.deliver(s));
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < acks.size(); i++) {
      c.now = 1300 * US + i * 300 * US;
      int before = c.snd.cwnd();
      c.onAck(acks.get(i));
      steps.add(new Step(c.now, before, c.snd.ssthresh()));
    }
    for (int i = 0; i < 6; i++) assertEquals(INF, steps.get(i).ssthreshAfter(), "cwnd " + steps.get(i).cwndBefore());
    assertEquals(16, steps.get(6).cwndBefore());
    assertEquals(16, steps.get(6).ssthreshAfter());
  }

  @Test
  void hystartOffKeepsSlowStartAsReno() {
    // the first test's flow and clock with hystart = 0: no exit at the tick, cwnd grows exactly as Reno's
    Conn cubic = conn(new Hystart(false, 16, 2, 900 * US));
    List<Step> a = rounds(cubic, 4, 40 * US, null);
    TcpConfig r = Conn.linux54("reno", false);
    List<Step> b = rounds(new Conn(new TcpConfig(r.mss(), r.tsoSegs(), r.sndbufBytes(), r.rmemBytes(), 6L << 20,
        "reno", r.jiffyNanos(), r.minRtoNanos(), r.initRtoNanos(), r.maxRtoNanos(), r.delackNanos(), r.quickAcks(),
        r.rackTlp(), r.reordering(), r.maxReordering(), r.nodelay(), r.autocorking(), r.limitOutputBytes(),
        Hystart.OFF, r.compSackNr(), r.compSackDelayNanos())), 4, 40 * US, null);
    assertEquals(null, exit(a));
    assertEquals(b, a);
    assertEquals(160, cubic.snd.cwnd());
  }
}
