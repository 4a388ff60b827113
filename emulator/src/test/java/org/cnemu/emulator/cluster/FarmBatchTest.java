package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several jobs per message and several results per message: the driver hands a node every job it gives it
 * at once in one {@link FarmWorker.RunJobs}, a node sends up to the driver's {@code resultsPerMessage} of
 * its results in one {@link FarmDriver.Results}, and neither loses a job: a node that abandons a driver's
 * jobs returns those whose results it held, and a node lost after returning part of its jobs has the rest
 * run elsewhere, each job exactly once. Every message crosses the wire serializer (serialize-messages in tests).
 */
class FarmBatchTest {
  private ActorSystem<Void> system;

  @AfterEach
  void stop() {
    if (system != null) ClusterNode.stop(system, 10);
  }

  @Test
  void theBatchIsTheRunsThatFitInTheHoldTimeAsLongAsTheQueuesCoverIt() {
    // nothing measured yet: one result per message
    assertEquals(1, FarmDriver.resultsPerMessage(-1, -1, 40, 2, 8));
    assertEquals(1, FarmDriver.resultsPerMessage(2e6, -1, 40, 2, 8));
    // 20 ms jobs, round trips up to 10 ms (one job covers it): 100 ms / 20 ms = 5 runs
    assertEquals(5, FarmDriver.resultsPerMessage(20e6, 10e6, 40, 2, 8));
    // 2.4 ms jobs, round trips up to 10 ms: 5 jobs cover the round trip, so 8 - 5 + 1 = 4 more may be held
    assertEquals(4, FarmDriver.resultsPerMessage(2.4e6, 10e6, 40, 2, 8));
    // near the plan's end: 12 jobs left for 2 slots allow 3, 3 jobs left allow one
    assertEquals(3, FarmDriver.resultsPerMessage(2.4e6, 1e6, 12, 2, 8));
    assertEquals(1, FarmDriver.resultsPerMessage(2.4e6, 1e6, 3, 2, 8));
    // jobs of 100 ms or more go back one per message
    assertEquals(1, FarmDriver.resultsPerMessage(100e6, 1e6, 40, 2, 8));
    assertEquals(1, FarmDriver.resultsPerMessage(150e6, 1e6, 40, 2, 8));
    // a round trip longer than the whole prefetch of runs: the queue needs every job it holds
    assertEquals(1, FarmDriver.resultsPerMessage(1e6, 50e6, 40, 2, 8));
  }

  @Test
  void theNodesQueueHoldsTheHeldResultsBesidesTheRoundTrip() {
    // 2.4 ms jobs, round trips up to 10 ms: 5 per slot; holding 4 results back: 3 more per slot
    assertEquals(5, FarmDriver.queueDepth(1, 8, 10e6, 2.4e6, 1, 1));
    assertEquals(8, FarmDriver.queueDepth(1, 8, 10e6, 2.4e6, 1, 4));
    assertEquals(16, FarmDriver.queueDepth(2, 16, 10e6, 2.4e6, 1, 4));
    // never more than the node takes
    assertEquals(8, FarmDriver.queueDepth(1, 8, 10e6, 2.4e6, 1, 6));
  }

  /** A node of one slot on a plain actor system, and what it says to a driver that only records. */
  private record Node(ActorRef<FarmWorker.Command> worker, ActorRef<FarmDriver.Command> driver,
      LinkedBlockingQueue<FarmDriver.Command> toDriver) {}

  private Node node(FarmWorker.Runner runner) throws Exception {
    LinkedBlockingQueue<FarmDriver.Command> toDriver = new LinkedBlockingQueue<>();
    List<ActorRef<?>> refs = new ArrayList<>();
    CountDownLatch spawned = new CountDownLatch(1);
    system = ActorSystem.create(Behaviors.setup(ctx -> {
      refs.add(ctx.spawn(FarmWorker.create(runner, FarmWorker.Slots.exactly(1), null), "farm-worker"));
      refs.add(ctx.spawn(Behaviors.<FarmDriver.Command>receiveMessage(m -> {
        toDriver.add(m);
        return Behaviors.same();
      }), "driver"));
      spawned.countDown();
      return Behaviors.empty();
    }), "cnemu", org.cnemu.emulator.Simulation.actorSystemConfig(1, com.typesafe.config.ConfigFactory.empty()));
    assertTrue(spawned.await(30, TimeUnit.SECONDS));
    @SuppressWarnings("unchecked")
    ActorRef<FarmWorker.Command> worker = (ActorRef<FarmWorker.Command>) refs.get(0);
    @SuppressWarnings("unchecked")
    ActorRef<FarmDriver.Command> driver = (ActorRef<FarmDriver.Command>) refs.get(1);
    return new Node(worker, driver, toDriver);
  }

  private static List<FarmWorker.Assigned> jobs(int count) {
    List<FarmWorker.Assigned> jobs = new ArrayList<>();
    for (int j = 0; j < count; j++) jobs.add(new FarmWorker.Assigned(j, 0, 1, String.valueOf(j)));
    return jobs;
  }

  /** Hello after the jobs: its answer says the node's actor took them all (one mailbox, in order). */
  private static void awaitTaken(Node n) throws InterruptedException {
    n.worker().tell(new FarmWorker.Hello(n.driver()));
    int ready = 0;
    while (ready < 2) { // one when the node first watched this driver, one for the hello
      FarmDriver.Command m = n.toDriver().poll(30, TimeUnit.SECONDS);
      assertTrue(m != null, "the node never answered");
      if (m instanceof FarmDriver.Ready) ready++;
    }
  }

  @Test
  void aNodeSendsTheResultsOfJobsThatFollowEachOtherOnASlotTogether() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    Node n = node((spec, node, cancelled, progress) -> {
      if (spec.equals("0")) go.await(60, TimeUnit.SECONDS);
      return spec.getBytes(StandardCharsets.UTF_8);
    });
    n.worker().tell(new FarmWorker.RunJobs(jobs(5), 2, n.driver()));
    awaitTaken(n);
    go.countDown();
    // one slot runs 0..4 in turn: results two at a time, the last one alone (its thread has no next job)
    List<List<Integer>> messages = new ArrayList<>();
    List<List<Integer>> started = new ArrayList<>();
    int results = 0;
    while (results < 5) {
      FarmDriver.Command m = n.toDriver().poll(30, TimeUnit.SECONDS);
      assertTrue(m != null, "results missing: " + messages);
      if (m instanceof FarmDriver.Results r) {
        messages.add(r.parts().stream().map(FarmDriver.ResultPart::job).toList());
        started.add(r.started().stream().map(FarmDriver.Begun::job).toList());
        results += r.parts().size();
        for (FarmDriver.ResultPart p : r.parts()) {
          assertEquals(String.valueOf(p.job()), new String(FarmDriver.inflate(p.data(), 1 << 20), StandardCharsets.UTF_8));
        }
      }
    }
    assertEquals(List.of(List.of(0, 1), List.of(2, 3), List.of(4)), messages);
    // each message says which jobs its results' threads went on to
    assertEquals(List.of(List.of(1, 2), List.of(3, 4), List.of()), started);
  }

  @Test
  void aNodeThatAbandonsADriversJobsReturnsThoseWhoseResultsItHeld() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch thirdRuns = new CountDownLatch(1);
    Node n = node((spec, node, cancelled, progress) -> {
      if (spec.equals("0")) go.await(60, TimeUnit.SECONDS);
      if (spec.equals("2")) {
        thirdRuns.countDown();
        while (!cancelled.get()) Thread.sleep(5);
      }
      return spec.getBytes(StandardCharsets.UTF_8);
    });
    n.worker().tell(new FarmWorker.RunJobs(jobs(4), 4, n.driver()));
    awaitTaken(n);
    go.countDown();
    assertTrue(thirdRuns.await(30, TimeUnit.SECONDS));
    // jobs 0 and 1 are done, their results held for job 2's; job 2 runs, job 3 waits
    n.worker().tell(new FarmWorker.Abandon(n.driver()));
    int[] abandoned = null;
    List<FarmDriver.Command> seen = new ArrayList<>();
    while (abandoned == null) {
      FarmDriver.Command m = n.toDriver().poll(30, TimeUnit.SECONDS);
      assertTrue(m != null, "no Abandoned: " + seen);
      seen.add(m);
      if (m instanceof FarmDriver.Abandoned a) abandoned = a.jobs();
    }
    assertEquals(List.of(0, 1, 2, 3), java.util.Arrays.stream(abandoned).boxed().toList(), seen::toString);
    Thread.sleep(300); // anything job 2's thread would still send
    FarmDriver.Command m;
    while ((m = n.toDriver().poll()) != null) seen.add(m);
    assertEquals(0, seen.stream().filter(x -> x instanceof FarmDriver.Results).count(), seen::toString);
  }

  @Test
  void aNodeLostAfterReturningPartOfItsJobsHasTheRestRunElsewhereEachOnce() throws Exception {
    int port = TestPorts.free();
    ClusterNode.HostPort self = new ClusterNode.HostPort("127.0.0.1", port);
    LinkedBlockingQueue<FarmWorker.RunJobs> toFake = new LinkedBlockingQueue<>();
    // a node that takes its jobs, returns the first three in one message and stops (its jobs measured as
    // 10 s long: the driver keeps one queued per slot there and sends it no more before it is lost)
    system = ActorSystem.create(Behaviors.setup(ctx -> {
      ctx.spawn(Behaviors.<FarmWorker.Command>setup(c -> {
        c.getSystem().receptionist().tell(Receptionist.register(FarmWorker.KEY, c.getSelf()));
        return Behaviors.receive(FarmWorker.Command.class)
            .onMessage(FarmWorker.Hello.class, h -> {
              h.replyTo().tell(new FarmDriver.Ready(c.getSelf(), "pekko://fake@127.0.0.1:1", CnemuVersion.current(), 1,
                  FarmWorker.PREFETCH_PER_SLOT));
              return Behaviors.same();
            })
            .onMessage(FarmWorker.RunJobs.class, r -> {
              toFake.add(r);
              List<FarmDriver.ResultPart> parts = new ArrayList<>();
              for (FarmWorker.Assigned a : r.jobs().subList(0, 3)) {
                parts.add(new FarmDriver.ResultPart(a.job(), a.attempt(), 0, 1,
                    FarmWorker.deflate(a.spec().getBytes(StandardCharsets.UTF_8)), 0, 10_000_000_000L));
              }
              r.replyTo().tell(new FarmDriver.Results(c.getSelf(), List.copyOf(parts), List.of()));
              return Behaviors.stopped();
            })
            .onAnyMessage(x -> Behaviors.same())
            .build();
      }), "fake-worker");
      return Behaviors.empty();
    }), "cnemu", ClusterNode.config(self, self, 1, ClusterSecurity.insecure()));
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cluster.selfMember().status() != MemberStatus.up() && System.nanoTime() < deadline) Thread.sleep(20);
    ActorRef<FarmDirectory.Command> directory = system.systemActorOf(FarmDirectory.create(), "farm-directory",
        Props.empty());
    LinkedBlockingQueue<FarmDriver.Event> events = new LinkedBlockingQueue<>();
    ActorRef<FarmDriver.Command> driver = system.systemActorOf(FarmDriver.create(
        new FarmDriver.Settings(1, Duration.ofSeconds(60), 1 << 20, directory), events::add), "farm-driver", Props.empty());
    List<FarmDriver.Job> plan = new ArrayList<>();
    for (int j = 0; j < 20; j++) plan.add(new FarmDriver.Job(j, 1, String.valueOf(j)));
    driver.tell(new FarmDriver.Submit(plan));

    List<FarmDriver.Event> seen = new ArrayList<>();
    FarmDriver.NodeLost lost = null;
    while (lost == null) {
      FarmDriver.Event e = events.poll(60, TimeUnit.SECONDS);
      assertTrue(e != null, "the fake node was never lost: " + seen);
      seen.add(e);
      if (e instanceof FarmDriver.NodeLost l) lost = l;
    }
    // every job the node got at first went in one message: a slot and the start depth (half the plan, at most the prefetch)
    FarmWorker.RunJobs first = toFake.poll();
    assertTrue(first != null && toFake.isEmpty(), "one message of jobs: " + first + ", then " + toFake);
    int dealt = 1 + Math.min(FarmWorker.PREFETCH_PER_SLOT, FarmDriver.startDepthPerSlot(20, 1));
    assertEquals(jobs(dealt).stream().map(FarmWorker.Assigned::job).toList(),
        first.jobs().stream().map(FarmWorker.Assigned::job).toList());
    // the part it did not return goes back on the queue
    List<Integer> rest = new ArrayList<>();
    for (int j = 3; j < dealt; j++) rest.add(j);
    assertEquals(rest, lost.requeued());

    // a node that joins now runs the rest and the jobs never dealt out
    system.systemActorOf(FarmWorker.create((spec, node, cancelled, progress) -> spec.getBytes(StandardCharsets.UTF_8),
        FarmWorker.Slots.exactly(1), null), "farm-worker", Props.empty());
    int done = (int) seen.stream().filter(e -> e instanceof FarmDriver.Done).count();
    while (done < 20) {
      FarmDriver.Event e = events.poll(60, TimeUnit.SECONDS);
      assertTrue(e != null, "jobs missing: " + seen);
      seen.add(e);
      if (e instanceof FarmDriver.Done) done++;
    }
    Thread.sleep(300); // a second result of any job would come now
    FarmDriver.Event e;
    while ((e = events.poll()) != null) seen.add(e);
    for (int j = 0; j < 20; j++) {
      int job = j;
      List<FarmDriver.Done> d = seen.stream().filter(x -> x instanceof FarmDriver.Done dd && dd.job() == job)
          .map(x -> (FarmDriver.Done) x).toList();
      assertEquals(1, d.size(), "job " + j + ": " + d);
      assertEquals(String.valueOf(j), new String(d.get(0).result(), StandardCharsets.UTF_8));
      assertEquals(j < 3 ? "pekko://fake@127.0.0.1:1" : system.address().toString(), d.get(0).node(), "job " + j);
    }
  }
}
