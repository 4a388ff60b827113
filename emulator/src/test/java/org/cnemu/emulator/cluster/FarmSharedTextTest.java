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
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plan's shared text (a point's experiment) goes to a node once: with the first job that names it there; the
 * later jobs carry its digest only, and a node that lacks it asks again. The driver and the node each against a
 * stand-in for the other (one local actor system), so every message between them is seen.
 */
class FarmSharedTextTest {
  private static final String TEXT_A = "experiment { name = a }";
  private static final String TEXT_B = "experiment { name = b }";

  /** Every message through the wire serializer, as between JVMs (an unregistered class fails). */
  private static final com.typesafe.config.Config WIRE = com.typesafe.config.ConfigFactory
      .parseString("pekko.actor.serialize-messages = on")
      .withFallback(com.typesafe.config.ConfigFactory.parseResources("cnemu-serialization.conf"));

  private ActorSystem<Void> system;

  @AfterEach
  void stop() {
    if (system != null) ClusterNode.stop(system, 10);
  }

  private static <T> T next(LinkedBlockingQueue<? super T> q, Class<T> type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Object m = q.poll(100, TimeUnit.MILLISECONDS);
      if (type.isInstance(m)) return type.cast(m);
    }
    throw new AssertionError("no " + type.getSimpleName() + " within 30 s");
  }

  /** A driver and a stand-in node (and directory) in {@link #system}; what the driver sends the node goes to {@code toNode}. */
  private record DriverAndNode(ActorRef<FarmDriver.Command> driver, ActorRef<FarmWorker.Command> node,
      LinkedBlockingQueue<FarmWorker.Command> toNode) {}

  /** A driver that knows one node, "node-a" (8 slots, 64 prefetched), which keeps {@code textCacheBytes} of text. */
  private DriverAndNode driverAndNode(long textCacheBytes) throws Exception {
    LinkedBlockingQueue<FarmWorker.Command> toNode = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<FarmDirectory.Command> toDirectory = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<FarmDriver.Event> events = new LinkedBlockingQueue<>();
    List<ActorRef<?>> actors = new ArrayList<>();
    CountDownLatch spawned = new CountDownLatch(1);
    system = ActorSystem.create(Behaviors.setup(ctx -> {
      ActorRef<FarmWorker.Command> node = ctx.spawn(Behaviors.<FarmWorker.Command>receiveMessage(m -> {
        toNode.add(m);
        return Behaviors.same();
      }), "node");
      ActorRef<FarmDirectory.Command> directory = ctx.spawn(Behaviors.<FarmDirectory.Command>receiveMessage(m -> {
        toDirectory.add(m);
        return Behaviors.same();
      }), "directory");
      ActorRef<FarmDriver.Command> driver = ctx.spawn(FarmDriver.create(
          new FarmDriver.Settings(1, Duration.ofSeconds(30), 1 << 20, directory), events::add), "driver");
      actors.add(node);
      actors.add(driver);
      spawned.countDown();
      return Behaviors.empty();
    }), "cnemu", WIRE);
    assertTrue(spawned.await(30, TimeUnit.SECONDS));
    @SuppressWarnings("unchecked")
    ActorRef<FarmWorker.Command> node = (ActorRef<FarmWorker.Command>) actors.get(0);
    @SuppressWarnings("unchecked")
    ActorRef<FarmDriver.Command> driver = (ActorRef<FarmDriver.Command>) actors.get(1);
    driver.tell(new FarmDriver.Workers(List.of(node)));
    next(toNode, FarmWorker.Hello.class);
    driver.tell(new FarmDriver.Ready(node, "node-a", CnemuVersion.current(), 8, 64, textCacheBytes));
    return new DriverAndNode(driver, node, toNode);
  }

  @Test
  void aDriverSendsEachSharedTextToANodeOnceAndAgainWhenAsked() throws Exception {
    DriverAndNode d = driverAndNode(1 << 20);
    ActorRef<FarmDriver.Command> driver = d.driver();
    ActorRef<FarmWorker.Command> node = d.node();
    LinkedBlockingQueue<FarmWorker.Command> toNode = d.toNode();
    List<FarmDriver.Job> jobs = new ArrayList<>();
    for (int j = 0; j < 4; j++) jobs.add(new FarmDriver.Job(j, 1, TEXT_A, "own " + j));
    jobs.add(new FarmDriver.Job(4, 1, TEXT_B, "own 4"));
    jobs.add(new FarmDriver.Job(5, 1, TEXT_A, "own 5"));
    driver.tell(new FarmDriver.Submit(jobs));

    String digestA = FarmWorker.sha256Hex(TEXT_A);
    String digestB = FarmWorker.sha256Hex(TEXT_B);
    int textBytes = 0;
    for (int j = 0; j < 6; j++) {
      FarmWorker.RunJob m = next(toNode, FarmWorker.RunJob.class);
      assertEquals(j, m.job());
      assertEquals("own " + j, m.spec());
      assertEquals(j == 4 ? digestB : digestA, m.sharedDigest());
      // the text with the first job that names it on this node, none with the rest
      assertEquals(j == 0 ? TEXT_A : j == 4 ? TEXT_B : "", m.sharedText(), "job " + j);
      textBytes += m.sharedText().length();
    }
    assertEquals(TEXT_A.length() + TEXT_B.length(), textBytes, "each text once for six jobs");

    // the node lacks text A (it dropped it): job 2 comes again, with it, as its next attempt; job 3 after that
    // needs no text (the driver's messages arrive in order, so the node has it again by then)
    driver.tell(new FarmDriver.TextMissing(2, 0, node));
    FarmWorker.RunJob again = next(toNode, FarmWorker.RunJob.class);
    assertEquals(2, again.job());
    assertEquals(1, again.attempt());
    assertEquals(TEXT_A, again.sharedText());
    driver.tell(new FarmDriver.TextMissing(3, 0, node));
    FarmWorker.RunJob third = next(toNode, FarmWorker.RunJob.class);
    assertEquals(3, third.job());
    assertEquals(1, third.attempt());
    assertEquals("", third.sharedText());
    // an answer of an attempt that is over changes nothing
    driver.tell(new FarmDriver.TextMissing(2, 0, node));
    assertEquals(null, toNode.poll(300, TimeUnit.MILLISECONDS));
  }

  @Test
  void aNodeKeepsATextItWasSentAndAsksForOneItLacks() throws Exception {
    LinkedBlockingQueue<FarmDriver.Command> toDriver = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<String> ran = new LinkedBlockingQueue<>();
    FarmWorker.Runner runner = (shared, spec, node, cancelled, progress) -> {
      ran.add(shared.text() + "|" + spec);
      return (shared.digest() + "|" + spec).getBytes(StandardCharsets.UTF_8);
    };
    Pair pair = workerAndDriver(runner, toDriver, WIRE);
    ActorRef<FarmWorker.Command> worker = pair.worker();
    ActorRef<FarmDriver.Command> driver = pair.driver();
    String digestA = FarmWorker.sha256Hex(TEXT_A);

    // named before it was ever sent here: the node asks for it and runs nothing
    worker.tell(new FarmWorker.RunJob(0, 0, 1, digestA, "", "own 0", driver));
    FarmDriver.TextMissing missing = next(toDriver, FarmDriver.TextMissing.class);
    assertEquals(0, missing.job());
    assertEquals(0, missing.attempt());
    // sent once, then named by its digest: both jobs run with it
    worker.tell(new FarmWorker.RunJob(0, 1, 1, digestA, TEXT_A, "own 0", driver));
    worker.tell(new FarmWorker.RunJob(1, 0, 1, digestA, "", "own 1", driver));
    for (int j = 0; j < 2; j++) {
      FarmDriver.JobResult r = next(toDriver, FarmDriver.JobResult.class);
      assertEquals(digestA + "|own " + r.job(), new String(FarmDriver.inflate(r.data(), 1 << 20), StandardCharsets.UTF_8));
    }
    assertEquals(TEXT_A + "|own 0", ran.poll(30, TimeUnit.SECONDS));
    assertEquals(TEXT_A + "|own 1", ran.poll(30, TimeUnit.SECONDS));
    // a text that is not its digest's is refused, and not kept under it
    String digestB = FarmWorker.sha256Hex(TEXT_B);
    worker.tell(new FarmWorker.RunJob(2, 0, 1, digestB, TEXT_A, "own 2", driver));
    FarmDriver.JobFailed failed = next(toDriver, FarmDriver.JobFailed.class);
    assertTrue(failed.message().contains("digest"), failed.message());
    worker.tell(new FarmWorker.RunJob(3, 0, 1, digestB, "", "own 3", driver));
    assertEquals(3, next(toDriver, FarmDriver.TextMissing.class).job());
    // every job names a text: one that names none (no driver sends it) is refused
    worker.tell(new FarmWorker.RunJob(4, 0, 1, "", "", "own 4", driver));
    FarmDriver.JobFailed none = next(toDriver, FarmDriver.JobFailed.class);
    assertEquals(4, none.job());
    assertTrue(none.message().contains("no shared text"), none.message());
    assertEquals(null, ran.poll(200, TimeUnit.MILLISECONDS), "the runner saw nothing else");
  }

  /**
   * The texts sent to a node add up to more bytes than it keeps (its {@link FarmDriver.Ready}): the next plan sends
   * them again with the first job that names each, rather than name by digest a text the node may have dropped.
   */
  @Test
  void aDriverSendsATextAgainInTheNextPlanWhenTheNodeCouldNotKeepAllItWasSent() throws Exception {
    DriverAndNode d = driverAndNode(TEXT_A.length() + TEXT_B.length() - 1);
    d.driver().tell(new FarmDriver.Begin(e -> {}));
    d.driver().tell(new FarmDriver.Submit(List.of(new FarmDriver.Job(0, 1, TEXT_A, "a"),
        new FarmDriver.Job(1, 1, TEXT_B, "b"))));
    assertEquals(TEXT_A, next(d.toNode(), FarmWorker.RunJob.class).sharedText());
    assertEquals(TEXT_B, next(d.toNode(), FarmWorker.RunJob.class).sharedText());
    for (int plan = 2; plan <= 3; plan++) {
      java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
      d.driver().tell(new FarmDriver.EndPlan(ended));
      ended.get(30, TimeUnit.SECONDS);
      d.driver().tell(new FarmDriver.Begin(e -> {}));
      d.driver().tell(new FarmDriver.Submit(List.of(new FarmDriver.Job(0, 1, TEXT_A, "a"))));
      // plan 2: A and B were one byte too many, so A goes again; plan 3: A alone fits, named by its digest
      assertEquals(plan == 2 ? TEXT_A : "", next(d.toNode(), FarmWorker.RunJob.class).sharedText(), "plan " + plan);
    }
  }

  /** A node's text cache holds as many bytes as it is told, whatever the count of texts. */
  @Test
  void aNodesTextCacheIsBoundedByBytes() {
    FarmWorker.Shared a = FarmWorker.Shared.of("a".repeat(40));
    FarmWorker.Shared b = FarmWorker.Shared.of("b".repeat(40));
    FarmWorker.Shared c = FarmWorker.Shared.of("c".repeat(40));
    List<String> dropped = new ArrayList<>();
    FarmWorker.TextCache cache = new FarmWorker.TextCache(100, dropped::add);
    cache.put(a);
    cache.put(b);
    assertEquals(80, cache.bytes());
    assertEquals(a, cache.get(a.digest())); // a is now the most recently used
    cache.put(c); // 120 bytes: b, the least recently used, goes
    assertEquals(null, cache.get(b.digest()));
    assertEquals(a, cache.get(a.digest()));
    assertEquals(c, cache.get(c.digest()));
    assertEquals(80, cache.bytes());
    assertEquals(List.of(b.digest()), dropped); // its runner's check of it can go too
    cache.put(c); // again: counted once
    assertEquals(80, cache.bytes());
    // a text larger than the whole cache stays, alone: the jobs that name it come next
    FarmWorker.Shared big = FarmWorker.Shared.of("d".repeat(500));
    cache.put(big);
    assertEquals(1, cache.size());
    assertEquals(500, cache.bytes());
    assertEquals(big, cache.get(big.digest()));
    assertEquals(List.of(b.digest(), a.digest(), c.digest()), dropped);
    // UTF-8 bytes, as the wire carries the text: a two-byte character counts twice
    FarmWorker.TextCache utf8 = new FarmWorker.TextCache(100);
    utf8.put(FarmWorker.Shared.of("\u00e9".repeat(30)));
    assertEquals(60, utf8.bytes());
    // many small texts: no count bound (256 texts used to be the bound, whatever their size)
    FarmWorker.TextCache many = new FarmWorker.TextCache(16 * 1024);
    for (int i = 0; i < 1000; i++) many.put(FarmWorker.Shared.of(String.format("%010d", i)));
    assertEquals(1000, many.size());
    assertEquals(10_000, many.bytes());
  }

  /**
   * A node told to keep 100 bytes of text ({@code cnemu.farm.text-cache}) says so in its {@link FarmDriver.Ready},
   * drops the least recently used of two 60-byte texts when it gets the second, and asks for it when a job names it.
   */
  @Test
  void aNodeKeepsNoMoreBytesOfTextThanConfigured() throws Exception {
    LinkedBlockingQueue<FarmDriver.Command> toDriver = new LinkedBlockingQueue<>();
    LinkedBlockingQueue<String> ran = new LinkedBlockingQueue<>();
    List<String> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
    FarmWorker.Runner runner = new FarmWorker.Runner() {
      @Override
      public byte[] run(FarmWorker.Shared shared, String spec, String node, java.util.concurrent.atomic.AtomicBoolean cancelled,
          org.cnemu.emulator.Coordinator.ProgressListener progress) {
        ran.add(spec);
        return spec.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public void dropped(String digest) {
        dropped.add(digest);
      }
    };
    Pair pair = workerAndDriver(runner, toDriver,
        com.typesafe.config.ConfigFactory.parseString(FarmWorker.TEXT_CACHE_KEY + " = 100B").withFallback(WIRE));
    ActorRef<FarmWorker.Command> worker = pair.worker();
    ActorRef<FarmDriver.Command> driver = pair.driver();
    worker.tell(new FarmWorker.Hello(driver));
    assertEquals(100, next(toDriver, FarmDriver.Ready.class).textCacheBytes());

    String textA = "experiment { name = a }" + " ".repeat(60 - 23);
    String textB = "experiment { name = b }" + " ".repeat(60 - 23);
    String digestA = FarmWorker.sha256Hex(textA);
    String digestB = FarmWorker.sha256Hex(textB);
    worker.tell(new FarmWorker.RunJob(0, 0, 1, digestA, textA, "0", driver));
    assertEquals("0", ran.poll(30, TimeUnit.SECONDS));
    worker.tell(new FarmWorker.RunJob(1, 0, 1, digestB, textB, "1", driver)); // 120 bytes: A goes
    assertEquals("1", ran.poll(30, TimeUnit.SECONDS));
    worker.tell(new FarmWorker.RunJob(2, 0, 1, digestA, "", "2", driver));
    assertEquals(2, next(toDriver, FarmDriver.TextMissing.class).job());
    assertEquals(List.of(digestA), dropped, "the runner is told, so its check of A goes too");
    worker.tell(new FarmWorker.RunJob(3, 0, 1, digestB, "", "3", driver)); // B stayed
    assertEquals("3", ran.poll(30, TimeUnit.SECONDS));
    assertEquals(null, ran.poll(200, TimeUnit.MILLISECONDS), "job 2 did not run without its text");
  }

  /** A node of one slot and a stand-in driver that queues what the node tells it. */
  private record Pair(ActorRef<FarmWorker.Command> worker, ActorRef<FarmDriver.Command> driver) {}

  private Pair workerAndDriver(FarmWorker.Runner runner, LinkedBlockingQueue<FarmDriver.Command> toDriver,
      com.typesafe.config.Config config) throws InterruptedException {
    List<ActorRef<?>> actors = new ArrayList<>();
    CountDownLatch spawned = new CountDownLatch(1);
    system = ActorSystem.create(Behaviors.setup(ctx -> {
      actors.add(ctx.spawn(FarmWorker.create(runner, FarmWorker.Slots.exactly(1), null), "farm-worker"));
      actors.add(ctx.spawn(Behaviors.<FarmDriver.Command>receiveMessage(m -> {
        toDriver.add(m);
        return Behaviors.same();
      }), "driver"));
      spawned.countDown();
      return Behaviors.empty();
    }), "cnemu", config);
    assertTrue(spawned.await(30, TimeUnit.SECONDS));
    @SuppressWarnings("unchecked")
    ActorRef<FarmWorker.Command> worker = (ActorRef<FarmWorker.Command>) actors.get(0);
    @SuppressWarnings("unchecked")
    ActorRef<FarmDriver.Command> driver = (ActorRef<FarmDriver.Command>) actors.get(1);
    return new Pair(worker, driver);
  }
}
