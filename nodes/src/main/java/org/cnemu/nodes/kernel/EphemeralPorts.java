package org.cnemu.nodes.kernel;

import java.util.HashMap;
import java.util.Map;
import org.cnemu.devices.Hashing;

/**
 * The ephemeral ports of one client host toward one destination endpoint, as Linux's
 * __inet_hash_connect hands them out: consecutive ports from a per-destination offset plus a hint that
 * advances past each port taken, skipping ports in use or in TIME_WAIT (tcp_tw_reuse: a port 1 s in
 * TIME_WAIT may be taken again).
 */
final class EphemeralPorts {
  /** TCP_TIMEWAIT_LEN: how long the active closer keeps the 4-tuple. */
  static final long TIME_WAIT_NANOS = 60_000_000_000L;
  /** tcp_twsk_unique with tcp_tw_reuse: a TIME_WAIT port may be reused once its last timestamp is 1 s old. */
  static final long TW_REUSE_NANOS = 1_000_000_000L;
  /** net.ipv4.ip_local_port_range default: 32768..60999. */
  static final int PORT_LOW = 32768, PORT_COUNT = 60999 - 32768 + 1;

  private final int offset;
  private final int seed;
  private final boolean twReuse;
  private int hint;
  /** Port -> when it is free again (Long.MAX_VALUE: in use). */
  private final Map<Integer, Long> busyUntil = new HashMap<>();
  /** Port -> when it entered TIME_WAIT (tcp_tw_reuse). */
  private final Map<Integer, Long> twSince = new HashMap<>();

  EphemeralPorts(java.util.SplittableRandom r, boolean twReuse) {
    offset = r.nextInt(PORT_COUNT); // inet_sk_port_offset: a secret hash of the addresses
    seed = r.nextInt(); // the run's 4-tuple hash seed toward this destination
    this.twReuse = twReuse;
  }

  /** A free port, now in use; -1 when every port is in use or in TIME_WAIT (EADDRNOTAVAIL). */
  int take(long now) {
    for (int i = 0; i < PORT_COUNT; i++) {
      int port = PORT_LOW + (int) ((offset + (long) hint + i) % PORT_COUNT);
      Long busy = busyUntil.get(port);
      Long tw = twSince.get(port);
      boolean free = busy == null || busy <= now || (twReuse && tw != null && now - tw >= TW_REUSE_NANOS);
      if (free) {
        hint += i + 1;
        busyUntil.put(port, Long.MAX_VALUE);
        twSince.remove(port);
        return port;
      }
    }
    return -1;
  }

  /** When the first taken port frees (Long.MAX_VALUE: none will by itself). */
  long firstFreeAt() {
    long next = Long.MAX_VALUE;
    for (long t : busyUntil.values()) next = Math.min(next, t);
    return next;
  }

  /** The connection on {@code port} is gone without a TIME_WAIT (no kernel connection: FreeFlow). */
  void release(int port) {
    busyUntil.remove(port);
  }

  /** The active close of {@code port} ended at {@code now}: the 4-tuple stays in TIME_WAIT. */
  void timeWait(int port, long now) {
    busyUntil.put(port, now + TIME_WAIT_NANOS);
    twSince.put(port, now);
  }

  /** The skb hash seed of the connection on {@code port} (its 4-tuple's hash). */
  int portHash(int port) {
    return Hashing.mix32(((long) seed << 20 | port) * 0x9E3779B97F4A7C15L);
  }
}
