package org.cnemu.nodes.tcp;

import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.SackBlocks;

/**
 * A TCP connection without a host: the test moves every wire segment and every ACK by hand, in the
 * order and at the virtual times it chooses. Each skb completes its TX {@link #txDoneNanos} after
 * it left (what the host model estimates from the NIC).
 */
final class Conn {
  static final int MSS = 1448;
  static final long MS = 1_000_000L;
  static final long US = 1_000L;

  /** Linux 5.4 sysctls (k5-100g), HZ 250, CUBIC without HyStart (hystart = 0). */
  static TcpConfig linux54(String cc, boolean nodelay) {
    return linux54(cc, nodelay, Hystart.OFF);
  }

  /**
   * Linux 5.4 sysctls (k5-100g), HZ 250, with {@code hystart}; SACK compression off (tcp_comp_sack_nr = 0):
   * this harness sends an ACK only when {@link TcpReceiver#ackDue} says so and runs no compressed-ACK timer.
   */
  static TcpConfig linux54(String cc, boolean nodelay, Hystart hystart) {
    return new TcpConfig(MSS, 44, 4 << 20, 6 << 20, 131072, cc, 4 * MS, 200 * MS, 1000 * MS, 120_000 * MS, 40 * MS,
        16, true, 3, 300, nodelay, true, 1 << 20, hystart, 0, MS);
  }

  /** Linux 4.4 sysctls (hotcloud19), CUBIC without HyStart. */
  static TcpConfig linux44(String cc) {
    return new TcpConfig(MSS, 44, 4 << 20, 6 << 20, 87380, cc, 4 * MS, 200 * MS, 1000 * MS, 120_000 * MS, 40 * MS,
        16, false, 3, 300, false, true, 256 << 10, Hystart.OFF, 0, MS);
  }

  /** One wire segment. */
  record Seg(long seq, int len, boolean retx, long sentAt) {
    int index() {
      return (int) (seq / MSS);
    }
  }

  /** One ACK: its SACK blocks packed as a {@link org.cnemu.devices.Packet} carries them. */
  record Ack(long ack, long wnd, long sack0, long sack1, long sack2, long tsEcr) {
    int blocks() {
      return sack0 == SackBlocks.NONE ? 0 : sack1 == SackBlocks.NONE ? 1 : sack2 == SackBlocks.NONE ? 2 : 3;
    }

    long sack(int i) {
      return i == 0 ? sack0 : i == 1 ? sack1 : sack2;
    }

    long sackStart(int i) {
      return SackBlocks.start(ack, sack(i));
    }

    long sackEnd(int i) {
      return SackBlocks.end(ack, sack(i));
    }
  }

  final TcpSender snd;
  final TcpReceiver rcv;
  long now;
  long txDoneNanos = 0;
  /** Every skb handed down: {seq, len, retx}. */
  final List<long[]> skbs = new ArrayList<>();

  Conn(TcpConfig c) {
    snd = new TcpSender(c);
    rcv = new TcpReceiver(c);
  }

  /** tcp_write_xmit now; returns the wire segments sent. */
  List<Seg> push(boolean fromSendmsg) {
    List<Seg> out = new ArrayList<>();
    int n = snd.output(now, fromSendmsg);
    for (int i = 0; i < n; i++) {
      skbs.add(new long[] {snd.outSeq[i], snd.outLen[i], snd.outRetx[i] ? 1 : 0});
      snd.queuedBelow(snd.outLen[i], now + txDoneNanos);
      for (long s = snd.outSeq[i]; s < snd.outSeq[i] + snd.outLen[i]; s += MSS) {
        out.add(new Seg(s, (int) Math.min(MSS, snd.outSeq[i] + snd.outLen[i] - s), snd.outRetx[i], now));
      }
    }
    return out;
  }

  List<Seg> write(long bytes) {
    snd.written += bytes;
    return push(true);
  }

  /** The receiver gets {@code s} (its application reads at once); returns the ACK it sends at once, or null. */
  Ack deliver(Seg s) {
    long n = rcv.onData(now, s.seq(), s.len(), 1, s.sentAt());
    if (n > 0) rcv.onRead(now, n); // the application reads at once
    return rcv.ackDue() ? ack() : null;
  }

  Ack ack() {
    Ack a = new Ack(rcv.ackSeq(), rcv.window(), rcv.sack(0), rcv.sack(1), rcv.sack(2), rcv.tsEcr());
    rcv.ackSent();
    return a;
  }

  /** The sender gets {@code a}; returns what it sends in response. */
  List<Seg> onAck(Ack a) {
    snd.onAck(now, a.ack(), a.wnd(), a.sack0(), a.sack1(), a.sack2(), a.tsEcr());
    return push(false);
  }

  /** Delivers {@code segs} in order, then hands every ACK back {@code rttHalf} later. */
  List<Seg> exchange(List<Seg> segs, long rttHalf) {
    now += rttHalf;
    List<Ack> acks = new ArrayList<>();
    for (Seg s : segs) {
      Ack a = deliver(s);
      if (a != null) acks.add(a);
    }
    now += rttHalf;
    List<Seg> more = new ArrayList<>();
    for (Ack a : acks) more.addAll(onAck(a));
    return more;
  }

  int retransmitted(List<Seg> segs) {
    int n = 0;
    for (Seg s : segs) if (s.retx()) n++;
    return n;
  }
}
