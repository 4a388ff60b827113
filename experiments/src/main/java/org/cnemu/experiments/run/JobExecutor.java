package org.cnemu.experiments.run;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cnemu.emulator.Coordinator;

/**
 * How {@link PlanRunner} gets a plan's jobs run: in this JVM ({@link LocalJobs}, several at once) or
 * farmed to the nodes of a cluster ({@link FarmedJobs}). The runner keeps everything else (folders,
 * results files, summaries, reports, listeners) whatever executes the jobs.
 */
interface JobExecutor {
  /**
   * Runs every job of {@code jobs} once, starting them in that order ({@link Plan#startOrder}), calling {@link Sink#finished} exactly once per job (from any
   * thread, several at once), and returns when all are finished. Once {@code cancel} is set (also when
   * the calling thread's {@link org.cnemu.emulator.Cancellation} is requested) jobs not started finish as
   * cancelled and running ones are stopped.
   */
  void runAll(Plan plan, List<Plan.Job> jobs, AtomicBoolean cancel, Sink sink) throws IOException;

  /** What a job gave: the text of its results.json, or why none was made ({@code json} null). */
  record Finished(String json, String error) {
    static Finished results(String json) {
      return new Finished(json, null);
    }

    static Finished error(String error) {
      return new Finished(null, error);
    }
  }

  /** The runner's side. */
  interface Sink {
    /** A job starts (here, or on the named cluster node). */
    void started(Plan.Job job, String node);

    /** Progress of a job run in this JVM, or null. */
    Coordinator.ProgressListener progress(Plan.Job job);

    void finished(Plan.Job job, Finished finished) throws IOException;

    /** Something to tell the user that does not change any result (a lost cluster node, ...). */
    void warning(String message);

    /** Something the user may like to know (a cluster node joined the plan). */
    void note(String message);
  }

  /** Whether several jobs may run at once (the start order then puts the longest first, {@link Plan#startOrder}). */
  boolean concurrent();

  /**
   * Waits, at most {@code wait}, until jobs can be handed out (a farmed plan: the seed answered); null then,
   * else one line saying why the plan cannot run. Called before the results folder is cleaned.
   */
  default String awaitReady(java.time.Duration wait) {
    return null;
  }

  /** Nodes lost while the plan ran (a farmed plan), in order. */
  default List<String> lostNodes() {
    return List.of();
  }

  /** Jobs each cluster node completed, by address (a farmed plan). */
  default java.util.Map<String, Integer> jobsByNode() {
    return java.util.Map.of();
  }
}
