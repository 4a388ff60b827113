package org.cnemu.emulator.cluster;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.zip.Deflater;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.wire.WireMessage;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * One per cluster node: runs whole jobs that a {@link FarmDriver} hands out, up to {@code slots} at
 * once, each on a thread of its own, and sends each job's result back (compressed, in chunks below
 * Artery's frame size). It also holds up to {@link #PREFETCH_PER_SLOT} more jobs per slot in a queue of its
 * own (it advertises this prefetch in {@link FarmDriver.Ready}; the driver keeps it as deep as its round
 * trip to this node needs): a freed slot starts the next job at once instead of idling for the driver's
 * round trip, which for jobs of a few milliseconds is longer than the job.
 * A running job's virtual-time progress goes back to its driver, at most every {@link #PROGRESS_MILLIS}. What a job is, and how it is checked and run, is the {@link Runner}'s
 * business (the experiments layer): this actor only moves opaque text and bytes.
 *
 * <p>Nodes on one machine (the same Linux boot id) whose slots are the default, one per processor ({@link
 * Slots#sharedMachine}), share that machine's processors instead of each taking all of them: every worker
 * tells the others the cluster lists ({@link Neighbour}) its machine and whether it shares, and the sharing
 * workers of a machine split its processors (minus the slots that nodes set explicitly there take) among
 * themselves in address order. A seed and a worker on one 2-core machine so run 1 + 1 jobs at once, not
 * 2 + 2 (docs/benchmarks.md, "Farmed plans"). A node that joins or leaves re-splits them; the drivers this
 * node works for get its new slots ({@link FarmDriver.Ready} again).
 *
 * <p>A driver that goes away (its actor stops, its JVM dies, or it stays silent for the remote watch's
 * failure detector: drivers are no cluster members, cnemu-cluster.conf) has its jobs abandoned at once:
 * their cancellation flags are set (the engine stops between progress slices) and their results are
 * dropped, so the slots are free for the next driver within seconds. A driver that ends normally says
 * {@link Goodbye} first: its jobs go and this node stops watching it before its JVM does.
 */
public final class FarmWorker extends AbstractBehavior<FarmWorker.Command> {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "cnemu-farm");

  /** Result chunks stay well below Artery's maximum frame (cnemu-cluster.conf: 2 MiB). */
  static final int CHUNK_BYTES = 256 * 1024;

  /**
   * Queued jobs a node takes per slot, at most. A driver fills the queue only as deep as its round trip
   * to the node needs (jobs of a few ms against a round trip of tens of ms on a loaded machine: several;
   * jobs of seconds: one), so this bounds what a lost node or a plan's tail can hold back.
   */
  static final int PREFETCH_PER_SLOT = 8;

  /** A running job's progress goes to its driver at most this often (a progress line redraws every 250 ms). */
  static final long PROGRESS_MILLIS = 500;

  /** Runs one job on this node; called on a job thread of its own, may block for as long as the job runs. */
  public interface Runner {
    /**
     * @param spec the job as the driver described it (the runner checks it as untrusted input)
     * @param node this node's cluster address (for the result's execution record)
     * @param cancelled set when the driver abandons the job; the runner should stop soon after
     * @param progress the run's virtual-time progress (throttled before it leaves the node)
     * @return the job's result
     * @throws Exception a job that could not run at all; its message (one line) goes back to the driver
     */
    byte[] run(Shared shared, String spec, String node, AtomicBoolean cancelled, Coordinator.ProgressListener progress)
        throws Exception;

    /**
     * The node no longer keeps the text of {@code digest} ({@link TextCache}): what the runner keeps for it (the
     * outcome of checking it) can go too, so the node's bound in bytes bounds that as well. Called on the node's
     * actor; a job already given the text may still run with it.
     */
    default void dropped(String digest) {}
  }

  /**
   * Text that many jobs of a plan share (a point's experiment, kilobytes, the same for each of its runs) and its
   * SHA-256 in hex: a driver sends it to a node once, with the first job that needs it there, and the node's
   * next jobs name it by its digest only. Every job names one. A node keeps the most recently used texts, as
   * many bytes of them as {@value #TEXT_CACHE_KEY} says ({@link TextCache}); one it no longer has is asked for
   * again ({@link FarmDriver.TextMissing}). The node computes the digest of every text it receives itself, so the digest is
   * the text's.
   */
  public record Shared(String digest, String text) {
    /** {@code text} with its digest. */
    public static Shared of(String text) {
      return new Shared(sha256Hex(text), text);
    }
  }

  /** The SHA-256 of {@code text}'s UTF-8 bytes, in lower-case hex. */
  static String sha256Hex(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }

  /** The bytes of shared text a node keeps (reference.conf): a plan's points, or a daemon's recent plans'. */
  static final String TEXT_CACHE_KEY = "cnemu.farm.text-cache";

  /** What a text costs in a node's cache: its UTF-8 bytes (what the wire carried and the digest covers). */
  static long textBytes(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /**
   * A node's shared texts by digest, at most {@code maxBytes} of text in all, the least recently used dropped
   * first: a count would let a plan of large texts (a text grows with what its file spells out, e.g. a topology
   * listed host by host) hold hundreds of them in the heap. The newest text stays even alone over the bound, since the jobs that name it come next;
   * a sweep of more texts than fit sends a dropped one again when a driver names it. This actor's only.
   */
  static final class TextCache {
    private record Entry(Shared shared, long bytes) {}

    private final long maxBytes;
    private final Consumer<String> dropped;
    private final Map<String, Entry> texts = new java.util.LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    TextCache(long maxBytes) {
      this(maxBytes, digest -> {});
    }

    /** @param dropped told the digest of each text dropped to stay within {@code maxBytes} */
    TextCache(long maxBytes, Consumer<String> dropped) {
      this.maxBytes = maxBytes;
      this.dropped = dropped;
    }

    /** The text of {@code digest}, now the most recently used; null if this node does not keep it. */
    Shared get(String digest) {
      Entry e = texts.get(digest);
      return e == null ? null : e.shared();
    }

    /** Keeps {@code s}, then drops the least recently used texts while more than {@code maxBytes} are kept. */
    void put(Shared s) {
      Entry old = texts.put(s.digest(), new Entry(s, textBytes(s.text())));
      if (old != null) bytes -= old.bytes();
      bytes += texts.get(s.digest()).bytes();
      for (var it = texts.values().iterator(); bytes > maxBytes && texts.size() > 1; ) {
        Entry e = it.next();
        bytes -= e.bytes();
        it.remove();
        dropped.accept(e.shared().digest());
      }
    }

    /** The bytes of text kept. */
    long bytes() {
      return bytes;
    }

    int size() {
      return texts.size();
    }

    long maxBytes() {
      return maxBytes;
    }
  }

  public sealed interface Command extends WireMessage {}

  /**
   * A node's job slots: {@code count} of them, or with {@code shared} the machine's processor count, split
   * among the sharing nodes on the same machine.
   */
  public record Slots(int count, boolean shared) {
    public Slots {
      if (count < 1) throw new IllegalArgumentException("slots must be at least 1");
    }

    /** Exactly {@code count} jobs at once, whoever else runs on this machine (--job-slots N). */
    public static Slots exactly(int count) {
      return new Slots(count, false);
    }

    /** This machine's {@code processors}, shared with the other sharing nodes on it (the default). */
    public static Slots sharedMachine(int processors) {
      return new Slots(processors, true);
    }
  }

  /**
   * Another farm worker's machine (Linux boot id; "": unknown, shares with nobody) and the slots it takes
   * there: {@code explicitSlots} set on its command line, or 0 if it shares the machine's processors.
   */
  public record Neighbour(ActorRef<Command> worker, String machine, int explicitSlots) implements Command {}

  /** A driver asks for this node's address, version and slots. */
  public record Hello(ActorRef<FarmDriver.Command> replyTo) implements Command {}

  /**
   * Run job {@code job} (attempt {@code attempt}: a job that ran on a lost node runs again with the next
   * attempt number), taking {@code slots} of this node's slots, with the shared text of digest {@code
   * sharedDigest} (every job names one; a job that names none is refused): {@code sharedText} carries it when the
   * driver has not sent it to this node before, else it is "" and the node takes it from its cache.
   */
  public record RunJob(int job, int attempt, int slots, String sharedDigest, String sharedText, String spec,
      ActorRef<FarmDriver.Command> replyTo) implements Command {}

  /** The driver gives up every job it gave this node (it was cancelled, or thinks this node lost). */
  public record Abandon(ActorRef<FarmDriver.Command> driver) implements Command {}

  /**
   * The driver is leaving: drop its jobs and stop watching it, then say so ({@link FarmDriver.Unwatched}).
   * It stops its actor system only after that, so no failure detector here fires for a JVM that is gone
   * (and takes down the association of a later process on the same address).
   */
  public record Goodbye(ActorRef<FarmDriver.Command> driver) implements Command {}

  /**
   * A job's thread ended job {@code job} and sent its result or failure to the driver ({@code sent}; not if
   * the job was abandoned meanwhile); {@code next} is the queued job that thread went straight on to (null:
   * none fitted), which this actor now counts as running; {@code nextTold}: the result told the driver
   * that it started.
   */
  private record Finished(String driver, int job, int attempt, boolean sent, long startedNanos, long ranNanos,
      long sentNanos, int resultBytes, int packedBytes, long cpuNanos, long startedMicros, long ranMicros, Ticket next,
      boolean nextTold) implements Command, NoSerializationVerificationNeeded {}

  private record DriverGone(String driver, String why) implements Command, NoSerializationVerificationNeeded {}

  private record Listing(Receptionist.Listing listing) implements Command, NoSerializationVerificationNeeded {}

  /**
   * A job this node took: waiting for a slot, then running. {@code receivedNanos}: when it arrived (its
   * time held here goes back with its result); {@code cost}: the slots it took when it started (set then,
   * under the {@link SlotQueue}'s lock); {@code released}: its slots went back (its thread ended it, or it
   * was abandoned: whichever comes first gives them back, once).
   */
  private static final class Ticket {
    final RunJob job;
    /** The job's shared text, from the message or this node's cache. */
    final Shared shared;
    final long receivedNanos;
    final AtomicBoolean cancel = new AtomicBoolean();
    final AtomicBoolean released = new AtomicBoolean();
    int cost;

    Ticket(RunJob job, Shared shared, long receivedNanos) {
      this.job = job;
      this.shared = shared;
      this.receivedNanos = receivedNanos;
    }
  }

  /**
   * This node's slots and the jobs waiting for one, shared by the actor and the job threads: a job thread
   * that ends its job takes the next queued job that fits and runs it at once ({@link #next}), instead of
   * ending and leaving the next start to this actor (two thread wake-ups per job: the actor's, then a job
   * thread's, several milliseconds per job on a busy 2-core machine, against jobs of a few: docs/benchmarks.md).
   */
  private static final class SlotQueue {
    private final Deque<Ticket> queued = new ArrayDeque<>();
    private int slots;
    private int used;

    SlotQueue(int slots) {
      this.slots = slots;
    }

    private int cost(RunJob m) {
      return Math.max(1, Math.min(m.slots(), slots));
    }

    private void take(Ticket t) {
      t.cost = cost(t.job);
      used += t.cost;
    }

    /** Starts {@code t} (true) if nothing waits and its slots are free, else queues it if fewer than {@code max} wait. */
    synchronized Boolean offer(Ticket t, int max) {
      if (queued.isEmpty() && used + cost(t.job) <= slots) {
        take(t);
        return true;
      }
      if (queued.size() >= max) return null;
      queued.addLast(t);
      return false;
    }

    /** The queued jobs that fit now, in order, taken (the actor starts them). */
    synchronized List<Ticket> startable() {
      List<Ticket> out = new ArrayList<>();
      for (Ticket t = takeFirstThatFits(); t != null; t = takeFirstThatFits()) out.add(t);
      return out;
    }

    /** The first queued job, taken, if its slots are free now; else null (jobs start in arrival order). */
    private Ticket takeFirstThatFits() {
      if (queued.isEmpty() || used + cost(queued.peekFirst().job) > slots) return null;
      Ticket t = queued.pollFirst();
      take(t);
      return t;
    }

    /** Gives {@code t}'s slots back, unless they went back already. */
    synchronized void release(Ticket t) {
      if (t.released.compareAndSet(false, true)) used -= t.cost;
    }

    /** On the job thread that ended {@code done}: gives its slots back, and takes the first queued job if it fits now. */
    synchronized Ticket next(Ticket done) {
      release(done);
      return takeFirstThatFits();
    }

    /** Drops the queued jobs {@code drop} accepts, returning them. */
    synchronized List<Ticket> remove(Predicate<Ticket> drop) {
      List<Ticket> out = new ArrayList<>();
      queued.removeIf(t -> drop.test(t) && out.add(t));
      return out;
    }

    synchronized void slots(int slots) {
      this.slots = slots;
    }

    synchronized int waiting() {
      return queued.size();
    }
  }

  /**
   * @param slots jobs at once (a job of several partitions may take more than one)
   * @param log one line per job taken or abandoned, and per change of slots (null: silent)
   */
  public static Behavior<Command> create(Runner runner, Slots slots, Consumer<String> log) {
    return create(runner, slots, ShmPipe.machineId(), log);
  }

  /** As {@link #create(Runner, Slots, Consumer)}, on the machine {@code machine} (null: unknown). */
  static Behavior<Command> create(Runner runner, Slots slots, String machine, Consumer<String> log) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Listing::new);
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, listings));
      return new FarmWorker(ctx, runner, slots, machine, log);
    });
  }

  private final Runner runner;
  private final Slots configured;
  private final String machine;
  /** Jobs at once now: the configured count, or this node's share of its machine's processors. */
  private int slots;
  /** The slots in use and the jobs waiting for one (the job threads take from it too). */
  private final SlotQueue slotQueue;
  /** The other workers the cluster lists now, and what each said of its machine (once it has). */
  private final Set<ActorRef<Command>> listed = new HashSet<>();
  private final Map<ActorRef<Command>, Neighbour> neighbours = new HashMap<>();
  private final Consumer<String> log;
  private final String address;
  /** This actor, for the job threads (they must not touch its context). */
  private final ActorRef<Command> self;
  private final ExecutorService threads;
  /** Jobs running here, by driver (its actor path) and job id. */
  private final Map<String, Map<Integer, Ticket>> running = new HashMap<>();
  private final Map<String, ActorRef<FarmDriver.Command>> watched = new HashMap<>();
  /** Shared texts by digest. */
  private final TextCache texts;

  private FarmWorker(ActorContext<Command> ctx, Runner runner, Slots slots, String machine, Consumer<String> log) {
    super(ctx);
    this.runner = runner;
    this.configured = slots;
    this.machine = machine;
    this.slots = slots.count();
    this.slotQueue = new SlotQueue(this.slots);
    this.log = log;
    this.address = ctx.getSystem().address().toString();
    this.self = ctx.getSelf();
    long cacheBytes = ctx.getSystem().settings().config().getBytes(TEXT_CACHE_KEY);
    if (cacheBytes < 0) throw new IllegalArgumentException(TEXT_CACHE_KEY + " must be at least 0, not " + cacheBytes);
    this.texts = new TextCache(cacheBytes, runner::dropped);
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "cnemu-farm-job");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Hello.class, this::onHello)
        .onMessage(RunJob.class, this::onRunJob)
        .onMessage(Abandon.class, m -> abandon(key(m.driver()), "it asked"))
        .onMessage(Goodbye.class, this::onGoodbye)
        .onMessage(Finished.class, this::onFinished)
        .onMessage(DriverGone.class, m -> abandon(m.driver(), m.why()))
        .onMessage(Listing.class, this::onListing)
        .onMessage(Neighbour.class, this::onNeighbour)
        .onSignal(PostStop.class, s -> {
          slotQueue.remove(t -> true);
          running.values().forEach(jobs -> jobs.values().forEach(r -> r.cancel.set(true)));
          threads.shutdownNow();
          return this;
        })
        .build();
  }

  private static String key(ActorRef<?> driver) {
    return driver.path().toString();
  }

  private Behavior<Command> onHello(Hello m) {
    m.replyTo().tell(ready());
    return this;
  }

  /**
   * Watches a driver from its first job on (not from its hello: a driver dropped before any job must leave
   * no watch behind). It then hears this node's slots again, in case they changed since its hello, and
   * on every change while watched.
   */
  private void watch(ActorRef<FarmDriver.Command> driver) {
    String key = key(driver);
    if (!watched.containsKey(key)) {
      watched.put(key, driver);
      getContext().watchWith(driver, new DriverGone(key, "it stopped, or is unreachable"));
      driver.tell(ready());
    }
  }

  private Neighbour me() {
    // "" for an unknown machine: it equals no boot id (and the wire carries no null)
    return new Neighbour(getContext().getSelf(), machine == null ? "" : machine,
        configured.shared() ? 0 : configured.count());
  }

  private Behavior<Command> onListing(Listing m) {
    Set<ActorRef<Command>> now = new HashSet<>(m.listing().getServiceInstances(KEY));
    now.remove(getContext().getSelf());
    for (ActorRef<Command> w : now) {
      if (!listed.contains(w)) w.tell(me()); // a newcomer learns this node's machine (and answers with its own)
    }
    listed.clear();
    listed.addAll(now);
    neighbours.keySet().retainAll(now); // gone from the cluster: its share of the machine is free again
    return reshare();
  }

  private Behavior<Command> onNeighbour(Neighbour m) {
    if (m.worker().equals(getContext().getSelf())) return this;
    if (neighbours.put(m.worker(), m) == null) m.worker().tell(me()); // it may not have heard of this node yet
    return reshare();
  }

  /** This node's slots from what it knows of the workers on its machine; tells its drivers when they change. */
  private Behavior<Command> reshare() {
    int now = share(configured, machine, getContext().getSelf().path().toString(), neighbours.values());
    if (now == slots) return this;
    slots = now;
    slotQueue.slots(now);
    if (log != null) {
      log.accept("farm: " + slots + " job slot" + (slots == 1 ? "" : "s") + " (this machine's " + configured.count()
          + " processors shared with the other nodes on it)");
    }
    for (ActorRef<FarmDriver.Command> d : watched.values()) d.tell(ready());
    startQueued();
    return this;
  }

  /**
   * A sharing node's slots: its machine's processors, less what explicitly set nodes there take, split
   * among the sharing nodes there in address order (the first ones get the remainder); at least one.
   */
  static int share(Slots configured, String machine, String self, Collection<Neighbour> others) {
    if (!configured.shared() || machine == null || machine.isEmpty()) return configured.count();
    int taken = 0;
    List<String> sharing = new ArrayList<>();
    sharing.add(self);
    for (Neighbour n : others) {
      if (!machine.equals(n.machine())) continue;
      if (n.explicitSlots() > 0) taken += n.explicitSlots();
      else sharing.add(n.worker().path().toString());
    }
    Collections.sort(sharing);
    int free = configured.count() - taken;
    int k = sharing.size();
    int i = sharing.indexOf(self);
    return Math.max(1, free / k + (i < free % k ? 1 : 0));
  }

  private FarmDriver.Ready ready() {
    return new FarmDriver.Ready(getContext().getSelf(), address, CnemuVersion.current(), slots, prefetch(),
        texts.maxBytes());
  }

  /**
   * Jobs this node holds beyond its slots, at most: {@link #PREFETCH_PER_SLOT} per slot. A driver keeps
   * fewer here, as many as cover its round trip to this node ({@link FarmDriver}).
   */
  private int prefetch() {
    return slots * PREFETCH_PER_SLOT;
  }

  private Behavior<Command> onRunJob(RunJob m) {
    long receivedNanos = System.nanoTime();
    watch(m.replyTo());
    Shared shared = shared(m);
    if (shared == null) return this; // refused, or asked for
    Ticket t = new Ticket(m, shared, receivedNanos);
    // null: full; false: prefetched, it starts when a slot frees, without a round trip to the driver
    Boolean started = slotQueue.offer(t, prefetch());
    if (started == null) {
      // the driver counts this node's slots and prefetch itself; a refusal only happens if two drivers share the node
      m.replyTo().tell(new FarmDriver.JobRefused(m.job(), m.attempt(), getContext().getSelf(),
          "all " + slots + " slots busy and " + slotQueue.waiting() + " jobs queued"));
    } else if (started) {
      running(t, true);
      threads.execute(() -> runJobs(t));
    }
    return this;
  }

  /**
   * The job's shared text: the one it carries (kept for the next jobs that name it, once its digest is checked), or
   * the one this node keeps under its digest. Null when there is none: the driver is asked for it ({@link
   * FarmDriver.TextMissing}: a node that dropped it, or restarted) or told the job is refused (a text that is not
   * its digest's).
   */
  private Shared shared(RunJob m) {
    if (m.sharedDigest().isEmpty()) {
      m.replyTo().tell(new FarmDriver.JobFailed(m.job(), m.attempt(), getContext().getSelf(),
          "refused the job: it names no shared text"));
      return null;
    }
    if (!m.sharedText().isEmpty()) {
      Shared s = texts.get(m.sharedDigest());
      if (s != null && s.text().equals(m.sharedText())) return s;
      if (!sha256Hex(m.sharedText()).equals(m.sharedDigest())) {
        m.replyTo().tell(new FarmDriver.JobFailed(m.job(), m.attempt(), getContext().getSelf(),
            "refused the job: its shared text does not match its digest"));
        return null;
      }
      s = new Shared(m.sharedDigest(), m.sharedText());
      texts.put(s);
      return s;
    }
    Shared s = texts.get(m.sharedDigest());
    if (s == null) m.replyTo().tell(new FarmDriver.TextMissing(m.job(), m.attempt(), getContext().getSelf()));
    return s;
  }

  /** Starts queued jobs, in order, while the first fits in the free slots (each on a thread of its own). */
  private void startQueued() {
    for (Ticket t : slotQueue.startable()) {
      running(t, true);
      threads.execute(() -> runJobs(t));
    }
  }

  /** Counts {@code t} as running (it took its slots already) and, with {@code tell}, tells its driver it started. */
  private void running(Ticket t, boolean tell) {
    RunJob m = t.job;
    running.computeIfAbsent(key(m.replyTo()), d -> new HashMap<>()).put(m.job(), t);
    if (log != null) log.accept("farm: running job " + m.job() + " of " + m.replyTo().path().address());
    if (tell) m.replyTo().tell(new FarmDriver.JobStarted(m.job(), m.attempt(), getContext().getSelf()));
  }

  /**
   * On a job thread: runs {@code first}, sends its result (or failure) to the driver itself, then, as long
   * as a queued job fits when one ends, runs that one, without waiting for this actor (which learns of
   * each from {@link Finished}). The result does not wait for this actor either: on a busy machine its
   * thread wakes milliseconds later, and every millisecond a result takes to reach the driver is one its
   * node's queue must cover (the driver drops a result of a job it gave up, so one sent while the job was
   * being abandoned does no harm).
   */
  private void runJobs(Ticket first) {
    for (Ticket t = first; t != null; ) {
      RunJob m = t.job;
      byte[] result = null;
      String error = null;
      long startedNanos = System.nanoTime();
      long startedMicros = TRACE ? JobFarm.epochMicros() : 0;
      long cpu0 = TRACE ? CPU.getCurrentThreadCpuTime() : 0;
      try {
        result = runner.run(t.shared, m.spec(), address, t.cancel, throttled(m));
      } catch (Exception | StackOverflowError | OutOfMemoryError e) {
        String msg = e.getMessage();
        error = (msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg).replace('\n', ' ');
      }
      long cpu = TRACE ? CPU.getCurrentThreadCpuTime() - cpu0 : 0;
      long ranNanos = System.nanoTime();
      long ranMicros = TRACE ? JobFarm.epochMicros() : 0;
      Ticket next = null;
      boolean stopping = Thread.currentThread().isInterrupted(); // this node stops
      if (stopping) slotQueue.release(t);
      else next = slotQueue.next(t);
      boolean sent = !stopping && !t.cancel.get();
      // the next job's start goes with this result when both are the same driver's
      boolean told = sent && error == null && next != null && next.job.replyTo().equals(m.replyTo());
      int packedBytes = 0;
      if (sent && error != null) {
        m.replyTo().tell(new FarmDriver.JobFailed(m.job(), m.attempt(), self, error));
      } else if (sent) {
        packedBytes = send(t, result, ranNanos - startedNanos, told ? next.job : null);
      }
      long sentNanos = System.nanoTime();
      self.tell(new Finished(key(m.replyTo()), m.job(), m.attempt(), sent, startedNanos, ranNanos, sentNanos,
          result == null ? 0 : result.length, packedBytes, cpu, startedMicros, ranMicros, next, told));
      t = next;
    }
  }

  /**
   * Sends {@code result} to the job's driver, deflated, in chunks, saying that {@code next} (null: none)
   * started; returns the deflated size.
   */
  private int send(Ticket t, byte[] result, long runNanos, RunJob next) {
    RunJob m = t.job;
    byte[] packed = deflate(result);
    int chunks = Math.max(1, (packed.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
    for (int i = 0; i < chunks; i++) {
      int from = i * CHUNK_BYTES;
      byte[] part = Arrays.copyOfRange(packed, from, Math.min(packed.length, from + CHUNK_BYTES));
      // the time this node held the job (queue, run, deflate): the driver takes it from the job's round
      // trip to know its own latency to this node, which sets how many jobs it keeps queued here
      m.replyTo().tell(new FarmDriver.JobResult(m.job(), m.attempt(), self, i, chunks, part,
          System.nanoTime() - t.receivedNanos, runNanos, next == null ? -1 : next.job(), next == null ? -1 : next.attempt()));
    }
    return packed.length;
  }

  /** The job's progress to its driver, at most every {@link #PROGRESS_MILLIS}; called on the job's threads. */
  private Coordinator.ProgressListener throttled(RunJob m) {
    long[] lastSentNanos = {System.nanoTime()};
    return (virtualNanos, endNanos) -> {
      long now = System.nanoTime();
      synchronized (lastSentNanos) {
        if (now - lastSentNanos[0] < PROGRESS_MILLIS * 1_000_000L) return;
        lastSentNanos[0] = now;
      }
      m.replyTo().tell(new FarmDriver.JobProgress(m.job(), m.attempt(), self, virtualNanos, endNanos));
    };
  }

  private Behavior<Command> onFinished(Finished m) {
    long takenMicros = TRACE ? JobFarm.epochMicros() : 0;
    if (m.next() != null) adopt(m.next(), m.nextTold()); // its thread runs it already
    Map<Integer, Ticket> jobs = running.get(m.driver());
    Ticket r = jobs == null ? null : jobs.get(m.job());
    if (r == null || r.job.attempt() != m.attempt()) {
      startQueued();
      return this; // abandoned: its slots went back then
    }
    jobs.remove(m.job());
    startQueued(); // its thread gave its slots back (and took the next job if one fitted)
    if (TRACE && m.sent() && m.resultBytes() > 0) {
      System.err.printf(Locale.ROOT,
          "TRACE farm node job %d thread %.2f ms (CPU %.2f ms), deflate+send %.2f ms, then to the actor %.2f ms, %d -> %d bytes%n",
          m.job(), (m.ranNanos() - m.startedNanos()) / 1e6, m.cpuNanos() / 1e6, (m.sentNanos() - m.ranNanos()) / 1e6,
          (System.nanoTime() - m.sentNanos()) / 1e6, m.resultBytes(), m.packedBytes());
      // absolute times (epoch us, one clock for every JVM of this machine): bench/farm.sh lines up each
      // slot's jobs and tells a slot that waited for its node's actor from one that waited for the driver
      long nowMicros = JobFarm.epochMicros();
      long sentMicros = nowMicros - (System.nanoTime() - m.sentNanos()) / 1000;
      System.err.printf(Locale.ROOT, "TRACE farm node timeline %s job %d received %d started %d ended %d taken %d sent %d%n",
          address, m.job(), nowMicros - (System.nanoTime() - r.receivedNanos) / 1000, m.startedMicros(), m.ranMicros(),
          takenMicros, sentMicros);
    }
    return this;
  }

  /**
   * A queued job a job thread went straight on to: running, unless its driver left or was given up
   * meanwhile (it was on no list then): it stops, and a driver that is still there runs it elsewhere.
   */
  private void adopt(Ticket t, boolean told) {
    if (watched.containsKey(key(t.job.replyTo()))) {
      running(t, !told);
      return;
    }
    t.cancel.set(true);
    slotQueue.release(t);
    t.job.replyTo().tell(new FarmDriver.Abandoned(getContext().getSelf(), new int[] {t.job.job()}));
  }

  private Behavior<Command> onGoodbye(Goodbye m) {
    String driver = key(m.driver());
    watched.remove(driver); // nothing goes back to a driver that leaves but the answer below
    abandon(driver, "it left");
    getContext().unwatch(m.driver());
    m.driver().tell(new FarmDriver.Unwatched(address, false));
    return this;
  }

  /** Stops every job of {@code driver} here: a driver that is gone must not keep this node's slots. */
  private Behavior<Command> abandon(String driver, String why) {
    Map<Integer, Ticket> jobs = running.remove(driver);
    ActorRef<FarmDriver.Command> ref = watched.remove(driver);
    // no longer watched: a later job of the same driver (a false alarm) watches it again
    if (ref != null) getContext().unwatch(ref);
    List<Integer> ids = new ArrayList<>();
    for (Ticket t : slotQueue.remove(t -> key(t.job.replyTo()).equals(driver))) ids.add(t.job.job());
    if (jobs != null) {
      ids.addAll(jobs.keySet());
      for (Ticket t : jobs.values()) {
        t.cancel.set(true);
        slotQueue.release(t); // the job thread sees its flag within one progress slice; its result goes nowhere
      }
    }
    startQueued(); // another driver's queued jobs take the freed slots
    if (ids.isEmpty()) return this;
    Collections.sort(ids);
    // a driver that is still there (a false alarm of the failure detector) puts the jobs back on its queue
    if (ref != null) {
      ref.tell(new FarmDriver.Abandoned(getContext().getSelf(), ids.stream().mapToInt(Integer::intValue).toArray()));
    }
    if (log != null) log.accept("farm: abandoned jobs " + ids + " of " + driver + " (" + why + ")");
    return this;
  }

  private static final boolean TRACE = Boolean.getBoolean("cnemu.trace");
  private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

  static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.BEST_SPEED);
    try {
      d.setInput(data);
      d.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
      byte[] buf = new byte[64 * 1024];
      while (!d.finished()) out.write(buf, 0, d.deflate(buf));
      return out.toByteArray();
    } finally {
      d.end();
    }
  }
}
