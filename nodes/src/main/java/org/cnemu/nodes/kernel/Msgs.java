package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.emulator.CarriesPackets;

/** Messages of the kernel model. Those that may cross partitions are records of plain data. */
final class Msgs {
  private Msgs() {}

  /**
   * Wire packets back to back on a link: packet 0's last bit arrives at the message time, packet i
   * {@code bits(i)/rate} later. One message per TSO train, not per MTU packet.
   */
  record WireTrain(Packet[] pkts, long bitsPerSec, int wireOverhead) implements CarriesPackets {
    @Override
    public int packetCount() {
      return pkts.length;
    }
  }

  /** An skb handed to the host's pNIC for transmission on TX queue {@code txq} (XPS: the sending CPU's queue). */
  record Tx(Packet skb, int txq) implements CarriesPackets {
    @Override
    public int packetCount() {
      return skb.segs();
    }
  }

  /** MSI-X interrupt of RX queue {@code queue} reaching its affinity core. */
  record Irq(int queue) {}

  /** Moderation timer of an RX queue (internal to its {@link NicQueue}). */
  record ModTimer(int queue) {}

  /**
   * napi_complete_done of RX queue {@code queue}'s NAPI (core -> its {@link NicQueue}): the IRQ is re-armed,
   * effective from {@code armedAt} (the end of the poll).
   */
  record NapiComplete(int queue, long armedAt) {}

  /** Completion event (MSI-X, vector shared with RX ring {@code queue % rx rings}) of TX queue {@code queue}. */
  record TxIrq(int queue) {}

  /** TX CQ moderation timer (NIC-internal; stale unless {@code gen} matches). */
  record TxModTimer(int queue, long gen) {}

  /** Adaptive RX moderation sample (mlx4_en_auto_moderation from the stats work; internal to a {@link NicQueue}). */
  record AutoModer() {}

  /** End of the core's current step (stale if {@code gen} moved on). */
  record Done(long gen) {}

  /** Bytes (and datagrams) become readable in socket {@code sock}; wakes its thread. */
  record SockData(int sock, long bytes, int datagrams) {}

  /** A thread becomes runnable on this core. */
  record Wake(int sock) {}

  /** A paced app thread's timer (UDP rate pacing). */
  record AppTimer(int sock) {}

  /** Periodic TCP sender timer (RACK/TLP-like loss detection) on the socket's core. */
  record TcpTimer(int sock) {}
}
