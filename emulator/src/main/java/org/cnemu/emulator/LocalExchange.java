package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.typed.ActorRef;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongUnaryOperator;

/**
 * The window traffic of a run whose partitions all live in this JVM: its partitions are dealt out in
 * contiguous blocks to one {@link PartitionGroup} per thread, and the groups hand each other their
 * window's batches and syncs through shared memory, one frame per pair of groups per window, instead
 * of one actor message per batch and sync through the dispatcher.
 *
 * <p>Why: a partition that waited for its peer's sync went back to the dispatcher's pool and parked;
 * the peer's message then had to wake a thread, which on a virtual machine costs tens of microseconds
 * (an idle virtual CPU is woken by the hypervisor) and which Linux runs on the waker's CPU while the
 * waker goes on computing, so that both partitions share one CPU and alternate instead of overlapping
 * (docs/benchmarks.md). Here a waiting group polls its peer's frame <em>while that peer is on a
 * CPU</em> (its frame comes at the end of the peer's window, the imbalance of a window away): it
 * reads the peer thread's CPU clock every few microseconds and parks once that clock stood still for
 * {@link #OFF_CPU_CHECKS} readings in a row (the peer was preempted, by the collector, the compilers
 * or another process: polling would only keep a CPU from it), at once when the peer waits itself (its
 * frame then depends on a third group), and after {@code spinNanos} at most. Once no group parks,
 * each keeps its CPU and no wake-up lies between windows: spin-then-park, the usual barrier of
 * parallel discrete-event simulation, with the spin bounded by what the peer does rather than by a
 * fixed time that either parks behind a slow window or burns a CPU behind a preempted peer. It polls
 * only when the run has no more threads than the machine has CPUs: on shared CPUs polling would take
 * the core the peer needs.
 *
 * <p>The frames carry the same {@link Partition.Deliver} and {@link Partition.Sync} objects in the
 * same order as the cluster's data plane does, so the windows and batches, hence results, are those of
 * every other way to run the same partitions.
 */
final class LocalExchange {
  /** How often a waiting group reads its peer's CPU clock while polling. */
  static final long CPU_CHECK_NANOS = 10_000;
  /** Readings of an unchanged peer CPU clock, in a row, after which a wait parks: ~50 us off its CPU. */
  static final int OFF_CPU_CHECKS = 5;

  private final int[] groupOf; // by partition
  private final int[][] members; // by group: its partitions, ascending
  private final long spinNanos;
  /** A thread's CPU time by its id, or -1 when unknown (then a wait polls up to {@code spinNanos}). */
  private final LongUnaryOperator threadCpuNanos;
  /** Per group: the id of its thread, once it opened its side (0 before). */
  private final AtomicLongArray threadOf;
  private final Pipe[][] pipes; // [from group][to group]
  private volatile boolean stopped;
  /** Per group: 1 + the group whose frame its thread waits for, or 0 while it works on its window. */
  private final AtomicIntegerArray waiting;
  /** Engine statistics: frames handed over, waits for one, those of them that parked, and why they parked. */
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong waits = new AtomicLong();
  private final AtomicLong parked = new AtomicLong();
  private final AtomicLong parkedPeerWaiting = new AtomicLong();
  private final AtomicLong parkedPeerOffCpu = new AtomicLong();
  /** Engine statistics: wall time in waits that polling served, and in those that parked. */
  private final AtomicLong polledWallNanos = new AtomicLong();
  private final AtomicLong parkedWallNanos = new AtomicLong();

  /** One direction between two groups: the frames in the order written, and the reader if parked. */
  private static final class Pipe {
    final ConcurrentLinkedQueue<Object[]> frames = new ConcurrentLinkedQueue<>();
    volatile Thread sleeper;
  }

  /**
   * @param partitions the run's partitions
   * @param threads threads for them; one group per thread, at most one per partition
   * @param spinNanos how long at most a waiting group polls while its peer is on a CPU, before it
   *     parks, when the run's threads fit the CPUs
   */
  LocalExchange(int partitions, int threads, long spinNanos) {
    this(partitions, threads, spinNanos, Runtime.getRuntime().availableProcessors(), LocalExchange::threadCpuNanos);
  }

  /**
   * @param cpus the machine's CPUs: polling only when the groups fit them
   * @param threadCpuNanos a thread's CPU time by its id, -1 if unknown (tests give their own clock)
   */
  LocalExchange(int partitions, int threads, long spinNanos, int cpus,
      LongUnaryOperator threadCpuNanos) {
    if (partitions < 1 || threads < 1) throw new IllegalArgumentException("partitions and threads must be >= 1");
    int groups = Math.min(partitions, threads);
    this.groupOf = new int[partitions];
    this.members = new int[groups][];
    for (int g = 0; g < groups; g++) {
      // contiguous blocks of (nearly) equal size: placement already balanced the partitions' work
      int from = (int) ((long) g * partitions / groups);
      int to = (int) ((long) (g + 1) * partitions / groups);
      members[g] = new int[to - from];
      for (int p = from; p < to; p++) {
        members[g][p - from] = p;
        groupOf[p] = g;
      }
    }
    this.spinNanos = groups <= cpus ? Math.max(0, spinNanos) : 0;
    this.threadCpuNanos = threadCpuNanos;
    this.threadOf = new AtomicLongArray(groups);
    this.waiting = new AtomicIntegerArray(groups);
    this.pipes = new Pipe[groups][groups];
    for (int a = 0; a < groups; a++) {
      for (int b = 0; b < groups; b++) {
        if (a != b) pipes[a][b] = new Pipe();
      }
    }
  }

  int groups() {
    return members.length;
  }

  private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

  /** The CPU time of the live thread {@code id} (a clock read, no allocation), -1 when the JVM cannot tell. */
  static long threadCpuNanos(long id) {
    try {
      return THREADS.getThreadCpuTime(id);
    } catch (UnsupportedOperationException e) {
      return -1;
    }
  }

  /** The partitions of group {@code g}, ascending. */
  int[] members(int g) {
    return members[g].clone();
  }

  /** Per partition, a name for its group: the groups' "data endpoints" in {@link Partition.Init}. */
  List<String> endpoints() {
    List<String> out = new ArrayList<>();
    for (int g : groupOf) out.add("thread " + g);
    return out;
  }

  /** Frames the groups have read from each other so far (one per pair of groups and window). */
  long framesHandedOver() {
    return frames.get();
  }

  /** -Dcnemu.trace: how the groups waited for each other. */
  String summary() {
    return String.format(Locale.ROOT, "%d threads, %d frames handed over, %d waits, %d of them parked"
        + " (%d because the peer waited for a third thread, %d because it was off its CPU; polling up to %d us while"
        + " the peer is on a CPU); waited %.3f s polling, %.3f s in waits that parked", members.length, frames.get(),
        waits.get(), parked.get(), parkedPeerWaiting.get(), parkedPeerOffCpu.get(), spinNanos / 1_000,
        polledWallNanos.get() / 1e9, parkedWallNanos.get() / 1e9);
  }

  /** Waits that parked so far (engine statistics). */
  long parkedWaits() {
    return parked.get();
  }

  /** Group {@code g}'s side; used from that group's thread only. */
  PartitionGroup.PeerTransport transport(int g) {
    return new Side(g);
  }

  /**
   * The run is over or failed (or the caller stopped waiting for it): every group stops at its next
   * window, a waiting one at once.
   */
  void stop() {
    stopped = true;
    for (Pipe[] row : pipes) {
      for (Pipe p : row) {
        if (p == null) continue;
        Thread t = p.sleeper;
        if (t != null) LockSupport.unpark(t);
      }
    }
  }

  private final class Side implements PartitionGroup.PeerTransport {
    private final int self;
    private final List<Object>[] pending; // by group: this window's batches and syncs for it
    private final Object[][] frame; // by group: the frame being read
    private final int[] read; // by group: how much of it

    @SuppressWarnings("unchecked")
    Side(int self) {
      this.self = self;
      int groups = members.length;
      this.pending = new List[groups];
      this.frame = new Object[groups][];
      this.read = new int[groups];
      for (int g = 0; g < groups; g++) pending[g] = new ArrayList<>();
    }

    @Override
    public boolean[] open(List<String> dataEndpoints, ActorRef<Coordinator.Command> coordinator) {
      threadOf.set(self, Thread.currentThread().getId()); // its peers watch this thread's CPU clock
      boolean[] other = new boolean[groupOf.length];
      for (int q = 0; q < other.length; q++) other[q] = groupOf[q] != self;
      return other;
    }

    @Override
    public void send(int partition, Partition.Command m) {
      pending[groupOf[partition]].add(m);
    }

    @Override
    public void sendToAll(Partition.Command m) {
      for (int g = 0; g < pending.length; g++) {
        if (g != self) pending[g].add(m);
      }
    }

    @Override
    public void flush() {
      for (int g = 0; g < pending.length; g++) {
        List<Object> l = pending[g];
        if (g == self || l.isEmpty()) continue;
        Pipe p = pipes[self][g];
        p.frames.offer(l.toArray());
        l.clear();
        // the offer (a CAS) comes before this read, the reader's sleeper write before its re-check:
        // one of the two sees the other, so no wake-up is lost
        Thread t = p.sleeper;
        if (t != null) LockSupport.unpark(t);
      }
    }

    @Override
    public Partition.Command receive(int partition) {
      int g = groupOf[partition];
      Object[] f = frame[g];
      if (f == null || read[g] == f.length) {
        f = next(g);
        if (f == null) return null;
        frame[g] = f;
        read[g] = 0;
      }
      return (Partition.Command) f[read[g]++];
    }

    /** The next frame from group {@code g}: polls while it works, else parks until it comes; null once stopped. */
    private Object[] next(int g) {
      Pipe p = pipes[g][self];
      Object[] f = p.frames.poll();
      if (f == null) {
        waiting.set(self, g + 1);
        try {
          f = await(p, g);
        } finally {
          waiting.set(self, 0);
        }
      }
      if (f != null) frames.incrementAndGet();
      return f;
    }

    private Object[] await(Pipe p, int g) {
      waits.incrementAndGet();
      long t0 = System.nanoTime(); // how long to poll, and engine statistics; never model time
      long spinUntil = t0 + spinNanos;
      long nextCheck = t0 + CPU_CHECK_NANOS; // when to read the peer's CPU clock: a short wait never does
      long peerCpu = Long.MIN_VALUE;
      int still = 0; // readings in a row that found the peer's CPU clock where it was
      boolean slept = false;
      while (true) {
        boolean stop = stopped; // read before the poll: a frame written before the stop is still read
        Object[] f = p.frames.poll();
        if (f != null) {
          (slept ? parkedWallNanos : polledWallNanos).addAndGet(System.nanoTime() - t0);
          return f;
        }
        if (stop) return null;
        if (!slept) {
          // The peer waits for a third group: it flushed its window already, so the frame needed here
          // comes only after its next window, which that group holds up: polling could burn a CPU for
          // long. A peer that waits for this group is about to work (this group flushed before waiting).
          int peerFor = waiting.get(g) - 1;
          boolean peerWaits = peerFor >= 0 && peerFor != self;
          long now = System.nanoTime();
          if (!peerWaits && now < spinUntil && now >= nextCheck) {
            // a peer off its CPU (preempted) does not end its window soon: leave it this CPU
            long id = threadOf.get(g);
            long cpu = id == 0 ? -1 : threadCpuNanos.applyAsLong(id);
            still = cpu >= 0 && cpu == peerCpu ? still + 1 : 0;
            peerCpu = cpu;
            nextCheck = now + CPU_CHECK_NANOS;
          }
          if (!peerWaits && still < OFF_CPU_CHECKS && now < spinUntil) {
            Thread.onSpinWait();
            continue;
          }
          parked.incrementAndGet();
          if (peerWaits) parkedPeerWaiting.incrementAndGet();
          else if (still >= OFF_CPU_CHECKS) parkedPeerOffCpu.incrementAndGet();
          slept = true;
        }
        p.sleeper = Thread.currentThread();
        if (p.frames.isEmpty() && !stopped) LockSupport.park(this);
        p.sleeper = null;
      }
    }

    @Override
    public boolean stopped() {
      return stopped;
    }

    @Override
    public void close() {
      // Nothing to release. A group that ended on its own has read its last window; when one fails
      // (reported by its core), the runner stops the exchange, which frees the others' waits.
    }
  }
}
