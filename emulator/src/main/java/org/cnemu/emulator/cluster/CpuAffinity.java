package org.cnemu.emulator.cluster;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Pins the calling thread to one CPU (Linux {@code sched_setaffinity}, through JNA).
 *
 * <p>Why: partitions on different JVMs of one machine wake each other once per window through a
 * socket. Linux treats such a wake-up as "the waker is about to sleep" and runs the woken thread on
 * the waker's CPU, but here the waker goes on computing its next window: both partitions then share
 * one CPU while the other idles, until the load balancer notices. A partition thread pinned to its
 * own CPU is woken there.
 */
final class CpuAffinity {
  private CpuAffinity() {}

  private interface LibC extends Library {
    int sched_setaffinity(int pid, int cpusetsize, long[] mask) throws LastErrorException;
  }

  /** @return null when pinned, else why not (not Linux, no such CPU, not permitted) */
  static String pinCurrentThread(int cpu) {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return "not Linux";
    }
    if (cpu < 0 || cpu >= Runtime.getRuntime().availableProcessors()) return "no CPU " + cpu;
    try {
      long[] mask = new long[cpu / 64 + 1];
      mask[cpu / 64] = 1L << (cpu % 64);
      Native.load("c", LibC.class).sched_setaffinity(0, mask.length * 8, mask);
      return null;
    } catch (LastErrorException e) {
      return "sched_setaffinity: errno " + e.getErrorCode();
    } catch (LinkageError | RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }
}
