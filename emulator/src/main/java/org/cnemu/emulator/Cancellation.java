package org.cnemu.emulator;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks the simulations a thread runs to stop early (the daemon does, when the client of the command
 * it serves goes away). Cooperative, unlike an interrupt, which would break whatever blocking call
 * the thread happens to be in: a one-partition run checks the flag between its progress slices, a
 * run on actors while it waits for the partitions. A stopped run throws {@link RunInterrupted}.
 */
public final class Cancellation {
  private static final ThreadLocal<AtomicBoolean> FLAG = new ThreadLocal<>();

  private Cancellation() {}

  /** Simulations run by the calling thread stop once {@code flag} is set, until {@link #clear}. */
  public static void watch(AtomicBoolean flag) {
    FLAG.set(flag);
  }

  public static void clear() {
    FLAG.remove();
  }

  /** Whether the calling thread's runs were asked to stop (a sweep then starts no further point). */
  public static boolean requested() {
    AtomicBoolean f = FLAG.get();
    return f != null && f.get();
  }
}
