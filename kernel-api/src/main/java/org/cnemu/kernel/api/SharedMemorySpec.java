package org.cnemu.kernel.api;

/**
 * A kernel-bypass channel between two containers of one host (FreeFlow): what the host model needs
 * to run it. Returned by {@link SteeringPolicy#sharedMemory}; all numbers come from the policy's
 * settings (each with its source), the copy cost from the hardware profile ({@code copy-per-kib}).
 *
 * <p>Data: a lockless single-producer single-consumer ring of {@code ringSlots} slots of
 * {@code slotBytes}; the sender copies into slots ({@code pushNanos} per slot + copy), the receiver
 * polls and copies out ({@code popNanos} per slot + copy); the other side sees an index update after
 * {@code visibilityNanos} (a cache line moving between cores). No syscall, no IRQ, no kernel stage.
 *
 * <p>Control: socket/connect/accept go as requests through the container's request queue to a
 * monitor, which answers on the container's event queue. The monitor runs on a dedicated core
 * ({@code nicOffload = false}: it polls the request queues, {@code visibilityNanos} to notice a
 * request, {@code monitorRequestNanos} to serve it) or on a programmable NIC ({@code nicOffload}:
 * the container writes a descriptor and rings a doorbell ({@code doorbellNanos} of CPU, one per
 * {@code doorbellBatch} requests), the NIC sees it after {@code pcieLatencyNanos}, serves each in
 * {@code nicRequestNanos}, and DMAs the event back after {@code pcieLatencyNanos}).
 */
public record SharedMemorySpec(int ringSlots, int slotBytes, long pushNanos, long popNanos, long visibilityNanos,
    boolean nicOffload, long monitorRequestNanos, long doorbellNanos, int doorbellBatch, long nicRequestNanos,
    long pcieLatencyNanos) {
  public SharedMemorySpec {
    if (ringSlots <= 0 || slotBytes <= 0) throw new IllegalArgumentException("ring-slots and slot-size must be > 0");
    if (doorbellBatch <= 0) throw new IllegalArgumentException("doorbell-batch must be > 0");
  }

  public long ringBytes() {
    return (long) ringSlots * slotBytes;
  }
}
