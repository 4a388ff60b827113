package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.Packet;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.junit.jupiter.api.Test;

/**
 * A pNIC RX queue's NAPI poll on a bare core: a real {@link CoreEntity} (the scripted host of
 * {@link CoreEntityTest}: hard IRQ 1000 ns, net_rx_action entry 100 ns, each with its retpolines, weight 64), a real {@link NicQueue}
 * (the receiver of {@link NicQueueTest}: rx-usecs 16 us, rx-frames 44, IRQ latency 1 us) and
 * {@link HostNapis.Nic}, whose path work is scripted at {@link #PER_PACKET} ns per packet. The poll re-reads
 * the ring at the end of what it took (mlx4_en_process_rx_cq's owner-bit check): a packet that arrived
 * meanwhile is taken in the same poll, and the IRQ stays masked until the poll completes.
 */
class NapiPollTest {
  static final long PER_PACKET = 2_000;
  /** The scripted stack work of one skb GRO sends up. */
  static final long PER_SKB = 3_000;
  static final int MSS = 1448;
  static final long IRQ = CoreEntityTest.IRQ;
  static final long ENTRY = CoreEntityTest.ENTRY;
  static final long MODER = NicQueueTest.MODER;
  static final long LAT = NicQueueTest.LAT;

  /** One read of the ring: when (the core's step start), packets taken. */
  record Take(long at, int packets) {}

  /** What GRO sent up the stack: when (the core's step start), the segments of each skb. */
  record Up(long at, List<Integer> segs) {}

  /** The ring's free descriptors when the poll flushes GRO, right after the driver's repost: when, how many. */
  record Free(long at, int descriptors) {}

  /**
   * The queue's NAPI with the path work scripted: takes the packets arrived by now, up to the quota, into its
   * real GRO list; the skbs GRO sends up cost {@code perSkbNanos} each.
   */
  static final class ScriptedNic extends HostNapis.Nic {
    final HostKernel h;
    final List<Take> takes = new ArrayList<>();
    final List<Up> ups = new ArrayList<>();
    final List<Free> frees = new ArrayList<>();
    long perSkbNanos;

    ScriptedNic(HostKernel h) {
      super(h, 0);
      this.h = h;
    }

    @Override
    long take(CoreEntity c, int quota, long offsetNanos) {
      NicQueue r = h.rxQueues[0];
      int k = Math.min(quota, r.ready(c.nowNs()));
      List<Packet> up = new ArrayList<>();
      for (int i = 0; i < k; i++) gro.receive(r.poll(), 0, up);
      work = k;
      takes.add(new Take(c.nowNs(), k));
      return k * PER_PACKET + sentUp(c, up);
    }

    @Override
    long flush(CoreEntity c, long keepJiffy) {
      frees.add(new Free(c.nowNs(), h.rxQueues[0].free()));
      List<Packet> up = new ArrayList<>();
      gro.flush(keepJiffy, up);
      return sentUp(c, up);
    }

    private long sentUp(CoreEntity c, List<Packet> up) {
      if (up.isEmpty()) return 0;
      ups.add(new Up(c.nowNs(), up.stream().map(Packet::segs).toList()));
      return up.size() * perSkbNanos;
    }
  }

  /** Puts one packet on the wire to the queue at each of the given times. */
  static final class Arrivals extends Entity<NicQueue.Msg> {
    final EntityRef<NicQueue.Msg> queue;
    final boolean tcp;
    final long[] times;

    Arrivals(EntityRef<NicQueue.Msg> queue, boolean tcp, long[] times) {
      this.queue = queue;
      this.tcp = tcp;
      this.times = times;
    }

    @Override
    protected void onStart() {
      for (int i = 0; i < times.length; i++) {
        long t = times[i];
        Packet p = tcp // one flow's data segments in sequence, or datagrams
            ? new Packet(0, (byte) 0, false, (long) i * MSS, MSS, 1, 0, 0, 0, 0, 0, (short) 0, (short) 1, 0, (byte) 0, 1, t, false)
            : new Packet(0, (byte) 0, true, t, 100, 1, 0, 0, 0, 0, 0, (short) 0, (short) 1, 0, (byte) 0, 1, t, false);
        send(queue, t, new SwitchEntity.WireTrain(new Packet[] {p}, 10_000_000_000L, 66));
      }
    }

    @Override
    protected void onMessage(NicQueue.Msg msg) {}
  }

  /**
   * What a run gave: the ring reads, the interrupts the core took, the net_rx_action invocations, the batches the
   * core counted for PRISM's wait ({@link SteeringStats#loBatches}).
   */
  record Run(List<Take> takes, List<Up> ups, int irqs, int invocations, long napiPollNanos, long batches,
      List<Free> frees, long ringDrops) {}

  static Run run(long endNanos, long... arrivals) {
    return run(false, endNanos, arrivals);
  }

  static Run run(boolean tcp, long endNanos, long... arrivals) {
    return run("", tcp, endNanos, arrivals);
  }

  @SuppressWarnings("unchecked")
  static Run run(String nicOverrides, boolean tcp, long endNanos, long... arrivals) {
    HostKernel h = NicQueueTest.receiver(nicOverrides);
    CoreEntityTest.ScriptedHost host = new CoreEntityTest.ScriptedHost(0);
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<CoreEntity.Msg> core = b.add("h2/cpu0", "h2", () -> new CoreEntity(host, 0));
    h.coreAddr = new long[h.cpus];
    java.util.Arrays.fill(h.coreAddr, core.address());
    EntityRef<NicQueue.Msg> q = b.add("h2/nic/rx0", "h2", () -> new NicQueue(h, 0));
    h.rxQueueAddr = new long[] {q.address()};
    ScriptedNic nic = new ScriptedNic(h);
    nic.perSkbNanos = tcp ? PER_SKB : 0;
    host.rxNapis = new NetRxAction.Napi[] {nic};
    b.add("wire", "h2", () -> new Arrivals(q, tcp, arrivals));
    Simulation.run(b, endNanos, 1);
    return new Run(nic.takes, nic.ups, host.irqs, host.invocations, h.p.napiPoll, h.stats.loBatches[0], nic.frees,
        h.rxQueues[0].dropped);
  }

  @Test
  void aPacketArrivingDuringThePollIsTakenInTheSamePollAndRaisesNoInterrupt() {
    // packet 0 at 0: the moderation timer fires at 16 us, the IRQ reaches the core at 17 us; its handler
    // runs to 18.08 us, then net_rx_action (120 ns) polls: napi_poll, then packet 0 (2 us), until e1. Packet 1
    // arrives at 19 us, during that poll: the IRQ is masked, and the ring read at e1 takes it (until e1 +
    // 2 us); the read then finds nothing, and the poll completes. Packet 2 arrives 5 us after that: the
    // re-armed IRQ fires for it, rx-usecs later, and its own poll takes it.
    long t1 = MODER + LAT + IRQ;
    Run r = run(200_000, 0, 19_000, 60_000);
    long e1 = t1 + ENTRY + r.napiPollNanos() + PER_PACKET;
    long e2 = e1 + PER_PACKET;
    long t2 = 60_000 + MODER + LAT + IRQ;
    long e3 = t2 + ENTRY + r.napiPollNanos() + PER_PACKET;
    assertEquals(List.of(new Take(t1, 1), new Take(e1, 1), new Take(e2, 0), new Take(t2, 1), new Take(e3, 0)),
        r.takes());
    assertEquals(2, r.irqs());
    assertEquals(2, r.invocations());
  }

  @Test
  void aPollThatReReadsItsRingIsOneBatchForPrism() {
    // the run of the first test: three ring reads took a packet (t1, e1, t2), in two polls. PRISM's high-priority
    // work waits for the end of the napi->poll that runs, and the re-read at e1 is part of the first poll (the
    // same mlx4_en_process_rx_cq loop, on the same weight): two batches, not three
    Run r = run(200_000, 0, 19_000, 60_000);
    assertEquals(3, r.takes().stream().filter(t -> t.packets() > 0).count());
    assertEquals(2, r.batches());
  }

  @Test
  void aPacketArrivingAfterThePollCompletedRaisesAnInterrupt() {
    // packet 1 arrives 1 ns after packet 0's poll completed: the IRQ was re-armed, so it raises its own
    long t1 = MODER + LAT + IRQ;
    long e1 = t1 + ENTRY + NicQueueTest.receiver().p.napiPoll + PER_PACKET;
    Run r = run(200_000, 0, e1 + 1);
    long t2 = e1 + 1 + MODER + LAT + IRQ;
    assertEquals(List.of(new Take(t1, 1), new Take(e1, 0), new Take(t2, 1),
        new Take(t2 + ENTRY + r.napiPollNanos() + PER_PACKET, 0)), r.takes());
    assertEquals(2, r.irqs());
  }

  @Test
  void thePollTakesWhatArrivesMeanwhileOnlyUpToItsWeight() {
    // 100 packets arrive 10 ns apart from 19 us, during the first poll (which took packet 0): its read at e1
    // takes 63 of them (64 in all, the weight), so it is repolled, without napi_complete, in the restarted
    // net_rx_action, which takes the last 37 and then completes; one interrupt in all
    long[] arrivals = new long[101];
    for (int i = 1; i <= 100; i++) arrivals[i] = 19_000 + (i - 1) * 10L;
    Run r = run(1_000_000, arrivals);
    long t1 = MODER + LAT + IRQ;
    long e1 = t1 + ENTRY + r.napiPollNanos() + PER_PACKET;
    long e2 = e1 + 63 * PER_PACKET;
    long e3 = e2 + ENTRY + r.napiPollNanos() + 37 * PER_PACKET;
    assertEquals(List.of(new Take(t1, 1), new Take(e1, 63), new Take(e2, 37), new Take(e3, 0)), r.takes());
    assertEquals(1, r.irqs());
    assertEquals(2, r.invocations());
  }

  @Test
  void aSegmentArrivingDuringThePollJoinsTheAggregateGroHoldsAndGoesUpWithItAtTheFlush() {
    // segment 0 (seq 0) is taken at t1 and held by GRO; segment 1 (seq 1448) arrives at 19 us, during the poll,
    // and the ring read at e1 takes it into the same GRO list, where it joins segment 0's aggregate; the next
    // read (e2) finds nothing, so napi_complete_done flushes one skb of 2 segments, and the poll ends after
    // its stack work (e2 + PER_SKB). One interrupt.
    Run r = run(true, 200_000, 0, 19_000);
    long t1 = MODER + LAT + IRQ;
    long e1 = t1 + ENTRY + r.napiPollNanos() + PER_PACKET;
    long e2 = e1 + PER_PACKET;
    assertEquals(List.of(new Take(t1, 1), new Take(e1, 1), new Take(e2, 0)), r.takes());
    assertEquals(List.of(new Up(e2, List.of(2))), r.ups());
    assertEquals(1, r.irqs());
  }

  @Test
  void theDescriptorsAPollTookAreFreeOnlyWhenItsCqLoopEndsSoAnArrivalDuringThePollFindsTheRingFull() {
    // a ring of 4 descriptors, reposted all at once (mlx4_en_refill_rx_buffers). Packets 0-3 fill it; the poll at
    // t1 takes them (until e1), but their descriptors stay the driver's until its CQ loop ends: packet 4, arriving at
    // 19 us during that work, finds no free descriptor and is dropped (when the poll freed them as it took the
    // packets, it was taken by the read at e1). The read at e1 finds nothing: the loop ends, the driver reposts all
    // 4, and the flush sees 4 free. Packet 5, 1 ns later, is received and raises the re-armed IRQ.
    long t1 = MODER + LAT + IRQ;
    long e1 = t1 + ENTRY + NicQueueTest.receiver().p.napiPoll + 4 * PER_PACKET;
    Run r = run("ring = 4", false, 200_000, 0, 10, 20, 30, 19_000, e1 + 1);
    long t2 = e1 + 1 + MODER + LAT + IRQ;
    long e3 = t2 + ENTRY + r.napiPollNanos() + PER_PACKET;
    assertEquals(List.of(new Take(t1, 4), new Take(e1, 0), new Take(t2, 1), new Take(e3, 0)), r.takes());
    assertEquals(1, r.ringDrops());
    assertEquals(List.of(new Free(e1, 4), new Free(e3, 4)), r.frees());
  }

  @Test
  void aDriverThatRepostsInBulksOf8LeavesTheRemainderUnpostedUntilALaterPoll() {
    // a ring of 16 reposted in bulks of 8 (mlx5e's legacy RQ, wqe_bulk 8). The first poll takes 10 packets: at its
    // loop's end the driver reposts 8 and keeps 2, so 14 are free. Of the 15 packets that come next, 14 fit and
    // the 15th is dropped; the second poll takes the 14, and its repost finds 16 missing: all free again.
    long t1 = MODER + LAT + IRQ;
    long napiPoll = NicQueueTest.receiver().p.napiPoll;
    long e1 = t1 + ENTRY + napiPoll + 10 * PER_PACKET;
    long[] arrivals = new long[25];
    for (int i = 0; i < 10; i++) arrivals[i] = i * 10L;
    for (int i = 0; i < 15; i++) arrivals[10 + i] = e1 + 1 + i;
    Run r = run("ring = 16, ring-refill-bulk = 8", false, 400_000, arrivals);
    long t2 = e1 + 1 + MODER + LAT + IRQ;
    long e3 = t2 + ENTRY + napiPoll + 14 * PER_PACKET;
    assertEquals(List.of(new Take(t1, 10), new Take(e1, 0), new Take(t2, 14), new Take(e3, 0)), r.takes());
    assertEquals(1, r.ringDrops());
    assertEquals(List.of(new Free(e1, 14), new Free(e3, 16)), r.frees());
  }
}
