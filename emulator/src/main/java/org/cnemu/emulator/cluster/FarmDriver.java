package org.cnemu.emulator.cluster;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.cnemu.emulator.wire.WireMessage;

/**
 * The work queue of a farmed plan: hands whole jobs to the {@link FarmWorker}s of the cluster, each up
 * to the slots it advertises, and collects their results. The driver is no cluster member: the seed's
 * {@link FarmDirectory} tells it where the workers are, now and whenever that changes, so nodes that
 * join mid-plan take jobs from then on. The driver watches each worker (remote death watch: its actor
 * stops, its JVM dies, or it stays silent for the watch failure detector's pause). A node lost mid-plan
 * (so, or gone from the directory's list) has its unfinished jobs put back at the front of the queue
 * with the next attempt number; a result of an older attempt is ignored, so every job completes exactly
 * once. Jobs and results are opaque here (text and bytes): the experiments layer gives them meaning.
 *
 * <p>A driver may serve one plan after another ({@link Begin} .. {@link EndPlan}; the daemon's kept driver,
 * {@link JobFarm}): what it learnt of the cluster stays between plans (the directory's subscription and its
 * updates, each node's hello, slots and round trip, the watches both ways), so a plan pays none of those
 * messages again. Each plan's jobs go out under wire ids of their own ({@code planBase} + the job's id), so
 * a late message of an earlier plan names no job of this one and is dropped.
 */
public final class FarmDriver extends AbstractBehavior<FarmDriver.Command> {

  public sealed interface Command extends WireMessage {}

  /**
   * A node's answer to {@link FarmWorker.Hello}: it runs {@code slots} at once and holds up to {@code
   * prefetch} more in a queue of its own, so that a freed slot never waits for this driver's round trip; it
   * keeps up to {@code textCacheBytes} of shared text ({@link FarmWorker.TextCache}). Sent again when the
   * node's slots change (nodes sharing a machine re-split it as nodes come and go).
   */
  public record Ready(ActorRef<FarmWorker.Command> worker, String address, String version, int slots, int prefetch,
      long textCacheBytes) implements Command {}

  /** The node started the job (it may have waited in the node's prefetch queue since it was dispatched). */
  public record JobStarted(int job, int attempt, ActorRef<FarmWorker.Command> from) implements Command {}

  /** A running job's virtual time (sent at most every {@link FarmWorker#PROGRESS_MILLIS}). */
  public record JobProgress(int job, int attempt, ActorRef<FarmWorker.Command> from, long virtualNanos,
      long endNanos) implements Command {}

  /**
   * Part {@code chunk} of {@code chunks} of a job's deflated result; {@code heldNanos}: how long the node
   * had held the job when it sent this part (its queue, the run, deflate), {@code runNanos} the job
   * thread's time. The driver's round trip to the node is the job's time out minus {@code heldNanos}.
   * {@code nextJob} (attempt {@code nextAttempt}; -1: none) is this driver's queued job that the job's
   * thread went on to: it started, as a {@link JobStarted} would say (one message per job fewer).
   */
  public record JobResult(int job, int attempt, ActorRef<FarmWorker.Command> from, int chunk, int chunks, byte[] data,
      long heldNanos, long runNanos, int nextJob, int nextAttempt) implements Command {}

  /** The job could not run on the node (it refused the job's content, or failed outside the run). */
  public record JobFailed(int job, int attempt, ActorRef<FarmWorker.Command> from, String message)
      implements Command {}

  /**
   * The node does not have the job's shared text (it dropped it from its cache, or is a new process at a known
   * address): the job goes back at the front of the queue, and the text goes with the next job that names it there.
   */
  public record TextMissing(int job, int attempt, ActorRef<FarmWorker.Command> from) implements Command {}

  /** The node had no free slot (another driver uses it too): the job goes back on the queue. */
  public record JobRefused(int job, int attempt, ActorRef<FarmWorker.Command> from, String message)
      implements Command {}

  /** The node stopped these jobs (it lost sight of this driver): they go back on the queue. */
  public record Abandoned(ActorRef<FarmWorker.Command> from, int[] jobs) implements Command {}

  /** A node no longer watches this driver (the answer to {@link FarmWorker.Goodbye} and {@link FarmDirectory.Unsubscribe}). */
  public record Unwatched(String node, boolean directory) implements Command {}

  /** From the {@link FarmDirectory}: the cluster's farm workers that are up and reachable now. */
  public record Workers(List<ActorRef<FarmWorker.Command>> workers) implements Command {}

  /**
   * One job of the plan: {@code slots} the node's slots it takes, {@code shared} the text it shares with other
   * jobs (its point's experiment; sent to a node once, {@link FarmWorker.Shared}), {@code spec} what is its own;
   * the node's runner reads both.
   */
  public record Job(int id, int slots, String shared, String spec) {
    public Job {
      // the one way to farm a job: its text goes to a node once, then by digest (a node refuses a job naming none)
      if (shared.isEmpty()) throw new IllegalArgumentException("job " + id + " has no shared text");
    }
  }

  /** Queue more jobs (local). */
  public record Submit(List<Job> jobs) implements Command, NoSerializationVerificationNeeded {}

  /**
   * A kept driver's next plan begins (local): its events go to {@code events} from now on. The driver asks
   * the directory for the workers once more (its answer, {@link Listed}, proves that the seed still takes
   * this key) and says hello again to each listed node that is not ready (one lost in the last plan may
   * be back); the nodes it knows stay as they are.
   */
  public record Begin(Consumer<Event> events) implements Command, NoSerializationVerificationNeeded {}

  /**
   * A kept driver's plan is over (local): its jobs are forgotten (the nodes were told to abandon any left
   * out there), the nodes, their watches and the directory's subscription stay for the next plan; {@code
   * done} completes once that is so. No message goes to a node.
   */
  public record EndPlan(java.util.concurrent.CompletableFuture<Void> done)
      implements Command, NoSerializationVerificationNeeded {}

  /** Give up the plan: tell the nodes to abandon its jobs, report the rest as cancelled (local). */
  public enum Cancel implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /**
   * Say goodbye before this driver's actor system stops (local): the directory and every worker stop
   * watching it, and {@code done} completes once the directory and each ready node confirmed it (or
   * {@link #LEAVE_TIMEOUT} passed: a node that does not answer is lost anyway).
   */
  public record Leave(java.util.concurrent.CompletableFuture<Void> done)
      implements Command, NoSerializationVerificationNeeded {}

  /** How long a leaving driver waits for the nodes' confirmations (they take a loopback or LAN round trip). */
  static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(2);

  private enum LeaveTimeout implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private record WorkerGone(ActorRef<FarmWorker.Command> worker, String why)
      implements Command, NoSerializationVerificationNeeded {}

  private enum Tick implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** What the driver tells its client, on the actor's thread: the client must not block. */
  public sealed interface Event {}

  /**
   * The seed's directory answered this driver for the first time. Its answer came over the mutually
   * authenticated connection, so the seed takes this driver's key ({@link JobFarm#listed}).
   */
  public record Listed() implements Event {}

  /** A node takes jobs, {@code slots} at once (again when that changes). */
  public record NodeUp(String node, int slots) implements Event {}

  /** A node is gone; {@code requeued} of its jobs run again elsewhere. */
  public record NodeLost(String node, String why, List<Integer> requeued) implements Event {}

  /** The job went to {@code node} (it may wait there in the node's prefetch queue). */
  public record Dispatched(int job, String node) implements Event {}

  /** The job started running on {@code node}. */
  public record Started(int job, String node) implements Event {}

  /** A running job's virtual time. */
  public record Progress(int job, long virtualNanos, long endNanos) implements Event {}

  /** Exactly once per job: its result, or why it did not run ({@code result} null). */
  public record Done(int job, String node, byte[] result, String error) implements Event {}

  /** The plan cannot go on (no node for too long); every job not done is reported {@link Done} with the message first. */
  public record GaveUp(String message) implements Event {}

  public record Warning(String message) implements Event {}

  /**
   * @param expectedNodes dispatch nothing until this many nodes answered (0: start with the first)
   * @param joinTimeout how long the plan waits for its nodes, at the start or when every node is lost
   * @param directory the seed's {@link FarmDirectory}, which names the workers
   */
  public record Settings(int expectedNodes, Duration joinTimeout, long maxResultBytes,
      ActorRef<FarmDirectory.Command> directory) {}

  private static final class Node {
    final ActorRef<FarmWorker.Command> ref;
    final String address;
    int slots;
    /** The most jobs the node holds beyond its slots (what it advertises). */
    int prefetch;
    /** This driver's round trip to the node (outside the node: a result's way here, this driver's handling, the next job's way there). */
    final RoundTrip roundTrip = new RoundTrip();
    /** The moving mean of a job's run there; -1: none yet. */
    double runNanos = -1;
    /** Slots taken by jobs dispatched here and not finished (running or in the node's queue). */
    int used;
    /**
     * The shared texts sent to this node (its process: a new one at the address is a new Node), by digest: the
     * {@link #dispatches} count of the job that carried each.
     */
    final Map<String, Long> textsSent = new HashMap<>();
    /** Their bytes ({@link FarmWorker#textBytes}), against the node's {@link #textCacheBytes}. */
    long textsSentBytes;
    /** The shared text the node keeps, at most (its {@link Ready}). */
    final long textCacheBytes;
    final Set<Integer> jobs = new TreeSet<>();

    Node(ActorRef<FarmWorker.Command> ref, String address, int slots, int prefetch, long textCacheBytes) {
      this.ref = ref;
      this.address = address;
      this.slots = slots;
      this.prefetch = Math.max(0, prefetch);
      this.textCacheBytes = textCacheBytes;
    }

    /** Jobs to keep queued on the node beyond its slots now; {@code startPerSlot}: per slot before anything is measured. */
    int queueDepth(int startPerSlot) {
      return FarmDriver.queueDepth(slots, prefetch, roundTrip.boundNanos(), runNanos, startPerSlot);
    }

    /** Between plans: no job of a plan is here; a job's length is the next plan's to measure (the round trip stays). */
    void newPlan() {
      used = 0;
      jobs.clear();
      runNanos = -1;
      // the node keeps at most this many bytes of text: beyond, it dropped some (which, this driver cannot tell),
      // and most named would be asked for again anyway
      if (textsSentBytes > textCacheBytes) {
        textsSent.clear();
        textsSentBytes = 0;
      }
    }

    void observe(long roundTripSample, long runSample) {
      roundTrip.observe(roundTripSample);
      long run = Math.max(0, runSample);
      runNanos = runNanos < 0 ? run : runNanos + 0.25 * (run - runNanos);
    }
  }

  /**
   * A round trip's estimate as RFC 6298 makes it for TCP's retransmission timer: a smoothed mean and a
   * smoothed mean deviation, and from them a bound that few round trips exceed (mean + 4 deviations). On
   * a loaded machine a round trip to a node varies by several times a short job; a queue sized for the mean
   * runs dry whenever one takes longer, and its slot idles for the rest of that round trip.
   */
  static final class RoundTrip {
    private double meanNanos = -1;
    private double deviationNanos;

    void observe(long sampleNanos) {
      long r = Math.max(0, sampleNanos);
      if (meanNanos < 0) { // RFC 6298 2.2: the first measurement
        meanNanos = r;
        deviationNanos = r / 2.0;
      } else { // RFC 6298 2.3: beta = 1/4, alpha = 1/8, the deviation first (from the old mean)
        deviationNanos = 0.75 * deviationNanos + 0.25 * Math.abs(meanNanos - r);
        meanNanos = 0.875 * meanNanos + 0.125 * r;
      }
    }

    /** Mean + 4 mean deviations (RFC 6298 2.3's RTO without its clock granularity and minimum); -1: nothing measured. */
    double boundNanos() {
      return meanNanos < 0 ? -1 : meanNanos + 4 * deviationNanos;
    }
  }

  /**
   * How many more jobs than its slots a node should hold: per slot, enough to run while a finished job's
   * result comes to this driver and the next job goes there, for a round trip as long as {@code
   * roundTripBoundNanos} ({@link RoundTrip#boundNanos}: the jitter of the round trip, not only its mean); at
   * least one per slot ({@code startPerSlot} before anything is measured: {@link #startDepthPerSlot}), at
   * most what the node takes ({@code prefetch}). Deeper than needed only lengthens a plan's tail (a node's
   * queue is its own) and what a lost node holds back (docs/benchmarks.md).
   */
  static int queueDepth(int slots, int prefetch, double roundTripBoundNanos, double runNanos, int startPerSlot) {
    long perSlot = Math.max(1, startPerSlot);
    if (roundTripBoundNanos >= 0 && runNanos >= 0) {
      perSlot = Math.max(1, (long) Math.ceil(roundTripBoundNanos / Math.max(runNanos, 100_000.0)));
    }
    return (int) Math.min(prefetch, perSlot * Math.max(1, slots));
  }

  /**
   * Jobs per slot a node holds beyond its running ones before its first result measured a round trip and a
   * run: what the plan's size allows, so that a node's first jobs do not each wait for a round trip when
   * they are shorter than it (a queue of one per slot ran dry at the second job of every plan of short
   * jobs: docs/benchmarks.md). The plan's {@code openJobs} (not done) are shared out over the {@code
   * slots} of the nodes ready now, and only half of them go out unmeasured: the other half stays with this
   * driver for the nodes that turn out faster, so a plan of a few long jobs is not dealt out blind.
   */
  static int startDepthPerSlot(int openJobs, int slots) {
    return Math.max(1, openJobs / (2 * Math.max(1, slots)));
  }

  /** Where a job is. */
  private static final class JobState {
    final Job job;
    /** The job's id on the wire: {@code planBase} + its id in the plan. */
    final int wire;
    /** Its shared text's SHA-256. */
    final String digest;
    /** Its shared text's bytes ({@link FarmWorker#textBytes}). */
    final long textBytes;
    int attempt;
    Node node; // null: queued
    /** The node's slots it takes while there (its slots may change meanwhile). */
    int cost;
    boolean done;
    long dispatchedNanos;
    /** This driver's {@link #dispatches} count when the job went out. */
    long dispatch;
    ByteArrayOutputStream chunks;
    int nextChunk;

    JobState(Job job, int wire, String digest, long textBytes) {
      this.job = job;
      this.wire = wire;
      this.digest = digest;
      this.textBytes = textBytes;
    }
  }

  public static Behavior<Command> create(Settings settings, Consumer<Event> events) {
    return create(settings, events, () -> {});
  }

  /** As {@link #create(Settings, Consumer)}; {@code onStop} runs when the driver stops (a kept one is then dropped). */
  public static Behavior<Command> create(Settings settings, Consumer<Event> events, Runnable onStop) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new FarmDriver(ctx, timers, settings, events, onStop)));
  }

  private final Settings settings;
  /** Where this plan's events go (a kept driver's changes with each {@link Begin}; none between plans). */
  private Consumer<Event> events;
  /** This plan's jobs by wire id. */
  private final TreeMap<Integer, JobState> jobs = new TreeMap<>();
  /** Added to a job's id on the wire: past every id of this driver's earlier plans. */
  private int planBase;
  /** Jobs sent to nodes so far (it orders a job's dispatch against its shared text's sending there). */
  private long dispatches;
  /** Nodes of another build, and the warning each plan repeats (they get no jobs). */
  private final Map<String, String> mismatched = new TreeMap<>();
  private final Deque<Integer> queue = new ArrayDeque<>();
  /** Ready nodes by address (sorted: dispatch order does not depend on who answered first). */
  private final Map<String, Node> nodes = new TreeMap<>();
  /** Workers the directory listed and this driver said hello to (and watches). */
  private final Set<ActorRef<FarmWorker.Command>> asked = new HashSet<>();
  /** Nodes lost in this plan: not taken again before the next one. */
  private final Set<String> lost = new HashSet<>();
  /** The directory answered in this plan. */
  private boolean listed;
  /** Between a kept driver's plans: nothing is lost, no event goes anywhere. */
  private boolean idle;
  private boolean started;
  /** Jobs submitted and not done (queued, or out on a node). */
  private int openJobs;
  private long waitingSinceNanos = System.nanoTime();

  private final TimerScheduler<Command> timers;
  /** -Dcnemu.trace only: when each job last went out (epoch microseconds). */
  private final Map<Integer, Long> dispatchedMicros = new HashMap<>();
  private static final boolean TRACE = Boolean.getBoolean("cnemu.trace");

  private final Runnable onStop;

  private FarmDriver(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
      Consumer<Event> events, Runnable onStop) {
    super(ctx);
    this.onStop = onStop;
    this.timers = timers;
    this.settings = settings;
    this.events = events;
    settings.directory().tell(new FarmDirectory.Subscribe(ctx.getSelf()));
    // Until the directory answers (the seed may still be starting), and while jobs wait, ask again.
    timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofMillis(500));
  }

  private static final Consumer<Event> NOWHERE = e -> {};

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Workers.class, this::onWorkers)
        .onMessage(Ready.class, this::onReady)
        .onMessage(JobResult.class, this::onResult)
        .onMessage(JobStarted.class, this::onStarted)
        .onMessage(JobProgress.class, this::onProgress)
        .onMessage(JobFailed.class, this::onFailed)
        .onMessage(JobRefused.class, m -> requeueOne(m.job(), m.attempt(), m.from()))
        .onMessage(TextMissing.class, this::onTextMissing)
        .onMessage(Abandoned.class, this::onAbandoned)
        .onMessage(WorkerGone.class, this::onWorkerGone)
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Leave.class, this::onLeave)
        .onMessage(Begin.class, this::onBegin)
        .onMessage(EndPlan.class, this::onEndPlan)
        .onSignal(PostStop.class, sig -> {
          onStop.run();
          return this;
        })
        .build();
  }

  private Behavior<Command> onBegin(Begin m) {
    events = m.events();
    idle = false;
    listed = false;
    started = false;
    lost.clear();
    waitingSinceNanos = System.nanoTime();
    settings.directory().tell(new FarmDirectory.Subscribe(getContext().getSelf()));
    for (ActorRef<FarmWorker.Command> w : asked) {
      if (nodes.values().stream().noneMatch(n -> n.ref.equals(w))) w.tell(new FarmWorker.Hello(getContext().getSelf()));
    }
    if (!nodes.isEmpty()) JobFarm.trace("first node ready"); // the plan has them at once (bench/farm.sh's phases)
    for (Node n : nodes.values()) events.accept(new NodeUp(n.address, n.slots));
    mismatched.values().forEach(w -> events.accept(new Warning(w)));
    return this;
  }

  private Behavior<Command> onEndPlan(EndPlan m) {
    // a job still out (the plan was given up, or its caller stopped waiting) is abandoned on its node
    Set<Node> holding = new HashSet<>();
    for (JobState s : jobs.values()) if (s.node != null) holding.add(s.node);
    for (Node n : holding) n.ref.tell(new FarmWorker.Abandon(getContext().getSelf()));
    int last = jobs.isEmpty() ? planBase : jobs.lastKey() + 1;
    planBase = last < 0 || last > Integer.MAX_VALUE / 2 ? 0 : last; // wraps after ~10^9 jobs: no old one is out then
    jobs.clear();
    queue.clear();
    openJobs = 0;
    dispatchedMicros.clear();
    for (Node n : nodes.values()) n.newPlan();
    lost.clear();
    events = NOWHERE;
    idle = true;
    m.done().complete(null);
    return this;
  }

  private Behavior<Command> onLeave(Leave m) {
    timers.cancelAll(); // no Subscribe after the goodbye
    ActorRef<Command> self = getContext().getSelf();
    settings.directory().tell(new FarmDirectory.Unsubscribe(self));
    for (ActorRef<FarmWorker.Command> w : asked) {
      getContext().unwatch(w);
      w.tell(new FarmWorker.Goodbye(self));
    }
    // wait for the directory and for every node that is ready (one listed but silent is no reason to wait)
    boolean[] directoryWaits = {true};
    Set<String> waiting = new HashSet<>(nodes.keySet());
    timers.startSingleTimer(LeaveTimeout.INSTANCE, LEAVE_TIMEOUT);
    return Behaviors.receive(Command.class)
        .onMessage(Unwatched.class, u -> {
          if (u.directory()) directoryWaits[0] = false;
          else waiting.remove(u.node());
          if (directoryWaits[0] || !waiting.isEmpty()) return Behaviors.same();
          JobFarm.trace("nodes unwatched");
          m.done().complete(null);
          return Behaviors.stopped();
        })
        .onMessageEquals(LeaveTimeout.INSTANCE, () -> {
          m.done().complete(null);
          return Behaviors.stopped();
        })
        .onAnyMessage(x -> Behaviors.same()) // results and events of a plan that is over
        .build();
  }

  private Behavior<Command> onSubmit(Submit m) {
    Map<String, String> digests = new HashMap<>(); // a plan's jobs share a few texts: each hashed once
    Map<String, Long> sizes = new HashMap<>();
    for (Job j : m.jobs()) {
      int wire = planBase + j.id();
      if (j.id() < 0 || jobs.containsKey(wire)) throw new IllegalArgumentException("job " + j.id() + " submitted twice");
      String digest = digests.computeIfAbsent(j.shared(), FarmWorker::sha256Hex);
      jobs.put(wire, new JobState(j, wire, digest, sizes.computeIfAbsent(j.shared(), FarmWorker::textBytes)));
      queue.addLast(wire);
      openJobs++;
    }
    dispatch();
    return this;
  }

  private Behavior<Command> onWorkers(Workers m) {
    if (!listed) {
      JobFarm.trace("workers listed");
      events.accept(new Listed());
    }
    listed = true;
    for (ActorRef<FarmWorker.Command> w : m.workers()) {
      if (asked.add(w)) {
        getContext().watchWith(w, new WorkerGone(w, "stopped, or unreachable"));
        w.tell(new FarmWorker.Hello(getContext().getSelf()));
      }
    }
    // a node the seed no longer lists (unreachable, or it left the cluster) is gone too
    for (Node n : new ArrayList<>(nodes.values())) {
      if (!m.workers().contains(n.ref)) nodeGone(n.address, "gone from the cluster");
    }
    for (ActorRef<FarmWorker.Command> w : new ArrayList<>(asked)) {
      if (m.workers().contains(w)) continue;
      asked.remove(w); // one listed again later is asked again
      getContext().unwatch(w);
    }
    return this;
  }

  private Behavior<Command> onWorkerGone(WorkerGone m) {
    for (Node n : nodes.values()) {
      if (n.ref.equals(m.worker())) return nodeGone(n.address, m.why());
    }
    return this;
  }

  private Behavior<Command> onReady(Ready m) {
    if (lost.contains(m.address())) return this;
    Node known = nodes.get(m.address());
    if (known != null) {
      if (!known.ref.equals(m.worker())) return this;
      if (known.slots == m.slots() && known.prefetch == Math.max(0, m.prefetch())) return this;
      known.slots = m.slots(); // its machine was re-split: what is already there stays, counted as it was
      known.prefetch = Math.max(0, m.prefetch());
      events.accept(new NodeUp(m.address(), m.slots()));
      dispatch();
      return this;
    }
    String mine = CnemuVersion.current();
    if (!mine.equals(m.version())) {
      String w = "node " + m.address() + " runs cnemu " + m.version() + " but this driver runs " + mine
          + "; it gets no jobs (all nodes must run the same build)";
      if (!w.equals(mismatched.put(m.address(), w))) events.accept(new Warning(w));
      return this;
    }
    mismatched.remove(m.address());
    if (nodes.isEmpty() && lost.isEmpty()) JobFarm.trace("first node ready");
    nodes.put(m.address(), new Node(m.worker(), m.address(), m.slots(), m.prefetch(), m.textCacheBytes()));
    events.accept(new NodeUp(m.address(), m.slots()));
    dispatch();
    return this;
  }

  private void dispatch() {
    if (!started) {
      if (nodes.size() < Math.max(1, settings.expectedNodes())) return;
      started = true;
    }
    int readySlots = 0;
    for (Node n : nodes.values()) readySlots += n.slots;
    int startPerSlot = startDepthPerSlot(openJobs, readySlots);
    while (!queue.isEmpty()) {
      JobState s = jobs.get(queue.peekFirst());
      // the node with the most free slots; with none free, the one with the shortest queue (prefetch)
      Node best = null;
      for (Node n : nodes.values()) {
        int cost = Math.min(s.job.slots(), n.slots);
        if (n.slots + n.queueDepth(startPerSlot) - n.used >= cost && (best == null || n.slots - n.used > best.slots - best.used)) {
          best = n;
        }
      }
      if (best == null) return; // every node is full and its queue too: the next result frees room
      queue.pollFirst();
      s.node = best;
      s.chunks = null;
      s.nextChunk = 0;
      s.cost = Math.min(s.job.slots(), best.slots);
      s.dispatchedNanos = System.nanoTime();
      s.dispatch = ++dispatches;
      best.used += s.cost;
      best.jobs.add(s.wire);
      // the shared text goes with the first job that names it on this node, the later ones name its digest
      String text = "";
      if (best.textsSent.putIfAbsent(s.digest, s.dispatch) == null) {
        text = s.job.shared();
        best.textsSentBytes += s.textBytes;
      }
      best.ref.tell(new FarmWorker.RunJob(s.wire, s.attempt, s.job.slots(), s.digest, text, s.job.spec(),
          getContext().getSelf()));
      if (TRACE) dispatchedMicros.put(s.wire, JobFarm.epochMicros());
      events.accept(new Dispatched(s.job.id(), best.address));
    }
  }

  /** The job state (by wire id) if {@code from} runs attempt {@code attempt} of it now; null for a stale or foreign message. */
  private JobState current(int job, int attempt, ActorRef<FarmWorker.Command> from) {
    JobState s = jobs.get(job);
    if (s == null || s.done || s.node == null || s.attempt != attempt || !s.node.ref.equals(from)) return null;
    return s;
  }

  private Behavior<Command> onResult(JobResult m) {
    if (m.chunk() == 0 && m.nextJob() >= 0) onStarted(new JobStarted(m.nextJob(), m.nextAttempt(), m.from()));
    JobState s = current(m.job(), m.attempt(), m.from());
    if (s == null) return this;
    if (m.chunk() != s.nextChunk || m.chunks() < 1) {
      return finish(s, null, "result of job " + s.job.id() + " from " + s.node.address + " arrived out of order");
    }
    if (s.chunks == null) s.chunks = new ByteArrayOutputStream();
    s.chunks.writeBytes(m.data());
    s.nextChunk++;
    if (s.nextChunk < m.chunks()) return this;
    byte[] packed = s.chunks.toByteArray();
    s.chunks = null;
    s.node.observe(System.nanoTime() - s.dispatchedNanos - m.heldNanos(), m.runNanos());
    try {
      return finish(s, inflate(packed, settings.maxResultBytes()), null);
    } catch (DataFormatException e) {
      return finish(s, null, "result of job " + s.job.id() + " from " + s.node.address + " is corrupt: " + e.getMessage());
    }
  }

  private Behavior<Command> onStarted(JobStarted m) {
    JobState s = current(m.job(), m.attempt(), m.from());
    if (s != null) events.accept(new Started(s.job.id(), s.node.address));
    return this;
  }

  private Behavior<Command> onProgress(JobProgress m) {
    JobState s = current(m.job(), m.attempt(), m.from());
    if (s != null) events.accept(new Progress(s.job.id(), m.virtualNanos(), m.endNanos()));
    return this;
  }

  private Behavior<Command> onFailed(JobFailed m) {
    JobState s = current(m.job(), m.attempt(), m.from());
    if (s == null) return this;
    return finish(s, null, "node " + s.node.address + ": " + m.message());
  }

  private Behavior<Command> finish(JobState s, byte[] result, String error) {
    Node n = s.node;
    if (TRACE) {
      System.err.printf(java.util.Locale.ROOT, "TRACE farm driver timeline job %d dispatched %d done %d%n", s.wire,
          dispatchedMicros.getOrDefault(s.wire, 0L), JobFarm.epochMicros());
    }
    release(s);
    s.done = true;
    openJobs--;
    events.accept(new Done(s.job.id(), n.address, result, error));
    dispatch();
    return this;
  }

  private void release(JobState s) {
    Node n = s.node;
    if (n == null) return;
    n.used -= s.cost;
    n.jobs.remove(s.wire);
    s.node = null;
  }

  private Behavior<Command> requeueOne(int job, int attempt, ActorRef<FarmWorker.Command> from) {
    JobState s = current(job, attempt, from);
    if (s == null) return this;
    release(s);
    s.attempt++;
    queue.addFirst(job);
    getContext().scheduleOnce(Duration.ofMillis(200), getContext().getSelf(), new Submit(List.of()));
    return this;
  }

  /**
   * The node lacks the job's text: it goes with the job again, at once. The driver's messages to a node arrive in
   * order, so the node has the text before any later job that names it; and a job that went out before the text's
   * last sending found it missing before that sending arrived, so it needs no other.
   */
  private Behavior<Command> onTextMissing(TextMissing m) {
    JobState s = current(m.job(), m.attempt(), m.from());
    if (s == null) return this;
    Node n = s.node;
    Long sent = n.textsSent.get(s.digest);
    if (sent != null && sent <= s.dispatch) {
      n.textsSent.remove(s.digest);
      n.textsSentBytes -= s.textBytes;
    }
    release(s);
    s.attempt++;
    queue.addFirst(s.wire);
    dispatch();
    return this;
  }

  private Behavior<Command> onAbandoned(Abandoned m) {
    Node n = nodes.values().stream().filter(x -> x.ref.equals(m.from())).findFirst().orElse(null);
    if (n == null) return this;
    List<Integer> back = new ArrayList<>();
    for (int id : m.jobs()) {
      JobState s = jobs.get(id);
      if (s != null && !s.done && s.node == n) back.add(id);
    }
    requeue(n, back);
    dispatch();
    return this;
  }

  private void requeue(Node n, List<Integer> ids) {
    List<Integer> sorted = new ArrayList<>(ids);
    sorted.sort(null);
    for (int i = sorted.size() - 1; i >= 0; i--) {
      JobState s = jobs.get(sorted.get(i));
      release(s);
      s.attempt++;
      s.chunks = null;
      queue.addFirst(s.wire); // at the front: the plan's stragglers first
    }
  }

  private Behavior<Command> nodeGone(String address, String why) {
    Node n = nodes.remove(address);
    if (n == null) return this;
    if (!idle) lost.add(address); // between plans: the next plan may take it again when it answers
    asked.remove(n.ref);
    getContext().unwatch(n.ref);
    List<Integer> back = new ArrayList<>(n.jobs);
    requeue(n, back);
    n.ref.tell(new FarmWorker.Abandon(getContext().getSelf())); // if it is still there, free its slots
    List<Integer> ids = new ArrayList<>();
    for (int wire : back) ids.add(jobs.get(wire).job.id());
    events.accept(new NodeLost(address, why, ids));
    if (nodes.isEmpty()) waitingSinceNanos = System.nanoTime();
    dispatch();
    return this;
  }

  private Behavior<Command> onTick() {
    // Subscribe again until the directory answered, and while jobs wait: the answer is the whole list,
    // so a node that joins mid-plan gets jobs within a tick even if an update was lost on the way.
    if (!listed || !queue.isEmpty()) settings.directory().tell(new FarmDirectory.Subscribe(getContext().getSelf()));
    boolean waiting = !queue.isEmpty() && (!started || nodes.isEmpty());
    if (!waiting) {
      waitingSinceNanos = System.nanoTime();
      return this;
    }
    if (System.nanoTime() - waitingSinceNanos < settings.joinTimeout().toNanos()) return this;
    String message = !started && settings.expectedNodes() > 0
        ? "only " + nodes.size() + " of " + settings.expectedNodes() + " cnemu nodes answered within "
            + settings.joinTimeout().toSeconds() + " s: " + nodes.keySet()
        : "no cnemu node took jobs for " + settings.joinTimeout().toSeconds() + " s (start `bin/cnemu cluster seed` /"
            + " `worker` first" + (lost.isEmpty() ? "" : "; lost: " + new TreeSet<>(lost)) + ")";
    return giveUp(message);
  }

  private Behavior<Command> giveUp(String message) {
    events.accept(new GaveUp(message));
    for (JobState s : jobs.values()) {
      if (s.done) continue;
      s.done = true;
      events.accept(new Done(s.job.id(), s.node == null ? null : s.node.address, null, message));
      release(s);
    }
    queue.clear();
    openJobs = 0;
    for (Node n : nodes.values()) n.ref.tell(new FarmWorker.Abandon(getContext().getSelf()));
    // The plan is over (every job done, none out or queued), the goodbye or the end of the plan still to come
    // (JobFarm#close). The driver still hears of its nodes meanwhile: a kept one serves the next plan with them,
    // and must not miss a node's loss (its watch fires once).
    return this;
  }

  private Behavior<Command> onCancel() {
    return giveUp("cancelled before it ran");
  }

  /** The deflated bytes back, refusing more than {@code max} (a result that large is no results.json). */
  static byte[] inflate(byte[] packed, long max) throws DataFormatException {
    Inflater inf = new Inflater();
    try {
      inf.setInput(packed);
      ByteArrayOutputStream out = new ByteArrayOutputStream(packed.length * 4);
      byte[] buf = new byte[64 * 1024];
      while (!inf.finished()) {
        int n = inf.inflate(buf);
        // an empty result ends with nothing inflated and no input left: finished, not truncated
        if (n == 0 && !inf.finished() && (inf.needsInput() || inf.needsDictionary())) {
          throw new DataFormatException("truncated");
        }
        out.write(buf, 0, n);
        if (out.size() > max) throw new DataFormatException("larger than " + max + " bytes");
      }
      return out.toByteArray();
    } finally {
      inf.end();
    }
  }
}
