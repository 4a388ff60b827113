package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A farm worker's job thread that ends its job sends its result and goes straight on to the next queued
 * job: the node's actor is not on the way from one job to the next, nor on the result's way to the driver.
 * Shown with the actor's only dispatcher thread held by another actor while the first job ends: the second
 * job still starts, and the first one's result, which says so, still goes out.
 */
class FarmJobThreadTest {
  /** The text both jobs share: sent with the first, named by its digest in the second. */
  private static final String TEXT = "experiment { }";
  private static final String DIGEST = FarmWorker.sha256Hex(TEXT);

  private ActorSystem<Void> system;

  @AfterEach
  void stop() {
    if (system != null) ClusterNode.stop(system, 10);
  }

  /** Holds the dispatcher thread it runs on until the latch it is sent opens. */
  private record Hold(CountDownLatch holding, CountDownLatch release) {}

  /** The node, an actor sharing its one dispatcher thread, and what the node says to its driver. */
  private record Setup(ActorRef<Hold> holder, LinkedBlockingQueue<FarmDriver.Command> toDriver) {}

  /** A node with one slot on a one-thread dispatcher shared with a {@link Hold}er; job 0 runs, job 1 waits for the slot. */
  private Setup setup(FarmWorker.Runner runner) throws Exception {
    LinkedBlockingQueue<FarmDriver.Command> toDriver = new LinkedBlockingQueue<>();
    List<ActorRef<?>> refs = new ArrayList<>();
    CountDownLatch spawned = new CountDownLatch(1);
    system = ActorSystem.create(Behaviors.setup(ctx -> {
      DispatcherSelector one = DispatcherSelector.fromConfig("one-thread");
      refs.add(ctx.spawn(FarmWorker.create(runner, FarmWorker.Slots.exactly(1), null), "farm-worker", one));
      refs.add(ctx.spawn(Behaviors.<Hold>receiveMessage(h -> {
        h.holding().countDown();
        h.release().await(60, TimeUnit.SECONDS);
        return Behaviors.same();
      }), "holder", one));
      refs.add(ctx.spawn(Behaviors.<FarmDriver.Command>receiveMessage(m -> {
        toDriver.add(m);
        return Behaviors.same();
      }), "driver"));
      spawned.countDown();
      return Behaviors.empty();
    }), "cnemu", ConfigFactory.parseString("one-thread { type = Dispatcher, executor = thread-pool-executor,"
        + " thread-pool-executor.fixed-pool-size = 1 }"));
    assertTrue(spawned.await(30, TimeUnit.SECONDS));
    @SuppressWarnings("unchecked")
    ActorRef<FarmWorker.Command> worker = (ActorRef<FarmWorker.Command>) refs.get(0);
    @SuppressWarnings("unchecked")
    ActorRef<Hold> holder = (ActorRef<Hold>) refs.get(1);
    @SuppressWarnings("unchecked")
    ActorRef<FarmDriver.Command> driver = (ActorRef<FarmDriver.Command>) refs.get(2);

    worker.tell(new FarmWorker.RunJob(0, 0, 1, DIGEST, TEXT, "0", driver)); // runs; the node keeps the text
    worker.tell(new FarmWorker.RunJob(1, 0, 1, DIGEST, "", "1", driver)); // waits for the one slot
    worker.tell(new FarmWorker.Hello(driver)); // answered after both jobs were taken (one mailbox, in order)
    int ready = 0;
    while (ready < 2) { // one when the node first watched this driver, one for the hello
      FarmDriver.Command m = toDriver.poll(30, TimeUnit.SECONDS);
      assertTrue(m != null, "the node never answered");
      if (m instanceof FarmDriver.Ready) ready++;
    }
    return new Setup(holder, toDriver);
  }

  @Test
  void aJobThreadStartsTheQueuedJobWithoutTheNodesActor() throws Exception {
    CountDownLatch endFirst = new CountDownLatch(1);
    CountDownLatch secondStarted = new CountDownLatch(1);
    Setup s = setup((shared, spec, node, cancelled, progress) -> {
      if (spec.equals("0")) endFirst.await(60, TimeUnit.SECONDS);
      else secondStarted.countDown();
      return spec.getBytes(StandardCharsets.UTF_8);
    });
    ActorRef<Hold> holder = s.holder();
    LinkedBlockingQueue<FarmDriver.Command> toDriver = s.toDriver();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      holder.tell(new Hold(holding, release));
      assertTrue(holding.await(30, TimeUnit.SECONDS));
      endFirst.countDown(); // the node's actor cannot run now
      assertTrue(secondStarted.await(20, TimeUnit.SECONDS), "the queued job waited for the node's actor");
    } finally {
      release.countDown();
      endFirst.countDown();
    }
    List<Integer> results = new ArrayList<>();
    while (results.size() < 2) {
      FarmDriver.Command m = toDriver.poll(30, TimeUnit.SECONDS);
      assertTrue(m != null, "results missing: " + results);
      if (m instanceof FarmDriver.JobResult r) results.add(r.job());
    }
    assertEquals(List.of(0, 1), results);
  }

  @Test
  void aJobThreadSendsTheResultItselfWithTheStartOfTheNextJob() throws Exception {
    CountDownLatch endFirst = new CountDownLatch(1);
    Setup s = setup((shared, spec, node, cancelled, progress) -> {
      if (spec.equals("0")) endFirst.await(60, TimeUnit.SECONDS);
      return spec.getBytes(StandardCharsets.UTF_8);
    });
    List<FarmDriver.Command> seen = new ArrayList<>();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      s.holder().tell(new Hold(holding, release));
      assertTrue(holding.await(30, TimeUnit.SECONDS));
      endFirst.countDown(); // the node's actor cannot run now
      // job 0's result reaches the driver from its job thread, and says that job 1 started
      FarmDriver.JobResult first = null;
      while (first == null) {
        FarmDriver.Command m = s.toDriver().poll(20, TimeUnit.SECONDS);
        assertTrue(m != null, "job 0's result waited for the node's actor: " + seen);
        seen.add(m);
        if (m instanceof FarmDriver.JobResult r) first = r;
      }
      assertEquals(0, first.job());
      assertEquals(1, first.nextJob());
      assertEquals(0, first.nextAttempt());
    } finally {
      release.countDown();
      endFirst.countDown();
    }
    while (seen.stream().noneMatch(m -> m instanceof FarmDriver.JobResult r && r.job() == 1)) {
      FarmDriver.Command m = s.toDriver().poll(30, TimeUnit.SECONDS);
      assertTrue(m != null, "job 1's result missing: " + seen);
      seen.add(m);
    }
    Thread.sleep(200); // anything the node's actor would still say of job 1
    FarmDriver.Command m;
    while ((m = s.toDriver().poll()) != null) seen.add(m);
    // no JobStarted of its own for job 1: the result of job 0 said it
    assertEquals(0, seen.stream().filter(x -> x instanceof FarmDriver.JobStarted st && st.job() == 1).count(),
        seen::toString);
  }
}
