package org.cnemu.emulator;

/**
 * A run stopped early on request ({@link Cancellation}: the daemon's client went away, Ctrl-C); it
 * has no complete result, and its caller writes the results file marked incomplete.
 */
public final class RunInterrupted extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private RunInterrupted(String message) {
    super(message);
  }

  /** Stopped once every event before {@code virtualNanos} had run. */
  static RunInterrupted at(long virtualNanos) {
    return new RunInterrupted("interrupted at virtual time " + virtualNanos + " ns");
  }

  /** Stopped while the partitions ran, the last progress report having said {@code virtualNanos}. */
  static RunInterrupted after(long virtualNanos) {
    return new RunInterrupted("interrupted after virtual time " + virtualNanos + " ns");
  }

  /** Stopped while waiting for the partitions' result. */
  static RunInterrupted waiting() {
    return new RunInterrupted("interrupted while the partitions ran");
  }
}
