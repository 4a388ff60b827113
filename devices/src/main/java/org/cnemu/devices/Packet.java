package org.cnemu.devices;

/**
 * One skb as header fields only (never payload): a wire packet ({@code segs == 1}), a TSO/GSO
 * super-segment or a GRO aggregate ({@code segs > 1}). Immutable plain data, so it may cross
 * partitions and JVMs (Kryo, nodes' WireSerializers).
 *
 * @param flow flow index in the run (dense, stable)
 * @param dir 0 = data direction (flow src -> dst), 1 = reverse (ACKs)
 * @param udp true for UDP, false for TCP
 * @param seq TCP: byte offset of the first payload byte; UDP: datagram number
 * @param len payload bytes over all segments
 * @param segs wire packets this skb stands for
 * @param ack TCP cumulative ACK (reverse direction)
 * @param wnd advertised window, bytes
 * @param sack0 a TCP ACK's first SACK block ({@link SackBlocks}, packed relative to {@code ack}; a D-SACK block
 *     when it lies below {@code ack} or inside the second block; {@link SackBlocks#NONE}: none)
 * @param sack1 the second SACK block ({@link SackBlocks#NONE}: none)
 * @param sack2 the third ({@link SackBlocks#MAX_BLOCKS}: an ACK with timestamps has room for three)
 * @param frag UDP: IP fragment index (0-based); frags: fragments of the datagram (1 = not fragmented)
 * @param hash skb hash (RSS/flow hash of the inner flow; survives decap)
 * @param prio priority tag (0 normal)
 * @param dstHost destination host index (the switch routes on it)
 * @param sentNanos virtual time the transport emitted it (a TCP ACK: its TSecr, the send time of the data it echoes)
 * @param retx true if it re-sends bytes already sent
 * @param journey the recorded path when this packet is sampled (results: journeys), else null
 */
public record Packet(int flow, byte dir, boolean udp, long seq, int len, int segs, long ack, int wnd,
    long sack0, long sack1, long sack2, short frag, short frags, int hash, byte prio, int dstHost, long sentNanos,
    boolean retx, Journey journey) {

  /** An unsampled packet. */
  public Packet(int flow, byte dir, boolean udp, long seq, int len, int segs, long ack, int wnd, long sack0,
      long sack1, long sack2, short frag, short frags, int hash, byte prio, int dstHost, long sentNanos, boolean retx) {
    this(flow, dir, udp, seq, len, segs, ack, wnd, sack0, sack1, sack2, frag, frags, hash, prio, dstHost, sentNanos,
        retx, null);
  }

  /** SACK blocks this ACK carries (0 to {@link SackBlocks#MAX_BLOCKS}; the option fills its slots in order). */
  public int sackBlocks() {
    return sack0 == SackBlocks.NONE ? 0 : sack1 == SackBlocks.NONE ? 1 : sack2 == SackBlocks.NONE ? 2 : 3;
  }

  /** Packed SACK block {@code i} ({@link SackBlocks}). */
  public long sack(int i) {
    return i == 0 ? sack0 : i == 1 ? sack1 : sack2;
  }

  /** Start of SACK block {@code i}. */
  public long sackStart(int i) {
    return SackBlocks.start(ack, sack(i));
  }

  /** End of SACK block {@code i}. */
  public long sackEnd(int i) {
    return SackBlocks.end(ack, sack(i));
  }

  /** TCP option bytes beside the timestamps: the SACK option (0, or 4 + 8 per block, as Linux pads it). */
  public int sackOptionBytes() {
    return SackBlocks.optionBytes(sackBlocks());
  }

  public boolean isAck() {
    return dir == 1;
  }

  public boolean fragmented() {
    return frags > 1;
  }

  /**
   * A UDP datagram larger than the MTU built as one skb for a device with UDP fragmentation offload
   * (ip_ufo_append_data, gso_type SKB_GSO_UDP): {@code frags} IP fragments' worth ({@code segs == frags}) that
   * software GSO cuts into them ({@link #ipFragment}) at the first device without UFO.
   */
  public boolean ufo() {
    return udp && segs > 1;
  }

  /**
   * IP fragment {@code i} of this UFO skb, {@code bytes} of its datagram (udp4_ufo_fragment -> skb_segment; the
   * fragment carries journey {@code j}).
   */
  public Packet ipFragment(int i, int bytes, Journey j) {
    return new Packet(flow, dir, true, seq, bytes, 1, 0, 0, 0, 0, 0, (short) i, frags, hash, prio, dstHost, sentNanos,
        false, j);
  }

  public long endSeq() {
    return seq + len;
  }

  /** The same packet carrying journey {@code j}. */
  public Packet withJourney(Journey j) {
    return new Packet(flow, dir, udp, seq, len, segs, ack, wnd, sack0, sack1, sack2, frag, frags, hash, prio, dstHost,
        sentNanos, retx, j);
  }

  /** A copy standing for {@code n} segments and {@code bytes} payload starting at {@code s} (without the journey). */
  public Packet slice(long s, int bytes, int n) {
    return new Packet(flow, dir, udp, s, bytes, n, ack, wnd, sack0, sack1, sack2, frag, frags, hash, prio, dstHost,
        sentNanos, retx);
  }
}
