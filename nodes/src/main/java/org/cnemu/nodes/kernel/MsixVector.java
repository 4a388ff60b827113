package org.cnemu.nodes.kernel;

/**
 * One MSI-X vector of the pNIC and its event queue (EQ), shared by RX queue {@code v} and the TX CQs of rings
 * {@code txq % rx queues} (mlx4_en_activate_cq): until when the vector's running handler still polls the EQ
 * (mlx4_eq_int loops until the EQ is empty, then re-arms it), whether an interrupt of the vector is queued
 * behind another handler on its core. Every host has them (a sender's TX completions raise them), RX queue
 * entities only the hosts that receive.
 */
final class MsixVector {
  long eqSeenUntil;
  boolean eqQueued;
}
