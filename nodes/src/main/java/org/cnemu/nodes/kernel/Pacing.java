package org.cnemu.nodes.kernel;

/**
 * iperf3's throttle of a paced stream (iperf_api.c, the same in every version; the timer's period is the
 * workload's {@code pacing-timer}): the client writes while the stream's green light is on, and
 * {@code iperf_check_throttle} sets the light to whether the stream's average rate since its start,
 * {@code bytes_sent * 8 / seconds}, is below the target. It runs after every write ({@code iperf_send}, one
 * write per select() when paced) and at every tick of the stream's send timer ({@code send_timer_proc}: 100 ms
 * in iperf3 3.0 / 3.1, {@code --pacing-timer}, 1 ms by default, from 3.2). So writes leave back-to-back until
 * the average catches up, then the stream waits for a tick.
 */
final class Pacing {
  private Pacing() {}

  /**
   * The time from which paced sender {@code k} may write next, at {@code now} (after its last write, or at a
   * tick): {@code now} while its average rate since the start is below the target, else the first timer tick
   * after {@code now} at which it is (the light stays off at a tick that finds the average still too high).
   */
  static long nextWrite(Sock k, long now) {
    Spec.FlowSpec f = k.flow;
    long start = f.startNanos();
    if (below(k.pacedBytes, now - start, f.rateBps())) return now;
    long period = f.load().pacingTimerNanos();
    // the first tick after now, or the one where the average has (about) caught up, whichever is later
    double catchUp = (double) k.pacedBytes * 8e9 / f.rateBps();
    long t = start + Math.max((now - start) / period + 1, (long) (catchUp / period)) * period;
    while (!below(k.pacedBytes, t - start, f.rateBps())) t += period;
    return t;
  }

  /** Whether {@code bytes} sent in {@code elapsedNanos} average below {@code rateBps} (no time elapsed: not below). */
  static boolean below(long bytes, long elapsedNanos, long rateBps) {
    if (elapsedNanos <= 0) return false;
    // bytes * 8 / seconds < rate, exactly: bytes * 8 * 1e9 < rate * elapsed in 128-bit products
    long a = bytes * 8;
    long h1 = Math.multiplyHigh(a, 1_000_000_000L);
    long h2 = Math.multiplyHigh(rateBps, elapsedNanos);
    return h1 < h2 || h1 == h2 && Long.compareUnsigned(a * 1_000_000_000L, rateBps * elapsedNanos) < 0;
  }

  /** Paced by iperf3's throttle (a rate, constant arrival, a timer); otherwise writes are spaced by the arrival process. */
  static boolean throttled(Spec.FlowSpec f) {
    return f.rateBps() > 0 && !f.load().poisson() && f.load().pacingTimerNanos() > 0;
  }
}
