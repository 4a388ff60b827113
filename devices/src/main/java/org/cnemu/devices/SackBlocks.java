package org.cnemu.devices;

/**
 * The SACK option of a TCP ACK (RFC 2018; a D-SACK block first, RFC 2883) as a {@link Packet} carries it: at most
 * {@link #MAX_BLOCKS} blocks, each packed into one long relative to the ACK's cumulative acknowledgement, so that a
 * packet holds its blocks in fixed fields and an ACK allocates nothing for them. A block is 32-bit sequence numbers
 * on the wire, so its edges are always within 2^31 bytes of the ACK: the packed form loses nothing.
 *
 * <p>Packed: the start's offset from the ACK (signed: a D-SACK block lies below it) in the high 32 bits, the block's
 * length in bytes (at least 1) in the low 32 bits. {@link #NONE} (0, a zero length) is no block.
 */
public final class SackBlocks {
  private SackBlocks() {}

  /** MAX_TCP_OPTION_SPACE: the option bytes a TCP header may carry (data offset 15 words - 20 B). */
  public static final int OPTION_SPACE_BYTES = 40;
  /**
   * TCPOLEN_TSTAMP_ALIGNED: NOP, NOP, the 10 B timestamp option. The model's TCP always runs with timestamps
   * (net.ipv4.tcp_timestamps = 1, Linux's default; the MSS is MTU - 52), so every ACK carries them.
   */
  public static final int TIMESTAMP_OPTION_BYTES = 12;
  /** TCPOLEN_SACK_BASE_ALIGNED: NOP, NOP, kind 5, length (TCPOLEN_SACK_BASE = 2, padded to 4). */
  public static final int SACK_BASE_BYTES = 4;
  /** TCPOLEN_SACK_PERBLOCK: left and right edge, 4 B each. */
  public static final int SACK_PER_BLOCK_BYTES = 8;
  /**
   * Blocks per ACK: tcp_established_options fits min(blocks, (space left - 4) / 8), with the timestamps
   * (40 - 12 - 4) / 8 = 3 (4 without them). {@link Packet} has one field per block.
   */
  public static final int MAX_BLOCKS = (OPTION_SPACE_BYTES - TIMESTAMP_OPTION_BYTES - SACK_BASE_BYTES)
      / SACK_PER_BLOCK_BYTES;
  /** No block. */
  public static final long NONE = 0;

  /** Block [{@code start}, {@code end}) of an ACK of {@code ack}, packed ({@link #NONE} when empty). */
  public static long pack(long ack, long start, long end) {
    if (end <= start) return NONE;
    long offset = start - ack;
    long length = end - start;
    if (offset != (int) offset || length > 0xffff_ffffL) {
      throw new IllegalArgumentException("SACK block [" + start + ", " + end + ") is not within 2^31 of ACK " + ack);
    }
    return offset << 32 | length;
  }

  /** Start of packed block {@code b} of an ACK of {@code ack}. */
  public static long start(long ack, long b) {
    return ack + (b >> 32);
  }

  /** End of packed block {@code b} of an ACK of {@code ack}. */
  public static long end(long ack, long b) {
    return ack + (b >> 32) + (b & 0xffff_ffffL);
  }

  /** The option's bytes on the wire for {@code blocks} blocks: 0, or 4 + 8 per block (12, 20, 28). */
  public static int optionBytes(int blocks) {
    return blocks == 0 ? 0 : SACK_BASE_BYTES + blocks * SACK_PER_BLOCK_BYTES;
  }
}
