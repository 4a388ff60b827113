package org.cnemu.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.typed.ActorRef;

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
 * (docs/benchmarks.md). Here a waiting group polls its peer's frame <em>while that peer is working</em>
 * (its frame comes at the end of the peer's window, the imbalance of a window away), for up to
 * {@code spinNanos}; it parks at once when the peer waits itself (its frame then depends on a third
 * group), and after {@code spinNanos} (the peer was preempted: polling would only burn a CPU). Once no
 * group parks, each keeps its CPU and no wake-up lies between windows: bounded spin-then-park, the
 * usual barrier of parallel discrete-event simulation. It polls only when the run has no more threads
 * than the machine has CPUs: on shared CPUs polling would take the core the peer needs.
 *
 * <p>The frames carry the same {@link Partition.Deliver} and {@link Partition.Sync} objects in the
 * same order as the cluster's data plane does, so the windows and batches, hence results, are those of
 * every other way to run the same partitions.
 */
final class LocalExchange {
  private final int[] groupOf; // by partition
  private final int[][] members; // by group: its partitions, ascending
  private final long spinNanos;
  private final Pipe[][] pipes; // [from group][to group]
  private volatile boolean stopped;
  /** Per group: 1 + the group whose frame its thread waits for, or 0 while it works on its window. */
  private final java.util.concurrent.atomic.AtomicIntegerArray waiting;
  /** Engine statistics: frames handed over, waits for one, those of them that parked, and why they parked. */
  private final java.util.concurrent.atomic.AtomicLong frames = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong waits = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong parked = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong parkedPeerWaiting = new java.util.concurrent.atomic.AtomicLong();

  /** One direction between two groups: the frames in the order written, and the reader if parked. */
  private static final class Pipe {
    final ConcurrentLinkedQueue<Object[]> frames = new ConcurrentLinkedQueue<>();
    volatile Thread sleeper;
  }

  /**
   * @param partitions the run's partitions
   * @param threads threads for them; one group per thread, at most one per partition
   * @param spinNanos how long a waiting group polls before it parks, when the run's threads fit the CPUs
   */
  LocalExchange(int partitions, int threads, long spinNanos) {
    this(partitions, threads, spinNanos, Runtime.getRuntime().availableProcessors());
  }

  /** @param cpus the machine's CPUs: polling only when the groups fit them */
  LocalExchange(int partitions, int threads, long spinNanos, int cpus) {
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
    this.waiting = new java.util.concurrent.atomic.AtomicIntegerArray(groups);
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
    return String.format(java.util.Locale.ROOT, "%d threads, %d frames handed over, %d waits, %d of them parked"
        + " (%d because the peer waited for a third thread; polling up to %d us while the peer works)", members.length, frames.get(),
        waits.get(), parked.get(), parkedPeerWaiting.get(), spinNanos / 1_000);
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
    /**
     * How long the next wait may poll: {@code spinNanos}, halved (down to a sixteenth) after each wait
     * that outlasted it (the peer was preempted: on a loaded machine polling would take the core it
     * needs), back to {@code spinNanos} after a wait that polling served.
     */
    private long spin = spinNanos;

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
      long spinUntil = System.nanoTime() + spin; // how long to poll only; never model time
      boolean slept = false;
      boolean outlasted = false;
      while (true) {
        boolean stop = stopped; // read before the poll: a frame written before the stop is still read
        Object[] f = p.frames.poll();
        if (f != null) {
          if (!slept) spin = spinNanos;
          else if (outlasted) spin = Math.max(spin / 2, spinNanos / 16);
          return f;
        }
        if (stop) return null;
        if (!slept) {
          // The peer waits for a third group: it flushed its window already, so the frame needed here
          // comes only after its next window, which that group holds up: polling could burn a CPU for
          // long. A peer that waits for this group is about to work (this group flushed before waiting).
          int peerFor = waiting.get(g) - 1;
          boolean peerWaits = peerFor >= 0 && peerFor != self;
          if (!peerWaits && System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
            continue;
          }
          parked.incrementAndGet();
          if (peerWaits) parkedPeerWaiting.incrementAndGet();
          else outlasted = spin > 0;
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
