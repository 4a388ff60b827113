package org.cnemu.kernel.api;

/**
 * A kernel-bypass channel between two containers of one host (FreeFlow): what the host model needs
 * to run it. Returned by {@link SteeringPolicy#sharedMemory}; the ring's shape and the monitor's
 * numbers come from the policy's settings (each with its source), the hardware costs from the host's
 * profile: the copy ({@code memcpy-per-kib}) and one cache-line transfer between two cores of a socket
 * ({@code cache-line-transfer}).
 *
 * <p>Data: a lockless single-producer single-consumer ring of {@code ringSlots} slots of
 * {@code slotBytes}, polled on both sides; per message the sender copies into slots and publishes its
 * tail index ({@code pushLines} cache-line transfers), the receiver reads the tail, copies out and
 * publishes its head index ({@code popLines} transfers); the other side sees an index update one
 * cache-line transfer later. No syscall, no IRQ, no kernel stage.
 *
 * <p>Control: socket/connect/accept go as requests through the container's request queue to a
 * monitor, which answers on the container's event queue. The monitor runs on a dedicated core
 * ({@code nicOffload = false}: it polls the request queues, one cache-line transfer to notice a
 * request, {@code monitorRequestNanos} to serve it) or on a programmable NIC ({@code nicOffload}:
 * the container writes a descriptor and rings a doorbell ({@code doorbellNanos} of CPU, one per
 * {@code doorbellBatch} requests), the NIC sees it after {@code pcieLatencyNanos}, serves each in
 * {@code nicRequestNanos}, and DMAs the event back after {@code pcieLatencyNanos}).
 */
public record SharedMemorySpec(int ringSlots, int slotBytes, int pushLines, int popLines,
    boolean nicOffload, long monitorRequestNanos, long doorbellNanos, int doorbellBatch, long nicRequestNanos,
    long pcieLatencyNanos) {
  public SharedMemorySpec {
    if (ringSlots <= 0 || slotBytes <= 0) throw new IllegalArgumentException("ring-slots and slot-size must be > 0");
    if (doorbellBatch <= 0) throw new IllegalArgumentException("doorbell-batch must be > 0");
    if (pushLines < 0 || popLines < 0) throw new IllegalArgumentException("line transfers must be >= 0");
  }

  public long ringBytes() {
    return (long) ringSlots * slotBytes;
  }
}
