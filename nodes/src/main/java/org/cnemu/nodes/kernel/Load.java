package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.cnemu.emulator.config.Units;

/**
 * The stochastic parts of one workload, drawn at run time from the flow's own streams of the run
 * (seed + run index; never from anything the steering policy changes, so the arms of an A/B or sweep
 * point see the same draws): the inter-arrival process of paced sends or requests, the request
 * (message / value) sizes and the client's think times.
 *
 * @param poisson inter-arrival gaps are exponential with the mean (a Poisson process), else constant
 * @param requestsPerSec request-response / ping-pong: open-loop request rate per connection (0 =
 *     closed loop: the next request after the response and a think time)
 * @param size the varying message size: request-response: value-size; ping-pong: message-size
 * @param think the client's think time between a response and its next request (closed loop)
 * @param fanIn the workload's flows into one destination endpoint share one server socket and thread
 * @param replyTimeoutNanos UDP request-response: a closed-loop client gives a request up as lost after this
 * @param perRequest TCP request-response / ping-pong: a new connection per request (connect, handshake,
 *     one request and response, close; {@link Churn}) instead of one for the whole run
 * @param listenBacklog the server's listen() backlog (the accept queue holds at most this and somaxconn)
 * @param nodelay TCP_NODELAY on the workload's sockets (Nagle off)
 * @param pacingTimerNanos paced iperf (a rate, constant arrival): iperf3's throttle timer ({@link Pacing}); 0:
 *     writes evenly spaced at size / rate
 */
record Load(boolean poisson, double requestsPerSec, Dist size, Dist think, boolean fanIn, long replyTimeoutNanos,
    boolean perRequest, int listenBacklog, boolean nodelay, long pacingTimerNanos) {
  /** Constant everything, closed loop, one socket per flow: the workload as it was before distributions. */
  static final Load PLAIN = new Load(false, 0, null, null, false, 10_000_000, false, 511, true, 0);

  /** An equal load in a new object (HostKernel keeps its flows' specs beside its own state). */
  Load copy() {
    return new Load(poisson, requestsPerSec, size, think, fanIn, replyTimeoutNanos, perRequest, listenBacklog, nodelay,
        pacingTimerNanos);
  }

  /** The same load with connections for the whole run (the pre-churn tests' shorthand). */
  Load(boolean poisson, double requestsPerSec, Dist size, Dist think, boolean fanIn, long replyTimeoutNanos) {
    this(poisson, requestsPerSec, size, think, fanIn, replyTimeoutNanos, false, 511, true, 0);
  }

  /** A constant | exponential | empirical distribution of a non-negative integer quantity (bytes or ns). */
  record Dist(String kind, long mean, long[] values, long min, long max) {
    boolean constant() {
      return kind.equals("constant");
    }

    /** A draw (constant: the mean, drawing nothing, so constant workloads keep their streams untouched). */
    long draw(SplittableRandom r) {
      return switch (kind) {
        case "exponential" -> Math.max(min, Math.min(max, Math.round(-mean * Math.log(1 - r.nextDouble()))));
        case "empirical" -> values[r.nextInt(values.length)];
        default -> mean;
      };
    }

    /** The largest value a draw can take. */
    long largest() {
      return switch (kind) {
        case "exponential" -> max;
        case "empirical" -> java.util.Arrays.stream(values).max().orElse(mean);
        default -> mean;
      };
    }
  }

  /** A gap of the arrival process with mean {@code meanNanos} (at least 1 ns). */
  long gapNanos(SplittableRandom r, long meanNanos) {
    if (!poisson) return Math.max(1, meanNanos);
    return Math.max(1, Math.round(-meanNanos * Math.log(1 - r.nextDouble())));
  }

  /** The largest message size a request-response value / ping-pong message may take (memcached's item limit). */
  static final long MAX_SIZE_BYTES = 1L << 20;
  /** The longest think time a list may hold: an hour. */
  static final long MAX_THINK_NANOS = 3_600_000_000_000L;

  /** Reads the load keys of workload {@code c} (over the template's defaults); {@code sizeKey}: the size it varies. */
  static Load of(Config c, String sizeKey) {
    boolean poisson = c.getString("arrival").toLowerCase(Locale.ROOT).equals("poisson");
    Dist size = new Dist(c.getString("size-distribution"), Units.bytes(c, sizeKey), list(c, "size-values", Units::bytes),
        sizeKey.equals("value-size") ? 0 : 1, MAX_SIZE_BYTES);
    Dist think = new Dist(c.getString("think-distribution"), Units.nanos(c, "think-time"), list(c, "think-values", Units::nanos),
        0, MAX_THINK_NANOS);
    return new Load(poisson, c.getDouble("request-rate"), size, think, c.getBoolean("fan-in"),
        Units.nanos(c, "reply-timeout"), c.getString("connection").equals("per-request"), c.getInt("listen-backlog"),
        nodelay(c), Units.nanos(c, "pacing-timer"));
  }

  /**
   * TCP_NODELAY as the workload sets it: {@code auto} is what its tool does (iperf3 leaves Nagle on unless -N;
   * memcached and sockperf's ping-pong set TCP_NODELAY on their sockets), else the boolean given.
   */
  static boolean nodelay(Config c) {
    String v = c.getString("nodelay").toLowerCase(Locale.ROOT);
    return v.equals("auto") ? !c.getString("kind").equals("iperf") : Boolean.parseBoolean(v);
  }

  /** The list at {@code key}, each value read by {@code unit} (Units::bytes, Units::nanos). */
  private static long[] list(Config c, String key, java.util.function.ToLongBiFunction<Config, String> unit) {
    List<? extends com.typesafe.config.ConfigValue> l = c.getList(key);
    long[] out = new long[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = unit.applyAsLong(com.typesafe.config.ConfigFactory.empty().withValue("v", l.get(i)), "v");
    }
    return out;
  }
}
