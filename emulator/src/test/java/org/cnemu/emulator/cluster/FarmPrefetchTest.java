package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A farm worker, its directory and a driver in one cluster member of one JVM (plain TCP on loopback; every message
 * through the wire serializer): the node's prefetch keeps its slot busy, and a running job's progress
 * reaches the driver, throttled.
 */
class FarmPrefetchTest {
  /** The text every job shares (a point's experiment, to a real runner). */
  private static final String TEXT = "experiment { }";

  private ActorSystem<Void> system;
  private org.apache.pekko.actor.typed.ActorRef<FarmDirectory.Command> directory;
  private final LinkedBlockingQueue<FarmDriver.Event> events = new LinkedBlockingQueue<>();
  private final List<FarmDriver.Event> seen = new ArrayList<>();

  private void start(FarmWorker.Runner runner, int slots) throws Exception {
    int port = TestPorts.free();
    ClusterNode.HostPort self = new ClusterNode.HostPort("127.0.0.1", port);
    system = ActorSystem.create(Behaviors.setup(ctx -> {
      ctx.spawn(FarmWorker.create(runner, FarmWorker.Slots.exactly(slots), null), "farm-worker");
      return Behaviors.empty();
    }), "cnemu", ClusterNode.config(self, self, 1, ClusterSecurity.insecure()));
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cluster.selfMember().status() != MemberStatus.up() && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(MemberStatus.up(), cluster.selfMember().status());
    directory = system.systemActorOf(FarmDirectory.create(), "farm-directory", org.apache.pekko.actor.typed.Props.empty());
  }

  private org.apache.pekko.actor.typed.ActorRef<FarmDriver.Command> driver() {
    return system.systemActorOf(FarmDriver.create(new FarmDriver.Settings(1, Duration.ofSeconds(30), 1 << 20, directory),
        events::add), "farm-driver", org.apache.pekko.actor.typed.Props.empty());
  }

  @AfterEach
  void stop() {
    if (system != null) ClusterNode.stop(system, 10);
  }

  /** Events until {@code done} says stop (or 60 s). */
  private void awaitEvent(java.util.function.Predicate<FarmDriver.Event> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      FarmDriver.Event e = events.poll(100, TimeUnit.MILLISECONDS);
      if (e == null) continue;
      seen.add(e);
      if (done.test(e)) return;
    }
    throw new AssertionError("timed out; events: " + seen);
  }

  private int indexOf(java.util.function.Predicate<FarmDriver.Event> p) {
    for (int i = 0; i < seen.size(); i++) if (p.test(seen.get(i))) return i;
    return -1;
  }

  @Test
  void aNodeHoldsTheNextJobSoAFreedSlotStartsItBeforeTheDriverHearsOfTheLast() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    start((shared, spec, node, cancelled, progress) -> {
      if (spec.equals("0")) release.await(60, TimeUnit.SECONDS);
      return spec.getBytes(StandardCharsets.UTF_8);
    }, 1);
    driver().tell(new FarmDriver.Submit(List.of(new FarmDriver.Job(0, 1, TEXT, "0"), new FarmDriver.Job(1, 1, TEXT, "1"),
        new FarmDriver.Job(2, 1, TEXT, "2"))));
    awaitEvent(e -> e instanceof FarmDriver.Started s && s.job() == 0);
    // one slot, one more job held by the node: job 1 is dispatched while job 0 runs, job 2 is not
    if (indexOf(x -> x instanceof FarmDriver.Dispatched d && d.job() == 1) < 0) {
      awaitEvent(x -> x instanceof FarmDriver.Dispatched d && d.job() == 1);
    }
    Thread.sleep(300);
    FarmDriver.Event e;
    while ((e = events.poll()) != null) seen.add(e);
    assertEquals(-1, indexOf(x -> x instanceof FarmDriver.Dispatched d && d.job() == 2), seen::toString);
    assertEquals(-1, indexOf(x -> x instanceof FarmDriver.Done), seen::toString);
    assertEquals(-1, indexOf(x -> x instanceof FarmDriver.Started s && s.job() == 1), seen::toString);
    release.countDown();
    int[] done = {0};
    awaitEvent(x -> x instanceof FarmDriver.Done && ++done[0] == 3);
    // the node started job 1 as soon as job 0 freed the slot, before job 0's result reached the driver
    int started1 = indexOf(x -> x instanceof FarmDriver.Started s && s.job() == 1);
    int done0 = indexOf(x -> x instanceof FarmDriver.Done d && d.job() == 0);
    assertTrue(started1 >= 0 && started1 < done0, seen::toString);
    for (int j = 0; j < 3; j++) {
      int job = j;
      FarmDriver.Event d = seen.get(indexOf(x -> x instanceof FarmDriver.Done dd && dd.job() == job));
      assertEquals(String.valueOf(j), new String(((FarmDriver.Done) d).result(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aNodeWhoseJobsAreShorterThanTheRoundTripHoldsMoreOfThem() throws Exception {
    // 10 jobs that take no time, then 20 that wait: after the first ten, the driver has measured its round
    // trip to the node as longer than a job and keeps more than one job per slot queued there
    CountDownLatch release = new CountDownLatch(1);
    start((shared, spec, node, cancelled, progress) -> {
      if (Integer.parseInt(spec) >= 10) release.await(60, TimeUnit.SECONDS);
      return spec.getBytes(StandardCharsets.UTF_8);
    }, 1);
    List<FarmDriver.Job> jobs = new ArrayList<>();
    for (int j = 0; j < 30; j++) jobs.add(new FarmDriver.Job(j, 1, TEXT, String.valueOf(j)));
    driver().tell(new FarmDriver.Submit(jobs));
    awaitEvent(e -> e instanceof FarmDriver.Started s && s.job() == 10);
    Thread.sleep(500);
    FarmDriver.Event e;
    while ((e = events.poll()) != null) seen.add(e);
    long dispatched = seen.stream().filter(x -> x instanceof FarmDriver.Dispatched).count();
    // one slot: 10 done + 1 running + a queue of one job (before any measurement) would be 12
    assertTrue(dispatched > 12 && dispatched <= 11 + FarmWorker.PREFETCH_PER_SLOT,
        dispatched + " jobs dispatched: " + seen);
    release.countDown();
    int[] done = {(int) seen.stream().filter(x -> x instanceof FarmDriver.Done).count()};
    awaitEvent(x -> x instanceof FarmDriver.Done && ++done[0] == 30);
    for (int j = 0; j < 30; j++) {
      int job = j;
      assertEquals(1, seen.stream().filter(x -> x instanceof FarmDriver.Done d && d.job() == job).count());
    }
  }

  @Test
  void aPlanOfManyJobsIsQueuedDeeperThanOnePerSlotBeforeTheFirstResult() throws Exception {
    // 20 jobs on one slot, the first held: nothing is measured, yet the node holds the start depth
    // (half the plan per slot, at most its prefetch) instead of one job, so its first short jobs do
    // not each wait for the driver's round trip
    CountDownLatch release = new CountDownLatch(1);
    start((shared, spec, node, cancelled, progress) -> {
      if (spec.equals("0")) release.await(60, TimeUnit.SECONDS);
      return spec.getBytes(StandardCharsets.UTF_8);
    }, 1);
    List<FarmDriver.Job> jobs = new ArrayList<>();
    for (int j = 0; j < 20; j++) jobs.add(new FarmDriver.Job(j, 1, TEXT, String.valueOf(j)));
    driver().tell(new FarmDriver.Submit(jobs));
    awaitEvent(e -> e instanceof FarmDriver.Started s && s.job() == 0);
    Thread.sleep(300);
    FarmDriver.Event e;
    while ((e = events.poll()) != null) seen.add(e);
    long dispatched = seen.stream().filter(x -> x instanceof FarmDriver.Dispatched).count();
    assertEquals(1 + Math.min(FarmWorker.PREFETCH_PER_SLOT, FarmDriver.startDepthPerSlot(20, 1)), dispatched,
        seen::toString);
    assertEquals(-1, indexOf(x -> x instanceof FarmDriver.Done), seen::toString);
    release.countDown();
    int[] done = {0};
    awaitEvent(x -> x instanceof FarmDriver.Done && ++done[0] == 20);
  }

  /**
   * A driver that serves one plan after another (the daemon's kept driver): the second plan's jobs go out
   * under wire ids past the first plan's, so a late result of the first plan's job 0 (same node, same
   * attempt) is not taken for the second plan's job 0; the second plan needs no new hello.
   */
  @Test
  void aKeptDriversNextPlanTakesNoLateResultOfTheLastOne() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    start((shared, spec, node, cancelled, progress) -> {
      if (spec.equals("held")) release.await(60, TimeUnit.SECONDS);
      return spec.getBytes(StandardCharsets.UTF_8);
    }, 1);
    org.apache.pekko.actor.typed.ActorRef<FarmDriver.Command> driver = driver();
    driver.tell(new FarmDriver.Submit(List.of(new FarmDriver.Job(0, 1, TEXT, "first"))));
    awaitEvent(e -> e instanceof FarmDriver.Done);
    java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
    driver.tell(new FarmDriver.EndPlan(ended));
    ended.get(10, TimeUnit.SECONDS);
    LinkedBlockingQueue<FarmDriver.Event> second = new LinkedBlockingQueue<>();
    driver.tell(new FarmDriver.Begin(second::add));
    driver.tell(new FarmDriver.Submit(List.of(new FarmDriver.Job(0, 1, TEXT, "held"))));
    List<FarmDriver.Event> seen2 = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (seen2.stream().noneMatch(e -> e instanceof FarmDriver.Started) && System.nanoTime() < deadline) {
      FarmDriver.Event e = second.poll(100, TimeUnit.MILLISECONDS);
      if (e != null) seen2.add(e);
    }
    // the node it knew is up for the second plan at once (no hello, no listing waited for)
    assertTrue(seen2.get(0) instanceof FarmDriver.NodeUp, seen2::toString);
    // the first plan's job 0 (wire id 0, attempt 0), late, from the node that runs the second plan's job 0
    var worker = org.apache.pekko.actor.typed.javadsl.AskPattern.<org.apache.pekko.actor.typed.receptionist.Receptionist.Command,
        org.apache.pekko.actor.typed.receptionist.Receptionist.Listing>ask(system.receptionist(),
        r -> org.apache.pekko.actor.typed.receptionist.Receptionist.find(FarmWorker.KEY, r), Duration.ofSeconds(10),
        system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS).getServiceInstances(FarmWorker.KEY)
        .iterator().next();
    byte[] stale = FarmWorker.deflate("stale".getBytes(StandardCharsets.UTF_8));
    driver.tell(new FarmDriver.JobResult(0, 0, worker, 0, 1, stale, 0, 0, -1, -1));
    Thread.sleep(300);
    release.countDown();
    while (seen2.stream().noneMatch(e -> e instanceof FarmDriver.Done) && System.nanoTime() < deadline) {
      FarmDriver.Event e = second.poll(100, TimeUnit.MILLISECONDS);
      if (e != null) seen2.add(e);
    }
    Thread.sleep(200);
    second.drainTo(seen2);
    List<FarmDriver.Done> done = seen2.stream().filter(e -> e instanceof FarmDriver.Done).map(e -> (FarmDriver.Done) e)
        .toList();
    assertEquals(1, done.size(), seen2::toString);
    assertEquals(0, done.get(0).job());
    assertEquals("held", new String(done.get(0).result(), StandardCharsets.UTF_8), seen2::toString);
    // nothing of the second plan went to the first one's listener
    Thread.sleep(100);
    assertEquals(null, events.poll(), "the first plan's listener heard of the second plan");
  }

  @Test
  void theQueueCoversTheRoundTripAndNoMore() {
    // nothing measured yet: the start depth per slot (1, or 5)
    assertEquals(2, FarmDriver.queueDepth(2, 16, -1, -1, 1));
    assertEquals(10, FarmDriver.queueDepth(2, 16, -1, -1, 5));
    // jobs much longer than the round trip: one per slot, whatever the start depth was
    assertEquals(2, FarmDriver.queueDepth(2, 16, 2e6, 500e6, 5));
    // 10 ms jobs, round trips up to 30 ms: 3 per slot
    assertEquals(6, FarmDriver.queueDepth(2, 16, 30e6, 10e6, 1));
    // never more than the node takes
    assertEquals(16, FarmDriver.queueDepth(2, 16, 300e6, 1e6, 1));
    assertEquals(16, FarmDriver.queueDepth(2, 16, -1, -1, 100));
    assertEquals(0, FarmDriver.queueDepth(1, 0, 300e6, 1e6, 1));
  }

  @Test
  void theStartDepthDealsOutHalfThePlanOverTheReadySlots() {
    assertEquals(12, FarmDriver.startDepthPerSlot(48, 2)); // 48 short jobs, a seed and a worker of one slot each
    assertEquals(3, FarmDriver.startDepthPerSlot(12, 2)); // 12 long ones: 4 per node out, 4 kept back
    assertEquals(1, FarmDriver.startDepthPerSlot(3, 1)); // a plan of a few jobs: one per slot
    assertEquals(1, FarmDriver.startDepthPerSlot(0, 0));
  }

  @Test
  void theRoundTripsBoundIsRfc6298sMeanAndFourDeviations() {
    FarmDriver.RoundTrip r = new FarmDriver.RoundTrip();
    assertEquals(-1, r.boundNanos());
    r.observe(8_000_000); // the first: mean 8 ms, deviation 4 ms
    assertEquals(24_000_000, r.boundNanos(), 1e-6);
    r.observe(16_000_000); // deviation 3/4 x 4 + 1/4 x 8 = 5 ms, mean 7/8 x 8 + 1/8 x 16 = 9 ms
    assertEquals(29_000_000, r.boundNanos(), 1e-6);
  }

  @Test
  void aJitteryRoundTripKeepsMoreJobsQueuedThanASteadyOneOfTheSameMean() {
    FarmDriver.RoundTrip steady = new FarmDriver.RoundTrip();
    FarmDriver.RoundTrip jittery = new FarmDriver.RoundTrip();
    for (int i = 0; i < 40; i++) {
      steady.observe(10_000_000);
      jittery.observe(i % 2 == 0 ? 2_000_000 : 18_000_000); // also 10 ms on average
    }
    double run = 4e6;
    int steadyDepth = FarmDriver.queueDepth(1, 8, steady.boundNanos(), run, 1);
    int jitteryDepth = FarmDriver.queueDepth(1, 8, jittery.boundNanos(), run, 1);
    assertEquals(3, steadyDepth, "steady 10 ms round trips, 4 ms jobs");
    assertTrue(jitteryDepth >= 2 * steadyDepth, "jittery: " + jitteryDepth + ", steady: " + steadyDepth);
  }

  @Test
  void aRunningJobsProgressReachesTheDriverThrottled() throws Exception {
    long end = 1_000_000;
    AtomicLong updatesNanos = new AtomicLong();
    start((shared, spec, node, cancelled, progress) -> {
      // 1200 updates over ~1.2 s (longer on a loaded machine: the bound below is from the time they took): the
      // node sends at most one every PROGRESS_MILLIS
      long t0 = System.nanoTime();
      for (int i = 1; i <= 1200; i++) {
        progress.onProgress(i * end / 1200, end);
        Thread.sleep(1);
      }
      updatesNanos.set(System.nanoTime() - t0);
      return new byte[0];
    }, 1);
    driver().tell(new FarmDriver.Submit(List.of(new FarmDriver.Job(7, 1, TEXT, "x"))));
    awaitEvent(e -> e instanceof FarmDriver.Done);
    List<FarmDriver.Progress> progress = seen.stream().filter(e -> e instanceof FarmDriver.Progress)
        .map(e -> (FarmDriver.Progress) e).toList();
    assertFalse(progress.isEmpty(), seen::toString);
    long limit = 1 + updatesNanos.get() / 1_000_000 / FarmWorker.PROGRESS_MILLIS;
    assertTrue(progress.size() <= limit, progress.size() + " progress messages, at most " + limit + " expected");
    FarmDriver.Progress last = progress.get(progress.size() - 1);
    assertEquals(7, last.job());
    assertEquals(end, last.endNanos());
    assertTrue(last.virtualNanos() > 0 && last.virtualNanos() <= end, last::toString);
    assertNotNull(seen.stream().filter(e -> e instanceof FarmDriver.Started).findFirst().orElse(null));
  }
}
