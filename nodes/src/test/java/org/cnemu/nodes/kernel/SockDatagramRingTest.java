package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A UDP socket's unread datagrams come out in arrival order, whole, across the ring's wrap-around and growth. */
class SockDatagramRingTest {
  @Test
  void datagramsComeOutInArrivalOrderAcrossWrapAndGrowth() {
    Spec.FlowSpec f = new Spec.FlowSpec(0, "u", false, "iperf", 0, 0, "h/c1", "h/c2", 1472, 0, 0, "normal", 0, 0, 0,
        null, -1, "cubic");
    Sock k = new Sock(0, f, false, 0);
    ArrayDeque<long[]> expected = new ArrayDeque<>();
    SplittableRandom r = new SplittableRandom(3);
    long seq = 0;
    assertFalse(k.hasDgram());
    for (int step = 0; step < 20_000; step++) {
      // bursts of arrivals longer than the ring (it grows while its head is mid-array), then reads
      boolean add = expected.isEmpty() || r.nextInt(step < 10_000 ? 3 : 5) != 0;
      if (add) {
        long[] d = {1 + r.nextInt(65_000), 1 + r.nextInt(45), seq++};
        k.queueDgram(d[0], d[1], d[2]);
        expected.add(d);
      } else {
        long[] d = expected.poll();
        assertTrue(k.hasDgram());
        assertEquals(d[0], k.headDgramBytes(), "bytes at step " + step);
        assertEquals(d[1], k.headDgramSegs(), "segs at step " + step);
        assertEquals(d[2], k.headDgramSeq(), "seq at step " + step);
        k.pollDgram();
      }
      assertEquals(!expected.isEmpty(), k.hasDgram());
    }
  }
}
