package org.cnemu.devices;

/**
 * The recorded path of one sampled packet (results: {@code journeys}): the stages it passed, each with
 * where it ran and the virtual interval of its service, from the transport's send ({@link #startNanos})
 * on. The time before a stage's service since the previous stage's end is the stage's queueing, so the
 * stages' queueing and service add up to the packet's end-to-end latency exactly.
 *
 * <p>Mutable and owned by the one packet that carries it ({@link Packet#journey()}): a TSO skb hands it to
 * its first wire packet, a GRO aggregate carries the journeys of every sampled packet it absorbed (a chain,
 * {@link #merge}). Identity equality: two packets are never equal because their journeys look alike.
 */
public final class Journey {
  /** Where a stage ran when it ran on no core: the NIC, a link or a switch. */
  public static final int FABRIC = -1;

  public final long startNanos;
  private byte[] stage = new byte[16];
  private int[] where = new int[16];
  private long[] from = new long[16];
  private long[] to = new long[16];
  private int n;
  /** Another sampled packet travelling in the same skb (a GRO aggregate), or null. */
  private Journey also;

  public Journey(long startNanos) {
    this.startNanos = startNanos;
  }

  /** The journeys of {@code a} and {@code b} (either may be null) as one chain. */
  public static Journey merge(Journey a, Journey b) {
    if (a == null) return b;
    if (b == null || b == a) return a;
    Journey x = a;
    while (x.also != null) x = x.also;
    x.also = b;
    return a;
  }

  /** Stage {@code st} served the packet (and every packet chained with it) at {@code where} from {@code fromNanos} to {@code toNanos}. */
  public void add(int st, int where, long fromNanos, long toNanos) {
    for (Journey j = this; j != null; j = j.also) j.add1(st, where, fromNanos, toNanos);
  }

  /** The last stage's service lasted until {@code toNanos} (a local enqueue at its end). */
  public void extendTo(long toNanos) {
    for (Journey j = this; j != null; j = j.also) if (j.n > 0) j.to[j.n - 1] = toNanos;
  }

  private void add1(int st, int w, long f, long t) {
    if (n == stage.length) {
      int m = n * 2;
      stage = java.util.Arrays.copyOf(stage, m);
      where = java.util.Arrays.copyOf(where, m);
      from = java.util.Arrays.copyOf(from, m);
      to = java.util.Arrays.copyOf(to, m);
    }
    stage[n] = (byte) st;
    where[n] = w;
    from[n] = f;
    to[n] = t;
    n++;
  }

  public int size() {
    return n;
  }

  public int stage(int i) {
    return stage[i];
  }

  /** Host index << 16 | core, or {@link #FABRIC}. */
  public int where(int i) {
    return where[i];
  }

  public long from(int i) {
    return from[i];
  }

  public long to(int i) {
    return to[i];
  }

  /** When the packet was last served (the send, before any stage). */
  public long lastEnd() {
    return n == 0 ? startNanos : to[n - 1];
  }

  public Journey also() {
    return also;
  }

  /** For the wire: a journey as read back, stage by stage. */
  public static Journey of(long startNanos, byte[] st, int[] w, long[] f, long[] t, Journey also) {
    Journey j = new Journey(startNanos);
    for (int i = 0; i < st.length; i++) j.add1(st[i], w[i], f[i], t[i]);
    j.also = also;
    return j;
  }
}
