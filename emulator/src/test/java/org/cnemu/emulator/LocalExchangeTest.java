package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.cnemu.emulator.phold.Phold;
import org.cnemu.emulator.phold.PholdParams;
import org.cnemu.emulator.phold.SequentialPhold;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one-JVM exchange: partitions in one group per thread, their windows handed over in memory
 * (one frame per pair of groups per window), with the answer of the sequential loop. A lost wake-up
 * hangs a run: every test has a time limit.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LocalExchangeTest {
  private static final PholdParams PHOLD = new PholdParams(64, 8, 100, 1_000, 0.7, 0);
  private static final long END_NANOS = 200_000;

  private static SimulationResult run(int partitions, LocalExchange x) {
    SimulationBuilder b = new SimulationBuilder(7, 0, partitions, SimulationBuilder.Placement.BLOCK);
    Phold.build(PHOLD, b);
    return Simulation.runActors(b, END_NANOS, x, null, Simulation.actorSystemConfig(2, ConfigFactory.empty()));
  }

  @Test
  void coLocatedPartitionsHandTheirWindowsOverInMemoryOneFramePerPairOfThreadsAndWindow() {
    Phold.Outcome ref = SequentialPhold.run(PHOLD, 7, 0, END_NANOS);
    SimulationResult first = null;
    for (int threads : new int[] {1, 2, 3, 4}) {
      for (long spin : new long[] {0, 200_000}) { // parking at once, and polling first
        LocalExchange x = new LocalExchange(4, threads, spin);
        SimulationResult r = run(4, x);
        assertEquals(ref, Phold.outcome(r, PHOLD.lps()), threads + " threads");
        if (first == null) first = r;
        assertEquals(first.windows(), r.windows());
        assertEquals(first.batches(), r.batches());
        assertEquals(first.pendingEvents(), r.pendingEvents());
        assertEquals(threads, r.partitionThreads(), "one group, hence one thread, per thread of the run");
        // each group reads, from every other group, the frame of window 0 (onStart) and of each window
        assertEquals((r.windows() + 1) * threads * (threads - 1), x.framesHandedOver(), threads + " threads");
      }
    }
    assertTrue(first.windows() > 100 && first.batches() > 0);
  }

  @Test
  void partitionsAreDealtOutInContiguousBlocks() {
    LocalExchange x = new LocalExchange(9, 2, 0);
    assertEquals(2, x.groups());
    assertArrayEquals(new int[] {0, 1, 2, 3}, x.members(0));
    assertArrayEquals(new int[] {4, 5, 6, 7, 8}, x.members(1));
    assertEquals(3, new LocalExchange(3, 8, 0).groups(), "never more threads than partitions");
    assertEquals(List.of("thread 0", "thread 1", "thread 1"), new LocalExchange(3, 2, 0).endpoints());
  }

  @Test
  void aParkedReaderIsWokenByEveryFrameInOrder() throws Exception {
    // spin 0: every wait parks, so a lost wake-up would hang the ping-pong
    LocalExchange x = new LocalExchange(2, 2, 0);
    PartitionGroup.PeerTransport a = x.transport(0);
    PartitionGroup.PeerTransport b = x.transport(1);
    a.open(x.endpoints(), null);
    b.open(x.endpoints(), null);
    int rounds = 20_000;
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < rounds; i++) {
          Partition.Command m = b.receive(0);
          b.sendToAll(m);
          b.flush();
        }
      });
      for (int i = 0; i < rounds; i++) {
        Partition.Sync s = new Partition.Sync(i, 0, i, new int[2], new long[2], 0, 0);
        a.sendToAll(s);
        a.flush();
        assertEquals(s, a.receive(1));
      }
      echo.get();
    });
  }

  @Test
  void stoppingFreesAWaitingReaderButFramesWrittenBeforeAreStillRead() throws Exception {
    LocalExchange x = new LocalExchange(2, 2, 1_000_000);
    PartitionGroup.PeerTransport a = x.transport(0);
    PartitionGroup.PeerTransport b = x.transport(1);
    Partition.Sync s = new Partition.Sync(1, 1, 5, new int[2], new long[2], 0, 0);
    b.sendToAll(s);
    b.flush();
    x.stop();
    assertTrue(a.stopped());
    assertEquals(s, a.receive(1));
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertNull(a.receive(1)));
    LocalExchange y = new LocalExchange(2, 2, 0);
    CompletableFuture<Partition.Command> waiting = CompletableFuture.supplyAsync(() -> y.transport(0).receive(1));
    Thread.sleep(50);
    y.stop();
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertNull(waiting.get()));
  }

  @Test
  void aFailingPartitionEndsTheRunWhileItsPeerThreadWaits() {
    // declared lookahead 1000 ns, real least delay 10 ns: a causality violation in some partition
    PholdParams broken = new PholdParams(32, 8, 1_000, 200, 1.0, 10);
    for (long spin : new long[] {0, 200_000}) {
      SimulationBuilder b = new SimulationBuilder(3, 0, 4, SimulationBuilder.Placement.BLOCK);
      Phold.build(broken, b);
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(CausalityViolation.class,
          () -> Simulation.runActors(b, 1_000_000, new LocalExchange(4, 2, spin), null,
              Simulation.actorSystemConfig(2, ConfigFactory.empty()))));
    }
  }

  /** A peer that sends its frame after {@code millis} ms on its own thread, which opened its side first. */
  private static CompletableFuture<Void> peerSendingAfter(PartitionGroup.PeerTransport b, Partition.Command m,
      CompletableFuture<Void> go) {
    return CompletableFuture.runAsync(() -> {
      b.open(List.of("thread 0", "thread 1"), null);
      go.join();
      b.sendToAll(m);
      b.flush();
    });
  }

  @Test
  void aWaitPollsWhileThePeerIsOnItsCpuInsteadOfParking() throws Exception {
    // a 10 s budget and a peer whose CPU clock always moves (it works): its 30 ms are served by polling
    LocalExchange x = new LocalExchange(2, 2, 10_000_000_000L, 2, id -> System.nanoTime());
    PartitionGroup.PeerTransport a = x.transport(0);
    Partition.Sync s = new Partition.Sync(0, 1, 5, new int[2], new long[2], 0, 0);
    CompletableFuture<Void> go = new CompletableFuture<>();
    CompletableFuture<Void> peer = peerSendingAfter(x.transport(1), s, go);
    CompletableFuture.delayedExecutor(30, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> go.complete(null));
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertEquals(s, a.receive(1)));
    peer.get();
    assertEquals(0, x.parkedWaits(), x.summary());
  }

  @Test
  void aWaitParksWhenThePeerIsOffItsCpu() throws Exception {
    // a 10 s budget, the JVM's real thread clocks, and a peer that sleeps (off its CPU, as when it is
    // preempted) until the wait parked: polling would hold the CPU it needs for the whole budget
    LocalExchange x = new LocalExchange(2, 2, 10_000_000_000L, 2, LocalExchange::threadCpuNanos);
    PartitionGroup.PeerTransport a = x.transport(0);
    Partition.Sync s = new Partition.Sync(0, 1, 5, new int[2], new long[2], 0, 0);
    CompletableFuture<Void> go = new CompletableFuture<>();
    CompletableFuture<Void> peer = peerSendingAfter(x.transport(1), s, go);
    Thread.sleep(100); // the peer opened its side and sleeps
    CompletableFuture<Partition.Command> got = CompletableFuture.supplyAsync(() -> a.receive(1));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (x.parkedWaits() < 1 && System.nanoTime() < deadline) Thread.sleep(5);
    go.complete(null);
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertEquals(s, got.get()));
    peer.get();
    assertTrue(x.summary().contains("1 of them parked (0 because the peer waited for a third thread, 1 because it was"
        + " off its CPU"), x.summary());
  }

  @Test
  void aWaitParksAtOnceWhenThePeerWaitsForAThirdThread() throws Exception {
    // 3 groups on 3 CPUs, a 10 s budget: group 1 waits for group 2, so group 0's wait for group 1
    // parks at once (polling could last as long as group 2 takes)
    LocalExchange x = new LocalExchange(3, 3, 10_000_000_000L, 3, id -> System.nanoTime());
    PartitionGroup.PeerTransport a = x.transport(0);
    PartitionGroup.PeerTransport b = x.transport(1);
    PartitionGroup.PeerTransport c = x.transport(2);
    Partition.Sync fromB = new Partition.Sync(0, 1, 5, new int[3], new long[3], 0, 0);
    Partition.Sync fromC = new Partition.Sync(0, 2, 5, new int[3], new long[3], 0, 0);
    CompletableFuture<Void> groupB = CompletableFuture.runAsync(() -> {
      assertEquals(fromC, b.receive(2));
      b.sendToAll(fromB);
      b.flush();
    });
    Thread.sleep(100); // group 1 is waiting for group 2 by now
    CompletableFuture<Partition.Command> groupA = CompletableFuture.supplyAsync(() -> a.receive(1));
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (x.parkedWaits() < 1 && System.nanoTime() < deadline) Thread.sleep(5);
    assertTrue(x.summary().contains("(1 because the peer waited for a third thread"), x.summary());
    c.sendToAll(fromC);
    c.flush();
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertEquals(fromB, groupA.get()));
    groupB.get();
  }
}
