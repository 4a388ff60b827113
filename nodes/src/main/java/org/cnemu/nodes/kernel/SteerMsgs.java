package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.emulator.CarriesPackets;

/** Messages of the steering mechanisms (cross-core hand-offs, the policy's tick). Local to a host. */
final class SteerMsgs {
  private SteerMsgs() {}

  /**
   * The skbs one core handed to another core's gro_cells/backlogs during one step, with one IPI
   * (Linux: enqueue_to_backlog to a remote CPU queues it on the local rps_ipi_list; net_rx_action
   * sends one IPI per remote CPU at its end, net_rps_send_ipi). {@code cell[i]}: the gro_cell
   * rather than the backlog; {@code stage[i]}: where the skb resumes.
   */
  record RemoteBatch(Packet[] skbs, boolean[] cell, int[] stage) implements CarriesPackets {
    @Override
    public int packetCount() {
      int n = 0;
      for (Packet p : skbs) n += p.segs();
      return n;
    }
  }

  /** The steering policy's periodic tick (SteeringPolicy.tickNanos), on the host's core 0. */
  record PolicyTick() {}

  /** mFlow's merge: the gap timer of flow {@code flow}'s reorder buffer (on the core that armed it). */
  record MergeTimer(int flow) {}
}
