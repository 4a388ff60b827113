package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link EphemeralPorts}: exhausting the whole range gives EADDRNOTAVAIL until a TIME_WAIT port may be taken
 * again (60 s, or 1 s with tcp_tw_reuse), and the bitmap picks exactly the port Linux's walk over the range
 * picks (the walk is kept here as the oracle).
 */
class EphemeralPortsTest {
  private static final long S = 1_000_000_000L;

  /** The offset the class draws first from the same stream. */
  static int offset(long seed, int count) {
    return new SplittableRandom(seed).nextInt(count);
  }

  @Test
  void exhaustingTheRangeRefusesConnectUntilTheFirstTimeWaitEnds() {
    int n = EphemeralPorts.PORT_COUNT;
    EphemeralPorts ports = new EphemeralPorts(new SplittableRandom(7), false);
    int off = offset(7, n);
    for (int k = 0; k < n; k++) {
      assertEquals(EphemeralPorts.PORT_LOW + (off + k) % n, ports.take(0), "consecutive ports from the offset, #" + k);
    }
    assertEquals(-1, ports.take(0), "every port in use: EADDRNOTAVAIL");
    assertEquals(Long.MAX_VALUE, ports.firstFreeAt(), "ports in use free only when closed");
    int a = EphemeralPorts.PORT_LOW + (off + 100) % n;
    int b = EphemeralPorts.PORT_LOW + (off + 5) % n;
    ports.timeWait(a, 5 * S);
    ports.timeWait(b, 6 * S);
    assertEquals(65 * S, ports.firstFreeAt(), "the first TIME_WAIT ends 60 s after its close");
    assertEquals(-1, ports.take(65 * S - 1), "still in TIME_WAIT");
    assertEquals(a, ports.take(65 * S), "the port whose TIME_WAIT ended");
    assertEquals(-1, ports.take(65 * S), "the other is still in TIME_WAIT");
    assertEquals(b, ports.take(66 * S));
    ports.release(a); // FreeFlow: no kernel connection, free at once
    assertEquals(a, ports.take(66 * S));
  }

  @Test
  void twReuseTakesATimeWaitPortAfterOneSecond() {
    int n = EphemeralPorts.PORT_COUNT;
    EphemeralPorts ports = new EphemeralPorts(new SplittableRandom(3), true);
    for (int k = 0; k < n; k++) ports.take(0);
    int p = EphemeralPorts.PORT_LOW + (offset(3, n) + 42) % n;
    ports.timeWait(p, 2 * S);
    assertEquals(3 * S, ports.firstFreeAt());
    assertEquals(-1, ports.take(3 * S - 1));
    assertEquals(p, ports.take(3 * S));
  }

  /** Linux's walk: from offset + hint, the first port neither in use nor in TIME_WAIT (the former implementation). */
  static final class Walk {
    final int n;
    final int offset;
    final boolean reuse;
    int hint;
    final Map<Integer, Long> busyUntil = new HashMap<>();
    final Map<Integer, Long> twSince = new HashMap<>();

    Walk(long seed, boolean reuse, int n) {
      this.n = n;
      this.offset = offset(seed, n);
      this.reuse = reuse;
    }

    int take(long now) {
      for (int i = 0; i < n; i++) {
        int port = EphemeralPorts.PORT_LOW + (int) ((offset + (long) hint + i) % n);
        Long busy = busyUntil.get(port);
        Long tw = twSince.get(port);
        if (busy == null || busy <= now || (reuse && tw != null && now - tw >= EphemeralPorts.TW_REUSE_NANOS)) {
          hint += i + 1;
          busyUntil.put(port, Long.MAX_VALUE);
          twSince.remove(port);
          return port;
        }
      }
      return -1;
    }

    void timeWait(int port, long now) {
      busyUntil.put(port, now + EphemeralPorts.TIME_WAIT_NANOS);
      twSince.put(port, now);
    }

    void release(int port) {
      busyUntil.remove(port);
    }
  }

  @Test
  void thePortChosenIsTheWalksOnRandomOpenAndCloseSequences() {
    for (boolean reuse : new boolean[] {false, true}) {
      for (int n : new int[] {1, 63, 64, 65, 200, 4096, 4097, 5000}) {
        long seed = 11 + n;
        EphemeralPorts ports = new EphemeralPorts(new SplittableRandom(seed), reuse, n);
        Walk walk = new Walk(seed, reuse, n);
        SplittableRandom r = new SplittableRandom(n * 31L + (reuse ? 1 : 0));
        Set<Integer> open = new HashSet<>();
        long now = 0;
        int refused = 0;
        for (int k = 0; k < n - 50; k++) { // nearly full at once: the walk then crosses many blocked words
          int want = walk.take(0);
          assertEquals(want, ports.take(0));
          open.add(want);
        }
        for (int step = 0; step < 2000; step++) {
          now += r.nextLong(reuse ? S / 4 : 4 * S);
          double u = r.nextDouble();
          if (u < 0.6 || open.isEmpty()) {
            int want = walk.take(now);
            assertEquals(want, ports.take(now), "n " + n + " reuse " + reuse + " step " + step);
            if (want < 0) refused++;
            else open.add(want);
          } else {
            int port = open.stream().sorted().skip(r.nextInt(open.size())).findFirst().orElseThrow();
            open.remove(port);
            if (u < 0.95) {
              walk.timeWait(port, now);
              ports.timeWait(port, now);
            } else {
              walk.release(port);
              ports.release(port);
            }
          }
        }
        assertNotEquals(0, refused, "the sequence reached EADDRNOTAVAIL (n " + n + ")");
      }
    }
  }
}
