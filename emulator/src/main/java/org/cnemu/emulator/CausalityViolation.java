package org.cnemu.emulator;

/** A message was stamped earlier than its receiver's clock: the run is wrong and must stop. */
public final class CausalityViolation extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CausalityViolation(String message) {
    super(message);
  }

  static CausalityViolation of(String sender, String receiver, long stampNanos, long receiverClockNanos,
      long lookaheadNanos, String channel) {
    return new CausalityViolation(String.format(
        "causality violation: %s -> %s on channel '%s' (declared lookahead %d ns): message stamped %d ns"
            + " but receiver clock is already %d ns",
        sender, receiver, channel, lookaheadNanos, stampNanos, receiverClockNanos));
  }
}
