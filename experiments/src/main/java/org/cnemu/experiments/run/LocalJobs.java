package org.cnemu.experiments.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cnemu.emulator.Cancellation;

/**
 * Runs a plan's jobs in this JVM, up to {@code parallel} at once, each on its own simulation (results
 * never depend on how many run at once). With a cluster target each job's partitions are dealt over the
 * cluster's nodes (one job at a time): the partitioned mode of {@code run --cluster}.
 */
final class LocalJobs implements JobExecutor {
  private final int parallel;
  private final PlanRunner.Options options;

  LocalJobs(int parallel, PlanRunner.Options options) {
    this.parallel = parallel;
    this.options = options;
  }

  @Override
  public boolean concurrent() {
    return parallel > 1;
  }

  @Override
  public void runAll(Plan plan, List<Plan.Job> jobs, AtomicBoolean cancel, Sink sink) throws IOException {
    if (parallel == 1) {
      runHere(plan, jobs, cancel, sink);
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
      Thread t = new Thread(r, "cnemu-job");
      t.setDaemon(true);
      return t;
    });
    List<Future<?>> futures = new ArrayList<>();
    // several at once: each on a pool thread of its own
    try {
      for (Plan.Job job : jobs) {
        futures.add(pool.submit(() -> {
          PhaseTrace.mark("job-thread");
          Cancellation.watch(cancel);
          try {
            runOne(plan, job, cancel, sink);
          } finally {
            Cancellation.clear();
          }
          return null;
        }));
      }
      // wait, passing a cancellation of the calling thread (the daemon's client went away, a command
      // preempting the daemon's warm-up) on to the jobs; polled often, as a preempted warm-up delays a command
      for (Future<?> f : futures) {
        while (true) {
          try {
            f.get(5, TimeUnit.MILLISECONDS);
            break;
          } catch (TimeoutException e) {
            if (Cancellation.requested()) cancel.set(true);
          } catch (InterruptedException e) {
            cancel.set(true);
            Thread.currentThread().interrupt();
          } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * One job at a time: on the calling thread, in order. No pool to start, no hand-off to a job thread and
   * no polling for the caller's cancellation (the daemon serving a command, its warm-up): the runs see
   * the caller's {@link Cancellation} flag themselves.
   */
  private void runHere(Plan plan, List<Plan.Job> jobs, AtomicBoolean cancel, Sink sink) throws IOException {
    for (Plan.Job job : jobs) {
      if (Cancellation.requested()) cancel.set(true);
      runOne(plan, job, cancel, sink);
    }
    if (Cancellation.requested()) cancel.set(true);
  }

  /** One job, on whichever thread calls: answered as cancelled without running once the plan is cancelled. */
  private void runOne(Plan plan, Plan.Job job, AtomicBoolean cancel, Sink sink) throws IOException {
    if (cancel.get()) {
      sink.finished(job, Finished.error(PlanRunner.CANCELLED));
      return;
    }
    sink.started(job, null);
    sink.finished(job, Finished.results(run(plan, job, sink)));
  }

  private String run(Plan plan, Plan.Job job, Sink sink) {
    Plan.Point p = plan.point(job);
    JobWork.Spec spec = new JobWork.Spec(p.spec(), plan.group(job).pekkoOverrides(), job.run(), job.seed(),
        job.dir().toString(), options.threads(), null);
    JobWork.BeforeRun retag = options.live() == null ? null
        : s -> org.cnemu.experiments.live.LiveMetrics.retag(PlanRunner.runTags(s.point(), s.run()));
    return JobWork.run(spec, options.cluster(), sink.progress(job), retag, "run" + job.index());
  }
}
