package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A farming driver that is no cluster member (two actor systems of one JVM on loopback, plain TCP): it
 * finds the workers through the seed's directory, its jobs run, the cluster never counts it, and the
 * node abandons its jobs when it stops (the node watches a non-member).
 */
class FarmDriverOutsideClusterTest {
  /** The text every job of these plans shares (a point's experiment, to a real runner). */
  private static final String TEXT = "experiment { name = outside }";

  private ActorSystem<Void> seed;
  private JobFarm farm;
  private final List<String> log = new CopyOnWriteArrayList<>();

  private ClusterNode.HostPort startSeed(FarmWorker.Runner runner) throws Exception {
    int port = TestPorts.free();
    ClusterNode.HostPort at = new ClusterNode.HostPort("127.0.0.1", port);
    seed = ClusterNode.serve(at, at, 1, ClusterSecurity.insecure(), runner, FarmWorker.Slots.exactly(1), log::add);
    Cluster cluster = Cluster.get(seed);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cluster.selfMember().status() != MemberStatus.up() && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(MemberStatus.up(), cluster.selfMember().status());
    return at;
  }

  @AfterEach
  void stop() {
    if (farm != null) farm.close();
    if (seed != null) ClusterNode.stop(seed, 10);
  }

  private List<FarmDriver.Event> until(java.util.function.Predicate<FarmDriver.Event> done) throws Exception {
    List<FarmDriver.Event> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      FarmDriver.Event e = farm.poll(100, TimeUnit.MILLISECONDS);
      if (e == null) continue;
      seen.add(e);
      if (done.test(e)) return seen;
    }
    throw new AssertionError("timed out; events: " + seen);
  }

  @Test
  void aDriverOutsideTheClusterRunsJobsOnItsNodes() throws Exception {
    ClusterNode.HostPort at = startSeed((shared, spec, node, cancelled, progress) -> (shared.text() + ": done " + spec).getBytes(StandardCharsets.UTF_8));
    farm = JobFarm.start(at, new ClusterNode.HostPort("127.0.0.1", 0), ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), false);
    farm.submit(List.of(new FarmDriver.Job(0, 1, TEXT, "a"), new FarmDriver.Job(1, 1, TEXT, "b"), new FarmDriver.Job(2, 1, TEXT, "c")));
    int[] done = {0};
    List<FarmDriver.Event> seen = until(e -> e instanceof FarmDriver.Done && ++done[0] == 3);
    for (FarmDriver.Event e : seen) {
      if (e instanceof FarmDriver.Done d) {
        assertEquals(TEXT + ": done " + "abc".charAt(d.job()), new String(d.result(), StandardCharsets.UTF_8), seen::toString);
      }
    }
    assertTrue(seen.stream().anyMatch(e -> e instanceof FarmDriver.NodeUp u && u.node().equals(seed.address().toString())),
        seen::toString);
    // the driver never joined: the cluster is the seed alone
    List<String> members = new ArrayList<>();
    Cluster.get(seed).state().getMembers().forEach(m -> members.add(m.address().toString()));
    assertEquals(List.of(seed.address().toString()), members);
  }

  @Test
  void theNodeAbandonsTheJobsOfADriverThatStops() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch cancelledSeen = new CountDownLatch(1);
    ClusterNode.HostPort at = startSeed((shared, spec, node, cancelled, progress) -> {
      started.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!cancelled.get() && System.nanoTime() < deadline) Thread.sleep(10);
      if (cancelled.get()) cancelledSeen.countDown();
      return new byte[0];
    });
    farm = JobFarm.start(at, new ClusterNode.HostPort("127.0.0.1", 0), ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), false);
    farm.submit(List.of(new FarmDriver.Job(0, 1, TEXT, "forever")));
    until(e -> e instanceof FarmDriver.Started);
    assertTrue(started.await(30, TimeUnit.SECONDS));
    farm.close(); // the driver says goodbye (the node drops its job), then its actor system stops
    farm = null;
    assertTrue(cancelledSeen.await(20, TimeUnit.SECONDS), "the node kept running the job of a stopped driver: " + log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // the node logs just after it cancels
    while (log.stream().noneMatch(l -> l.startsWith("farm: abandoned jobs [0] of ")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(log.stream().anyMatch(l -> l.startsWith("farm: abandoned jobs [0] of ")), log::toString);
  }

  /**
   * A kept driver system (the daemon's): the second plan runs on the first one's actor system and driver
   * actor; a plan for another seed stops it and starts its own.
   */
  @Test
  void aKeptDriverSystemRunsTheNextPlanAndIsDroppedForAnotherSeed() throws Exception {
    ClusterNode.HostPort at = startSeed((shared, spec, node, cancelled, progress) -> (shared.text() + ": done " + spec).getBytes(StandardCharsets.UTF_8));
    ClusterNode.HostPort any = new ClusterNode.HostPort("127.0.0.1", 0);
    try {
      ActorSystem<Void> first = null;
      Object firstDriver = null;
      for (String plan : List.of("a", "b")) {
        farm = JobFarm.start(at, any, ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), true);
        if (first == null) first = farm.system();
        if (firstDriver == null) firstDriver = farm.driver();
        assertSame(first, farm.system(), "the second plan reuses the first one's actor system");
        assertSame(firstDriver, farm.driver(), "and its driver, which knows the nodes already");
        farm.listed().get(10, TimeUnit.SECONDS); // the seed answered this plan too (its key check)
        farm.submit(List.of(new FarmDriver.Job(0, 1, TEXT, plan)));
        List<FarmDriver.Event> seen = until(e -> e instanceof FarmDriver.Done);
        FarmDriver.Done d = (FarmDriver.Done) seen.get(seen.size() - 1);
        // the second plan's text came from the node's cache: the kept driver sent it with the first plan
        assertEquals(TEXT + ": done " + plan, new String(d.result(), StandardCharsets.UTF_8), seen::toString);
        farm.close(); // goodbye; the system stays
        farm = null;
        assertFalse(first.getWhenTerminated().toCompletableFuture().isDone(), "kept after the plan");
      }
      ClusterNode.HostPort elsewhere = new ClusterNode.HostPort("127.0.0.1", TestPorts.free());
      farm = JobFarm.start(elsewhere, any, ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), true);
      assertNotSame(first, farm.system());
      first.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS); // another seed: stopped
      farm.close();
      farm = null;
    } finally {
      JobFarm.dropKeptSystem();
    }
  }

  /**
   * The kept driver follows the cluster between plans: a node that joins after its first plan takes jobs
   * in the next one, and a node that left before a plan gets none of its jobs (no job goes to it and comes
   * back as lost): its view comes from the directory's updates and the watches, not from asking per plan.
   */
  @Test
  void aKeptDriverFollowsNodesThatJoinAndLeaveBetweenPlans() throws Exception {
    FarmWorker.Runner runner = (shared, spec, node, cancelled, progress) -> {
      Thread.sleep(100);
      return (spec + " on " + node).getBytes(StandardCharsets.UTF_8);
    };
    ClusterNode.HostPort at = startSeed(runner);
    ClusterNode.HostPort any = new ClusterNode.HostPort("127.0.0.1", 0);
    ActorSystem<Void> worker = null;
    try {
      farm = JobFarm.start(at, any, ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), true);
      farm.submit(List.of(new FarmDriver.Job(0, 1, TEXT, "a")));
      until(e -> e instanceof FarmDriver.Done);
      farm.close();
      farm = null;

      ClusterNode.HostPort workerAt = new ClusterNode.HostPort("127.0.0.1", TestPorts.free());
      worker = ClusterNode.serve(workerAt, at, 1, ClusterSecurity.insecure(), runner, FarmWorker.Slots.exactly(1), log::add);
      String workerAddress = worker.address().toString();
      farm = JobFarm.start(at, any, ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), true);
      until(e -> e instanceof FarmDriver.NodeUp u && u.node().equals(workerAddress)); // it joined: the driver is told
      List<FarmDriver.Job> jobs = new ArrayList<>();
      for (int j = 0; j < 6; j++) jobs.add(new FarmDriver.Job(j, 1, TEXT, "b" + j));
      farm.submit(jobs);
      int[] done = {0};
      List<FarmDriver.Event> seen = until(e -> e instanceof FarmDriver.Done && ++done[0] == 6);
      assertTrue(seen.stream().anyMatch(e -> e instanceof FarmDriver.Done d && d.node().equals(workerAddress)),
          "the node that joined between plans ran none of the second plan's jobs: " + seen);
      farm.close();
      farm = null;

      ClusterNode.stop(worker, 20); // leaves the cluster; the directory and the kept driver's watch hear of it
      worker = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (Cluster.get(seed).state().getMembers().iterator().hasNext()
          && java.util.stream.StreamSupport.stream(Cluster.get(seed).state().getMembers().spliterator(), false)
              .anyMatch(m -> m.address().toString().equals(workerAddress))
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(1000); // the receptionist's update reaches the directory, then the driver
      farm = JobFarm.start(at, any, ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), true);
      farm.submit(List.of(new FarmDriver.Job(0, 1, TEXT, "c0"), new FarmDriver.Job(1, 1, TEXT, "c1")));
      int[] done3 = {0};
      List<FarmDriver.Event> third = until(e -> e instanceof FarmDriver.Done && ++done3[0] == 2);
      for (FarmDriver.Event e : third) {
        assertFalse(e instanceof FarmDriver.NodeLost || e instanceof FarmDriver.NodeUp u && u.node().equals(workerAddress)
            || e instanceof FarmDriver.Dispatched x && x.node().equals(workerAddress),
            "the node that left before the plan was still the kept driver's: " + third);
        if (e instanceof FarmDriver.Done d) {
          assertEquals("c" + d.job() + " on " + seed.address(), new String(d.result(), StandardCharsets.UTF_8), third::toString);
        }
      }
      farm.close();
      farm = null;
    } finally {
      if (worker != null) ClusterNode.stop(worker, 10);
      JobFarm.dropKeptSystem();
    }
  }

  /** A kept driver's plan that is cancelled mid-job: the node abandons the job, and the next plan runs on the same driver. */
  @Test
  void aKeptDriverServesThePlanAfterACancelledOne() throws Exception {
    CountDownLatch cancelledSeen = new CountDownLatch(1);
    ClusterNode.HostPort at = startSeed((shared, spec, node, cancelled, progress) -> {
      if (spec.equals("forever")) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cancelled.get() && System.nanoTime() < deadline) Thread.sleep(10);
        if (cancelled.get()) cancelledSeen.countDown();
      }
      return ("done " + spec).getBytes(StandardCharsets.UTF_8);
    });
    ClusterNode.HostPort any = new ClusterNode.HostPort("127.0.0.1", 0);
    try {
      farm = JobFarm.start(at, any, ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), true);
      Object driver = farm.driver();
      farm.submit(List.of(new FarmDriver.Job(0, 1, TEXT, "forever"), new FarmDriver.Job(1, 1, TEXT, "queued")));
      until(e -> e instanceof FarmDriver.Started);
      farm.cancel();
      int[] done = {0};
      List<FarmDriver.Event> first = until(e -> e instanceof FarmDriver.Done && ++done[0] == 2);
      assertTrue(first.stream().allMatch(e -> !(e instanceof FarmDriver.Done d) || d.result() == null), first::toString);
      farm.close();
      farm = null;
      assertTrue(cancelledSeen.await(20, TimeUnit.SECONDS), "the node kept running the cancelled plan's job: " + log);

      farm = JobFarm.start(at, any, ClusterSecurity.insecure(), 1, Duration.ofSeconds(30), true);
      assertSame(driver, farm.driver());
      farm.submit(List.of(new FarmDriver.Job(0, 1, TEXT, "next")));
      List<FarmDriver.Event> second = until(e -> e instanceof FarmDriver.Done);
      FarmDriver.Done d = (FarmDriver.Done) second.get(second.size() - 1);
      assertEquals("done next", new String(d.result(), StandardCharsets.UTF_8), second::toString);
      farm.close();
      farm = null;
    } finally {
      JobFarm.dropKeptSystem();
    }
  }
}
