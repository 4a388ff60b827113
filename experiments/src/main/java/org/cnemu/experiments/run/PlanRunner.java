package org.cnemu.experiments.run;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.JvmCpu;
import org.cnemu.emulator.cluster.ClusterNode;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentSpec;
import org.cnemu.experiments.live.LiveMetrics;
import org.cnemu.experiments.report.Reports;

/**
 * Executes any {@link Plan}: a plain run, repetitions, a sweep, a comparison, a suite. It owns the output
 * folder (lock, stale results removed first), runs up to {@code jobs} jobs at once (each on its own
 * simulation; results never depend on how many run at once), writes each job's results.json atomically,
 * then each point's and each sweep's summary.json and reports as soon as their last job is done. Live
 * metrics, cancellation (the daemon's client going away) and cluster runs are handled here, once. Who
 * runs the jobs is a {@link JobExecutor}: this JVM ({@link LocalJobs}), or the nodes of a cluster that
 * take whole jobs ({@link FarmedJobs}).
 */
public final class PlanRunner {
  /** -Dcnemu.trace=true (benchmarks only): the JVM's CPU by thread kind during the jobs, on stderr. */
  private static final boolean TRACE = Boolean.getBoolean("cnemu.trace");
  public static final String RESULTS_FILE = "results.json";
  public static final String SUMMARY_FILE = "summary.json";
  /** The error of a job that never started because the plan was cancelled. */
  static final String CANCELLED = "cancelled before it started";

  /**
   * How to execute: never part of the results.
   *
   * @param jobs jobs at once (at least 1; forced to 1 with live metrics or partitions on a cluster; a farmed
   *     plan runs as many as the cluster's nodes have slots)
   * @param threads dispatcher threads per run, or null for the experiment's engine.threads
   * @param reports also write CSV tables, plots and report.html next to each results.json
   * @param shownRoot the plan's folder as the user named it (messages)
   */
  public record Options(int jobs, Integer threads, boolean reports, ClusterTarget cluster, LiveMetrics.Settings live,
      String shownRoot) {
    public Options {
      if (jobs < 1) throw new IllegalArgumentException("jobs must be at least 1");
    }
  }

  /** How a plan uses a cluster. */
  public enum ClusterMode {
    /** Whole jobs go to the nodes, as many at once as their slots allow. */
    JOBS,
    /** One job at a time, its partitions dealt over the nodes. */
    PARTITIONS;

    /** Jobs when the plan has several jobs of one partition each; else partitions (a single large run). */
    public static ClusterMode defaultFor(Plan plan) {
      boolean onePartition = plan.groups().stream().flatMap(g -> g.points().stream())
          .allMatch(p -> p.settings().partitions() <= 1);
      return plan.jobs().size() > 1 && onePartition ? JOBS : PARTITIONS;
    }
  }

  /**
   * Run on a Pekko cluster reached through {@code seed}; this JVM joins at {@code bind}.
   *
   * @param nodes PARTITIONS: nodes that host each run's partitions (0 = every member that is up); JOBS:
   *     nodes that must have joined before the first job is handed out (0 = start with the first)
   * @param hostPartitions PARTITIONS: whether this JVM hosts partitions too, or only coordinates (a
   *     farming JVM always only coordinates)
   * @param security the cluster key or --insecure, already checked against the seed
   * @param farm a farming driver started before the plan was known ({@link FarmedJobs#open}), or null:
   *     JOBS starts one, PARTITIONS does not use it
   */
  public record ClusterTarget(ClusterNode.HostPort seed, ClusterNode.HostPort bind, int nodes, boolean hostPartitions,
      org.cnemu.emulator.cluster.ClusterSecurity security, ClusterMode mode,
      java.util.concurrent.CompletableFuture<org.cnemu.emulator.cluster.JobFarm> farm) {}

  /** Hooks for the terminal; called from the job threads (implementations synchronize their printing). */
  public interface Listener {
    /** The results folder is this run's (locked, an earlier run's files removed): the plan is about to start. */
    default void folderClaimed() {}

    default void jobStarted(Plan.Job job) {}

    /** Progress of a job's run, or null for none. */
    default Coordinator.ProgressListener progress(Plan.Job job) {
      return null;
    }

    default void jobFinished(JobOutcome outcome) {}

    /** A job of a farmed plan was handed to a cluster node. */
    default void jobDispatched(Plan.Job job, String node) {}

    /** Something the user may like to know that is no warning (a cluster node joined the plan). */
    default void note(String message) {}

    default void pointFinished(PointOutcome outcome) {}

    default void groupFinished(GroupOutcome outcome) {}

    /** Something went wrong that does not invalidate the results (e.g. a report could not be drawn). */
    default void warning(String message) {}
  }

  /** One job's outcome: its results.json as written, and the document read back from it. */
  public record JobOutcome(Plan.Job job, Path resultsFile, boolean complete, String error,
      Map<String, Object> document, Wall wall) {}

  /** All runs of one point, by run index; {@code summaryFile} is null for a single run. */
  public record PointOutcome(Plan.Group group, Plan.Point point, List<JobOutcome> runs, Path summaryFile) {
    public boolean complete() {
      return runs.stream().allMatch(JobOutcome::complete);
    }

    public JobOutcome firstFailure() {
      return runs.stream().filter(r -> !r.complete()).findFirst().orElse(null);
    }
  }

  /** All points of one experiment file; {@code summaryFile} is the sweep's (null for a single configuration). */
  public record GroupOutcome(Plan.Group group, List<PointOutcome> points, Path summaryFile, double wallSeconds) {
    public boolean complete() {
      return points.stream().allMatch(PointOutcome::complete);
    }

    public PointOutcome firstFailure() {
      return points.stream().filter(p -> !p.complete()).findFirst().orElse(null);
    }

    /** The file that names the group's results: the sweep summary, the point summary, or results.json. */
    public Path mainFile() {
      if (summaryFile != null) return summaryFile;
      if (points.isEmpty()) return null;
      PointOutcome p = points.get(0);
      return p.summaryFile() != null ? p.summaryFile() : p.runs().get(0).resultsFile();
    }
  }

  /**
   * The whole plan, groups in plan order.
   *
   * @param jobsByNode jobs each cluster node completed (a farmed plan; else empty)
   * @param lostNodes cluster nodes lost mid-plan, whose unfinished jobs ran again elsewhere
   */
  public record Outcome(Plan plan, List<GroupOutcome> groups, boolean cancelled, Map<String, Integer> jobsByNode,
      List<String> lostNodes) {
    public boolean complete() {
      return !cancelled && groups.stream().filter(g -> g.group().runs()).allMatch(GroupOutcome::complete);
    }
  }

  /** Dispatcher threads one run uses: --threads, else engine.threads; 0 = one per processor. */
  public static int threads(EngineSettings s, Integer threadsOption) {
    int t = threadsOption != null ? threadsOption : s.threadsSetting();
    return t > 0 ? t : Runtime.getRuntime().availableProcessors();
  }

  /**
   * Threads that run a job's partitions in this JVM, of a dispatcher of {@code threads}: one partition runs on
   * the calling thread, without the dispatcher; more run on its threads, each thread a block of partitions,
   * so at most one thread per partition.
   */
  public static int partitionThreads(int partitions, int threads) {
    return partitions == 1 ? 1 : Math.min(partitions, threads);
  }

  /** {@link #partitionThreads(int, int)} of a run with these settings and --threads. */
  public static int partitionThreads(EngineSettings s, Integer threadsOption) {
    return partitionThreads(s.partitions(), threads(s, threadsOption));
  }

  /**
   * Jobs at once when the user does not say: as many as the processors hold given the threads each run's
   * partitions use ({@link #partitionThreads}), never more than there are jobs.
   */
  public static int defaultJobs(Plan plan, Integer threadsOption) {
    int perJob = 1;
    for (Plan.Group g : plan.groups()) {
      for (Plan.Point p : g.points()) perJob = Math.max(perJob, partitionThreads(p.settings(), threadsOption));
    }
    int cores = Runtime.getRuntime().availableProcessors();
    return Math.max(1, Math.min(plan.jobs().size(), cores / perJob));
  }

  /** How long a farmed plan waits for the seed's first answer before it refuses, its folder untouched. */
  private final java.time.Duration seedWait;

  public PlanRunner() {
    this(FarmedJobs.JOIN_TIMEOUT);
  }

  /** Tests: a farmed plan's wait for the seed. */
  PlanRunner(java.time.Duration seedWait) {
    this.seedWait = seedWait;
  }

  public Outcome run(Plan plan, Options options, Listener listener) throws IOException {
    boolean farmed = options.cluster() != null && options.cluster().mode() == ClusterMode.JOBS;
    boolean serial = options.live() != null || (options.cluster() != null && !farmed);
    int jobs = serial ? 1 : Math.min(options.jobs(), Math.max(1, plan.jobs().size()));
    try (OutputFolder folder = OutputFolder.lock(plan.root(), options.shownRoot())) {
      JobExecutor executor = farmed ? new FarmedJobs(options) : new LocalJobs(jobs, options);
      // Only a plan that can run empties the folder: a farmed one whose seed never answers (a wrong
      // address) is refused with the earlier results in place. Cleaning still precedes every job's write, so
      // an interrupted rerun never leaves old results that look like its own.
      String notReady = executor.awaitReady(seedWait);
      if (notReady != null) throw new OutputFolder.Refused(notReady);
      OutputFolder.clean(plan.root());
      for (Plan.Group g : plan.groups()) OutputFolder.clean(g.dir());
      PhaseTrace.mark("folder");
      listener.folderClaimed();
      if (options.live() == null) return execute(plan, options, executor, listener);
      // Kamon before any actor system, so its Pekko instrumentation (if asked for) sees them all.
      LiveMetrics.Settings live = options.live();
      Config kamon = plan.groups().stream().filter(Plan.Group::runs).map(Plan.Group::kamonOverrides)
          .filter(k -> k != null && !k.isEmpty()).findFirst().orElse(null);
      if (kamon != null) {
        live = new LiveMetrics.Settings(live.host(), live.port(), live.instrumentActors(),
            kamon.withFallback(live.kamonOverrides()));
      }
      Plan.Job first = plan.jobs().isEmpty() ? null : plan.jobs().get(0);
      try (LiveMetrics metrics = LiveMetrics.start(live,
          first == null ? Map.of() : runTags(plan.point(first).spec(), 0))) {
        return execute(plan, options, executor, listener);
      }
    }
  }

  private Outcome execute(Plan plan, Options options, JobExecutor executor, Listener listener) throws IOException {
    List<Plan.Job> all = plan.jobs();
    AtomicReferenceArray<JobOutcome> outcomes = new AtomicReferenceArray<>(all.size());
    List<List<AtomicInteger>> pointsLeft = new ArrayList<>();
    List<AtomicInteger> groupsLeft = new ArrayList<>();
    List<PointOutcome[]> pointOutcomes = new ArrayList<>();
    List<GroupOutcome> groupOutcomes = new ArrayList<>();
    for (Plan.Group g : plan.groups()) {
      List<AtomicInteger> left = new ArrayList<>();
      for (Plan.Point p : g.points()) left.add(new AtomicInteger(p.jobs().size()));
      pointsLeft.add(left);
      groupsLeft.add(new AtomicInteger(g.points().size()));
      pointOutcomes.add(new PointOutcome[g.points().size()]);
      groupOutcomes.add(null);
    }
    AtomicBoolean cancel = new AtomicBoolean();
    long start = System.nanoTime();
    Map<String, Double> cpuAtStart = TRACE ? JvmCpu.read() : Map.of();
    executor.runAll(plan, plan.startOrder(executor.concurrent()), cancel, new JobExecutor.Sink() {
      @Override
      public void started(Plan.Job job, String node) {
        if (node != null) listener.jobDispatched(job, node);
        listener.jobStarted(job);
      }

      @Override
      public Coordinator.ProgressListener progress(Plan.Job job) {
        return listener.progress(job);
      }

      @Override
      public void warning(String message) {
        listener.warning(message);
      }

      @Override
      public void note(String message) {
        listener.note(message);
      }

      @Override
      public void finished(Plan.Job job, JobExecutor.Finished f) throws IOException {
        JobOutcome o = write(plan, job, f, options);
        PhaseTrace.mark("write");
        if (options.reports()) report(() -> Reports.writeRun(job.dir()), job.dir(), listener);
        outcomes.set(job.index(), o);
        listener.jobFinished(o);
        if (pointsLeft.get(job.group()).get(job.point()).decrementAndGet() == 0) {
          PointOutcome po = finishPoint(plan, plan.group(job), plan.point(job), outcomes, options, listener);
          pointOutcomes.get(job.group())[job.point()] = po;
          listener.pointFinished(po);
          if (groupsLeft.get(job.group()).decrementAndGet() == 0) {
            GroupOutcome go = finishGroup(plan.group(job), List.of(pointOutcomes.get(job.group())), options,
                listener, start);
            synchronized (groupOutcomes) {
              groupOutcomes.set(job.group(), go);
            }
            listener.groupFinished(go);
          }
        }
      }
    });
    PhaseTrace.mark("jobs-joined");
    // the JIT and the collector beside the jobs (bench/jobs.sh): with several jobs at once they share the cores
    if (TRACE) System.err.println(JvmCpu.line("the jobs", cpuAtStart, JvmCpu.read()));
    List<GroupOutcome> groups = new ArrayList<>();
    for (Plan.Group g : plan.groups()) {
      GroupOutcome go;
      synchronized (groupOutcomes) {
        go = groupOutcomes.get(g.index());
      }
      groups.add(go != null ? go : new GroupOutcome(g, List.of(), null, 0));
    }
    return new Outcome(plan, List.copyOf(groups), cancel.get(), executor.jobsByNode(), executor.lostNodes());
  }

  /**
   * Writes a job's results.json atomically (the text its executor made, byte for byte) and reads it back:
   * summaries and tables use the document as it is on disk, wherever the job ran.
   */
  private static JobOutcome write(Plan plan, Plan.Job job, JobExecutor.Finished f, Options options)
      throws IOException {
    Path file = job.dir().resolve(RESULTS_FILE);
    Files.createDirectories(job.dir());
    String error = f.error();
    Map<String, Object> doc = null;
    if (f.json() != null) {
      doc = parse(f.json());
      if (doc == null) error = "the results that came back are not a results document";
      else JsonFiles.writeAtomically(file, f.json());
    }
    if (doc == null) {
      Plan.Point p = plan.point(job);
      EngineSettings s = p.settings();
      ResultsDocument.RunSpec spec = new ResultsDocument.RunSpec(s.name(), job.run(), job.seed(), s.durationNanos());
      int threads = CANCELLED.equals(error) ? 0 : threads(s, options.threads());
      doc = ResultsDocument.failed(spec, ConfigJson.of(p.experiment()), error,
          new Wall(0, 0, 0, threads, 0, job.dir().toString(), null));
      JsonFiles.writeAtomically(file, doc);
      doc = parse(JsonFiles.toJson(doc));
    }
    boolean complete = Boolean.TRUE.equals(doc.get("complete"));
    String why = complete ? null : String.valueOf(doc.getOrDefault("error", "incomplete"));
    return new JobOutcome(job, file, complete, why, doc, Wall.of(doc.get("wall")));
  }

  /** A results document from its text, or null when it is none. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) {
    try {
      Object o = JsonFiles.MAPPER.readValue(json, LinkedHashMap.class);
      return o instanceof Map<?, ?> m && m.get("complete") instanceof Boolean ? (Map<String, Object>) m : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Tags on every live series of a run of point {@code p}: experiment and run, then the model's own. */
  static Map<String, String> runTags(ExperimentSpec.Point p, int run) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("experiment", p.settings().name());
    tags.put("run", Integer.toString(run));
    p.model().tags().forEach(tags::putIfAbsent);
    return tags;
  }

  /** Whether every run completed with exactly the same model metrics (repetitions that repeat nothing). */
  static boolean allIdentical(List<JobOutcome> runs) {
    java.util.Map<String, Double> first = null;
    for (JobOutcome r : runs) {
      if (!r.complete()) return false;
      java.util.Map<String, Double> m = org.cnemu.experiments.report.Metrics.ofDocument(r.document());
      m.keySet().removeIf(k -> k.startsWith("engine."));
      if (m.isEmpty()) return false;
      if (first == null) first = m;
      else if (!first.equals(m)) return false;
    }
    return true;
  }

  private static PointOutcome finishPoint(Plan plan, Plan.Group g, Plan.Point p, AtomicReferenceArray<JobOutcome> all,
      Options options, Listener listener) throws IOException {
    List<JobOutcome> runs = new ArrayList<>();
    for (int id : p.jobs()) runs.add(all.get(id));
    Path summary = null;
    if (runs.size() > 1) {
      if (allIdentical(runs)) {
        listener.warning(p.path() + ": all " + runs.size() + " runs gave identical metrics: what the runs draw from"
            + " their seeds changes nothing in this experiment, so its 95% confidence intervals are zero-width and say"
            + " nothing");
      }
      summary = p.path().resolve(SUMMARY_FILE);
      JsonFiles.writeAtomically(summary, Summaries.point(p.settings(), ConfigJson.of(p.experiment()), runs));
      if (options.reports()) report(() -> Reports.writeSweep(p.path()), p.path(), listener);
    }
    return new PointOutcome(g, p, List.copyOf(runs), summary);
  }

  private static GroupOutcome finishGroup(Plan.Group g, List<PointOutcome> points, Options options, Listener listener,
      long start) throws IOException {
    Path summary = null;
    if (g.kind() == Plan.Kind.SWEEP) {
      summary = g.dir().resolve(SUMMARY_FILE);
      JsonFiles.writeAtomically(summary, Summaries.sweep(g, points));
      if (options.reports()) report(() -> Reports.writeSweep(g.dir()), g.dir(), listener);
    }
    return new GroupOutcome(g, points, summary, (System.nanoTime() - start) / 1e9);
  }

  private interface ReportWriter {
    void write() throws IOException;
  }

  /** Reports are derived from results.json: failing to draw them leaves the results valid, so only warn. */
  private static void report(ReportWriter writer, Path dir, Listener listener) {
    try {
      writer.write();
    } catch (IOException | RuntimeException e) {
      listener.warning("report in " + dir + " not written: " + describe(e));
    }
  }

  /** One line naming what went wrong; the engine's messages (causality) already say who, when and where. */
  public static String describe(Throwable e) {
    Throwable t = e;
    // unwrap wrappers that add nothing (ExecutionException-style causes with the real message inside)
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    String text = msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    if (!(t instanceof IllegalArgumentException || t instanceof IllegalStateException
        || t instanceof org.cnemu.emulator.CausalityViolation || t instanceof org.cnemu.emulator.RunInterrupted)) {
      text = t.getClass().getSimpleName() + ": " + text;
    }
    return text.replace('\n', ' ');
  }
}
