package org.cnemu.nodes.kernel;

import java.util.SplittableRandom;

/**
 * Wall-clock cost of connect() on an exhausted ephemeral port range (not a test): the walk over the range that
 * {@link EphemeralPorts} replaced ({@link EphemeralPortsTest.Walk}) against the bitmap, in the same JVM. Every
 * port is in use; each round puts one port in TIME_WAIT that ended just now and calls connect() twice (one takes
 * it, one gets EADDRNOTAVAIL). java -cp nodes/target/classes:nodes/target/test-classes:devices/target/classes
 * org.cnemu.nodes.kernel.PortsSpeed ROUNDS
 */
final class PortsSpeed {
  private PortsSpeed() {}

  public static void main(String[] args) {
    int rounds = Integer.parseInt(args[0]);
    for (int rep = 0; rep < 3; rep++) {
      long walk = run(true, rounds);
      long bitmap = run(false, rounds);
      System.out.printf("rep %d: %d connect()s on an exhausted range: walk %.1f ms, bitmap %.2f ms, ratio %.0fx%n",
          rep, 2 * rounds, walk / 1e6, bitmap / 1e6, (double) walk / bitmap);
    }
  }

  private static long run(boolean useWalk, int rounds) {
    int n = EphemeralPorts.PORT_COUNT;
    EphemeralPortsTest.Walk walk = new EphemeralPortsTest.Walk(7, false, n);
    EphemeralPorts ports = new EphemeralPorts(new SplittableRandom(7), false);
    int[] open = new int[n];
    for (int k = 0; k < n; k++) open[k] = useWalk ? walk.take(0) : ports.take(0);
    long t0 = System.nanoTime();
    long now = 0;
    long sum = 0;
    for (int i = 0; i < rounds; i++) {
      now += 1_000_000L;
      int j = (int) ((i * 7919L) % n);
      long closed = now - EphemeralPorts.TIME_WAIT_NANOS; // its TIME_WAIT ends now
      if (useWalk) walk.timeWait(open[j], closed);
      else ports.timeWait(open[j], closed);
      int p = useWalk ? walk.take(now) : ports.take(now);
      int q = useWalk ? walk.take(now) : ports.take(now);
      open[j] = p;
      sum += p + q;
    }
    long t = System.nanoTime() - t0;
    if (sum == 42) System.out.println(sum); // keeps the loop's results alive
    return t;
  }
}
