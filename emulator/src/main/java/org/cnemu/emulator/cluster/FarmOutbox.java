package org.cnemu.emulator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A node's finished results for one driver that go back together, in one {@link FarmDriver.Results}
 * message: a job thread that ends a job and goes straight on to another job of the same driver may hold
 * the result here, up to the {@code resultsPerMessage} the driver last asked for ({@link
 * FarmWorker.RunJobs}). Every other ending sends what is held at once: a thread with no next job of this
 * driver (so no slot of this node idles while results wait here, and a plan's last result is never
 * held), a failure, a full batch; a message's parts stay within {@link FarmWorker#CHUNK_BYTES}. Each
 * message costs the three JVMs' messaging (Artery, TLS, the actors' wake-ups) far more than its bytes
 * (docs/benchmarks.md); the results and the starts of the jobs that followed them share one.
 * Shared by the node's actor and its job threads.
 */
final class FarmOutbox {
  /** A held chunk of a result; its time on the node runs until it goes out. */
  private record Held(int job, int attempt, int chunk, int chunks, byte[] data, long receivedNanos, long runNanos) {}

  private final ActorRef<FarmDriver.Command> driver;
  private final ActorRef<FarmWorker.Command> node;
  private final List<Held> held = new ArrayList<>();
  private final List<FarmDriver.Begun> started = new ArrayList<>();
  private int heldResults;
  private int heldBytes;
  private int resultsPerMessage = 1;
  /** The node abandoned this driver's jobs: nothing more goes out of this outbox. */
  private boolean closed;

  FarmOutbox(ActorRef<FarmDriver.Command> driver, ActorRef<FarmWorker.Command> node) {
    this.driver = driver;
    this.node = node;
  }

  /** What the driver asked for with its latest jobs (at least one). */
  synchronized void resultsPerMessage(int n) {
    resultsPerMessage = Math.max(1, n);
  }

  /**
   * Job {@code job}'s deflated result {@code packed}, and {@code next} (null: none), the job of this driver
   * its thread went on to: held while {@code next} is set and fewer than {@code resultsPerMessage} results
   * are held, else sent with everything held.
   */
  synchronized void add(int job, int attempt, long receivedNanos, long runNanos, byte[] packed, FarmDriver.Begun next) {
    if (closed) return; // abandoned meanwhile: the driver has this job back already
    int chunks = Math.max(1, (packed.length + FarmWorker.CHUNK_BYTES - 1) / FarmWorker.CHUNK_BYTES);
    for (int i = 0; i < chunks; i++) {
      int from = i * FarmWorker.CHUNK_BYTES;
      byte[] part = chunks == 1 ? packed
          : java.util.Arrays.copyOfRange(packed, from, Math.min(packed.length, from + FarmWorker.CHUNK_BYTES));
      if (!held.isEmpty() && heldBytes + part.length > FarmWorker.CHUNK_BYTES) send();
      held.add(new Held(job, attempt, i, chunks, part, receivedNanos, runNanos));
      heldBytes += part.length;
    }
    heldResults++;
    if (next != null) started.add(next);
    if (next == null || heldResults >= resultsPerMessage) send();
  }

  /** Sends what is held (a failure follows, or a thread of this driver's found no next job). */
  synchronized void flush() {
    if (!closed && (!held.isEmpty() || !started.isEmpty())) send();
  }

  /** Drops what is held and closes this outbox (the node abandons this driver's jobs): the jobs whose results were held. */
  synchronized TreeSet<Integer> close() {
    closed = true;
    TreeSet<Integer> jobs = new TreeSet<>();
    for (Held h : held) jobs.add(h.job());
    held.clear();
    started.clear();
    heldResults = 0;
    heldBytes = 0;
    return jobs;
  }

  private void send() {
    long now = System.nanoTime();
    List<FarmDriver.ResultPart> parts = new ArrayList<>(held.size());
    // the time the node held each job (its queue, the run, deflate, and here): the driver takes it from the
    // job's round trip to know its own latency to this node, which sets how many jobs it keeps queued here
    for (Held h : held) {
      parts.add(new FarmDriver.ResultPart(h.job(), h.attempt(), h.chunk(), h.chunks(), h.data(), now - h.receivedNanos(),
          h.runNanos()));
    }
    driver.tell(new FarmDriver.Results(node, List.copyOf(parts), List.copyOf(started)));
    held.clear();
    started.clear();
    heldResults = 0;
    heldBytes = 0;
  }
}
