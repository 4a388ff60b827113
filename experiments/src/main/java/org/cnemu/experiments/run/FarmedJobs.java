package org.cnemu.experiments.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cnemu.emulator.Cancellation;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.cluster.FarmDriver;
import org.cnemu.emulator.cluster.FarmWorker;
import org.cnemu.emulator.cluster.JobFarm;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.ExperimentSpec;
import org.cnemu.experiments.config.LoadedExperiment;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Farms a plan's jobs to the nodes of a cnemu cluster, whole: this JVM coordinates (no cluster member),
 * queues every job ({@link FarmDriver}), and writes each result as it comes back. A node runs a job
 * with the same {@link JobWork} as a local plan, after checking what it received with the experiment
 * validator ({@link #nodeRunner()}), so the folder is the one a local run writes (outside {@code wall}).
 */
public final class FarmedJobs implements JobExecutor {
  /** How long a plan waits for its first nodes, or for any node once every node is lost. */
  static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

  private final PlanRunner.Options options;
  private final Map<String, Integer> jobsByNode = Collections.synchronizedMap(new TreeMap<>());
  private final List<String> lostNodes = Collections.synchronizedList(new ArrayList<>());

  /** The farming driver: the command line's ({@link #open}, started while the experiment loaded), or this plan's. */
  private CompletableFuture<JobFarm> joining;

  FarmedJobs(PlanRunner.Options options) {
    this.options = options;
  }

  @Override
  public boolean concurrent() {
    return true;
  }

  private synchronized CompletableFuture<JobFarm> joining() {
    PlanRunner.ClusterTarget c = options.cluster();
    if (joining == null) joining = c.farm() != null ? c.farm() : open(c.seed(), c.bind(), c.security(), c.nodes(), false);
    return joining;
  }

  /**
   * Waits for the seed directory's first answer to the driver ({@link JobFarm#listed}). A driver that failed to
   * start, or a cancelled plan, passes: {@link #runAll} fails or cancels the jobs as before.
   */
  @Override
  public String awaitReady(Duration wait) {
    CompletableFuture<JobFarm> farm = joining();
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (Cancellation.requested() || farm.isCompletedExceptionally()) return null;
      if (farm.isDone() && farm.join().listed().isDone()) return null;
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    if (options.cluster().farm() == null) discard(farm, true); // this plan's own driver (the command line stops its own)
    PlanRunner.ClusterTarget c = options.cluster();
    return "no cnemu seed answered at " + c.seed().host() + ":" + c.seed().port() + " within " + wait.toSeconds()
        + " s: " + CHECK_ADDRESS;
  }

  @Override
  public Map<String, Integer> jobsByNode() {
    return Map.copyOf(jobsByNode);
  }

  @Override
  public List<String> lostNodes() {
    return List.copyOf(lostNodes);
  }

  @Override
  public void runAll(Plan plan, List<Plan.Job> jobs, AtomicBoolean cancel, Sink sink) throws IOException {
    // Starting the driver (its actor system: remoting, TLS; then asking the seed for the workers and
    // saying hello to each) takes most of a second: the command line starts it while the experiment loads
    // (RunCommand); the job descriptions are made meanwhile too.
    CompletableFuture<JobFarm> joining = joining();
    Map<Integer, Plan.Job> byId = new HashMap<>();
    List<FarmDriver.Job> farmJobs = new ArrayList<>();
    // the runs of a point share its experiment text: rendered once per point, and sent to a node once (the
    // driver's shared text), each job carrying only its run, seed and folder
    Map<Plan.Point, String> files = new IdentityHashMap<>();
    for (Plan.Job j : jobs) {
      byId.put(j.index(), j);
      String file = files.computeIfAbsent(plan.point(j), p -> file(plan, j));
      farmJobs.add(new FarmDriver.Job(j.index(), slots(plan.point(j).settings()), file, spec(j, options.threads())));
    }
    JobFarm farm;
    try {
      farm = joining.join();
    } catch (CompletionException e) {
      RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : e;
      for (Plan.Job j : jobs) sink.finished(j, Finished.error(PlanRunner.describe(cause)));
      return;
    }
    // Results are written (and reports drawn) off the polling thread, a few at once, as local jobs are.
    ExecutorService writers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        r -> {
          Thread t = new Thread(r, "cnemu-farm-result");
          t.setDaemon(true);
          return t;
        });
    List<Future<?>> written = new ArrayList<>();
    try (farm) {
      Map<Integer, Long> dispatchedAtNanos = new HashMap<>();
      Map<Integer, Long> startedAtNanos = new HashMap<>();
      Map<Integer, Coordinator.ProgressListener> progress = new HashMap<>();
      farm.submit(farmJobs);
      int left = jobs.size();
      boolean cancelSent = false;
      while (left > 0) {
        if (!cancelSent && (cancel.get() || Cancellation.requested())) {
          cancel.set(true);
          farm.cancel();
          cancelSent = true;
        }
        FarmDriver.Event e;
        try {
          e = farm.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          cancel.set(true);
          continue;
        }
        if (e == null) continue;
        if (e instanceof FarmDriver.NodeUp up) {
          sink.note("cluster node " + up.node() + " takes jobs (" + up.slots() + " at once)");
        } else if (e instanceof FarmDriver.Dispatched d) {
          if (TRACE) {
            if (dispatchedAtNanos.isEmpty()) JobFarm.trace("first dispatch");
            dispatchedAtNanos.put(d.job(), System.nanoTime());
          }
        } else if (e instanceof FarmDriver.Started st) {
          if (TRACE) startedAtNanos.put(st.job(), System.nanoTime());
          Plan.Job job = byId.get(st.job());
          sink.started(job, st.node());
          Coordinator.ProgressListener l = sink.progress(job);
          if (l != null) progress.put(st.job(), l);
        } else if (e instanceof FarmDriver.Progress p) {
          Coordinator.ProgressListener l = progress.get(p.job());
          if (l != null) l.onProgress(p.virtualNanos(), p.endNanos());
        } else if (e instanceof FarmDriver.NodeLost l) {
          lostNodes.add(l.node());
          sink.warning("lost cluster node " + l.node() + " (" + l.why() + ") mid-plan; "
              + (l.requeued().isEmpty() ? "it had no unfinished job"
                  : "its " + l.requeued().size() + " unfinished job" + (l.requeued().size() == 1 ? "" : "s")
                      + " go back on the queue"));
        } else if (e instanceof FarmDriver.Done d) {
          left--;
          // the job is off its node: what is left is this JVM's writing of its results and report, which the
          // progress line shows as such (a short job sends no progress of its own, and read 0% until written)
          Coordinator.ProgressListener jobProgress = progress.remove(d.job());
          if (jobProgress != null) jobProgress.onProgress(1, 1);
          Plan.Job job = byId.get(d.job());
          if (d.result() != null) jobsByNode.merge(d.node(), 1, Integer::sum);
          Finished f = d.result() != null ? Finished.results(new String(d.result(), StandardCharsets.UTF_8))
              : Finished.error(cancel.get() ? PlanRunner.CANCELLED : d.error());
          if (TRACE && d.result() != null && dispatchedAtNanos.containsKey(d.job())) trace(d, dispatchedAtNanos, startedAtNanos);
          if (left == 0) {
            if (TRACE) JobFarm.trace("last result");
            farm.stopSoon(); // every result is here: stopping overlaps writing the last ones
          }
          written.add(writers.submit(() -> {
            long w0 = System.nanoTime();
            sink.finished(job, f);
            if (TRACE) {
              System.err.printf(Locale.ROOT, "TRACE farm written job %d in %.2f ms%n", d.job(),
                  (System.nanoTime() - w0) / 1e6);
            }
            return null;
          }));
        } else if (e instanceof FarmDriver.GaveUp g) {
          if (!cancel.get()) sink.warning(g.message());
        } else if (e instanceof FarmDriver.Warning w) {
          sink.warning(w.message());
        }
      }
      for (Future<?> f : written) {
        try {
          f.get();
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while writing results", ie);
        } catch (ExecutionException ee) {
          if (ee.getCause() instanceof IOException io) throw io;
          if (ee.getCause() instanceof RuntimeException re) throw re;
          throw new IOException(ee.getCause());
        }
      }
    } finally {
      writers.shutdownNow();
    }
  }

  /**
   * Starts a farming driver on a thread of its own ({@link JobFarm#start}): it finds its nodes before
   * it has jobs.
   *
   * @param nodes dispatch nothing before this many nodes answered (0: start with the first one)
   * @param keepSystem keep the driver's actor system for the next plan with the same seed, address and key
   *     (a JVM that serves one command after another: {@link org.cnemu.experiments.Invocation#keepFarmDriver})
   */
  public static CompletableFuture<JobFarm> open(org.cnemu.emulator.cluster.ClusterNode.HostPort seed,
      org.cnemu.emulator.cluster.ClusterNode.HostPort bind, org.cnemu.emulator.cluster.ClusterSecurity security,
      int nodes, boolean keepSystem) {
    return CompletableFuture.supplyAsync(() -> JobFarm.start(seed, bind, security, nodes, JOIN_TIMEOUT, keepSystem),
        FarmedJobs::daemon);
  }

  /**
   * How long a farming driver may take to hear from the seed's directory before {@link #refusal} checks
   * the key with a TLS handshake of its own: a driver system kept from an earlier plan hears within
   * milliseconds (tens under load), a fresh one only after its actor system started (about a second).
   */
  static final Duration PROBE_AFTER = Duration.ofMillis(250);

  /**
   * Whether the seed takes this command's key: null (it does, or nothing answers there yet: the driver
   * keeps asking) or why not, one line ({@link #seedRefusal}: also when every connection there is refused
   * for {@link #REFUSED_FOR}). The seed directory's first answer to the driver ({@link JobFarm#listed})
   * settles it; if it has not come within {@link #PROBE_AFTER}, a TLS handshake with the seed checks it,
   * beside the experiment's loading, and the first of the two to say yes decides. So a served plan with a kept driver system makes no handshake of its own.
   */
  public static CompletableFuture<String> refusal(CompletableFuture<JobFarm> farm,
      org.cnemu.emulator.cluster.ClusterSecurity security, org.cnemu.emulator.cluster.ClusterNode.HostPort seed) {
    CompletableFuture<String> listed = new CompletableFuture<>();
    farm.thenAccept(f -> f.listed().thenRun(() -> listed.complete(null))); // a driver that failed to start: the probe decides
    CompletableFuture<String> probed = CompletableFuture.supplyAsync(
        () -> listed.isDone() ? null : seedRefusal(security, seed, REFUSED_FOR, listed::isDone),
        CompletableFuture.delayedExecutor(PROBE_AFTER.toMillis(), TimeUnit.MILLISECONDS, r -> {
          Thread t = new Thread(r, "cnemu-farm-key-check");
          t.setDaemon(true);
          t.start();
        }));
    return listed.applyToEither(probed, why -> why);
  }

  /** What a refusal for a seed address that never answered tells the user to check, and what it left alone. */
  private static final String CHECK_ADDRESS = "check --cluster's host and port, and that 'cnemu cluster seed' runs "
      + "there; nothing ran and the results folder is unchanged";

  /**
   * How long a run retries a refused connection at the seed's address before refusing the plan: a seed
   * started beside the run listens once its JVM is up (a second or two; more under load), while at a
   * mistyped address nothing ever will.
   */
  public static final Duration REFUSED_FOR = Duration.ofSeconds(5);

  /**
   * Why a run cannot use the seed at {@code seed}, one line, or null: its key is refused ({@link
   * org.cnemu.emulator.cluster.ClusterSecurity#ask}), or every connection there was refused for {@code refusedFor} (nothing listens:
   * a wrong address), unless {@code heard} says the seed answered meanwhile. A seed that does not answer
   * at all (a timeout) passes: joining reports it.
   */
  public static String seedRefusal(org.cnemu.emulator.cluster.ClusterSecurity security,
      org.cnemu.emulator.cluster.ClusterNode.HostPort seed, Duration refusedFor,
      java.util.function.BooleanSupplier heard) {
    long deadline = System.nanoTime() + refusedFor.toNanos();
    while (true) {
      org.cnemu.emulator.cluster.ClusterSecurity.Answer a = security.ask(seed);
      if (a.listening() || heard.getAsBoolean()) return a.refusal();
      if (System.nanoTime() - deadline >= 0) {
        return "nothing listens at " + seed.host() + ":" + seed.port() + " (connection refused for "
            + refusedFor.toSeconds() + " s): " + CHECK_ADDRESS;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null; // cancelled: joining (or the cancellation) decides
      }
    }
  }

  /**
   * Stops a driver's actor system that {@link #open} started (no-op if it failed to start, or was closed
   * already); with {@code await}, returns once it stopped and a fixed --bind port of it binds again
   * ({@link JobFarm#close}), else at once.
   */
  public static void discard(CompletableFuture<JobFarm> farm, boolean await) {
    CompletableFuture<Void> closed = farm.handle((f, failed) -> {
      if (f != null) {
        if (await) f.close();
        else f.stopSoon();
      }
      return null;
    });
    if (await) closed.join();
  }

  /** Stops a driver that {@link #open} started, at once and without a goodbye: its seed refused its key. */
  public static void abort(CompletableFuture<JobFarm> farm) {
    farm.handle((f, failed) -> {
      if (f != null) f.abort();
      return null;
    }).join();
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r, "cnemu-farm-join");
    t.setDaemon(true);
    t.start();
  }

  /** -Dcnemu.trace=true: each farmed job's round trip against its run's own wall time, for benchmarks. */
  private static final boolean TRACE = Boolean.getBoolean("cnemu.trace");

  private static void trace(FarmDriver.Done d, Map<Integer, Long> dispatchedAtNanos, Map<Integer, Long> startedAtNanos) {
    long dispatched = dispatchedAtNanos.get(d.job());
    double roundTripMs = (System.nanoTime() - dispatched) / 1e6;
    // dispatch to the node's "started" (includes any wait in the node's prefetch queue)
    double startedMs = (startedAtNanos.getOrDefault(d.job(), dispatched) - dispatched) / 1e6;
    double runMs = 0;
    try {
      runMs = JsonFiles.MAPPER.readTree(d.result()).path("wall").path("seconds").asDouble() * 1e3;
    } catch (IOException ignored) {
      // the runner reports a malformed result; the trace line then shows the whole round trip
    }
    System.err.printf(Locale.ROOT,
        "TRACE farm job %d round trip %.1f ms, run %.1f ms, %d bytes, started after %.1f ms%n", d.job(), roundTripMs, runMs, d.result().length, startedMs);
  }

  /**
   * The slots a job takes on a node: one for a one-partition run (one thread whatever the dispatcher),
   * else its threads (capped at the node's slots by the driver; 0 = all of them).
   */
  private int slots(EngineSettings s) {
    if (s.partitions() <= 1) return 1;
    int t = options.threads() != null ? options.threads() : s.threadsSetting();
    return t > 0 ? t : Integer.MAX_VALUE;
  }

  /** The resolved experiment of {@code job}'s point (with its group's pekko overrides) as HOCON: the same for every run of the point. */
  static String file(Plan plan, Plan.Job job) {
    Config file = plan.point(job).experiment().atKey("experiment");
    Config pekko = plan.group(job).pekkoOverrides();
    if (pekko != null && !pekko.isEmpty()) file = file.withFallback(pekko);
    return file.root().render(ConfigRenderOptions.concise());
  }

  /**
   * What is the job's own, beside its point's {@link #file} (the job's shared text): its run, seed and folder
   * name, and the threads the command line asked for.
   */
  static String spec(Plan.Job job, Integer threads) {
    ObjectNode n = JsonFiles.MAPPER.createObjectNode();
    n.put("run", job.run());
    n.put("seed", job.seed());
    n.put("out_dir", job.dir().toString());
    if (threads != null) n.put("threads", threads);
    return n.toString();
  }

  /** What a cluster node runs for a farming driver ({@link NodeRunner}). */
  public static NodeRunner nodeRunner() {
    return new NodeRunner(NodeRunner.CACHED_TEXTS);
  }

  /**
   * What a cluster node runs for a farming driver. The job's content is untrusted input like any
   * experiment file: includes are refused (a driver must not make a node read its files), then the file
   * goes through the experiment loader and validator, and must describe one run of one point.
   *
   * <p>The runs of one point share one experiment text (the job's {@link FarmWorker.Shared} text, which the
   * driver sends to a node once), and checking it (parse, load, validate: tens of milliseconds) costs more
   * than a short run. So the outcome of checking each distinct text is kept, keyed by its SHA-256 (which the
   * node's {@link FarmWorker} computed from the text it received), as long as the node keeps the text (its
   * bound in bytes, {@code cnemu.farm.text-cache}: a dropped text's check goes with it, {@link #dropped}) and
   * for the last {@code cachedTexts} texts at most: the node checks every text it is sent itself, once, and
   * never takes a parsed object from the wire. A refusal is kept too (the same text is refused the same way).
   */
  public static final class NodeRunner implements FarmWorker.Runner {
    /** Distinct experiment texts whose check a node keeps (a plan's points; a sweep of more re-checks). */
    static final int CACHED_TEXTS = 256;

    private final ExperimentLoader loader = new ExperimentLoader();
    private final int cachedTexts;
    private final Map<String, CompletableFuture<Checked>> checked;
    private final AtomicInteger checks = new AtomicInteger();

    /** A checked text: its one point (settings and the model's typed spec) and pekko overrides, or why it was refused. */
    private record Checked(ExperimentSpec.Point point, Config pekkoOverrides, String refusal) {}

    NodeRunner(int cachedTexts) {
      this.cachedTexts = cachedTexts;
      this.checked = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<Checked>> eldest) {
          return size() > NodeRunner.this.cachedTexts;
        }
      };
    }

    /** The node dropped the text of {@code digest}: its check goes too (a parsed point grows with its text). */
    @Override
    public void dropped(String digest) {
      synchronized (checked) {
        checked.remove(digest);
      }
    }

    /** How many texts this runner has checked (parsed, loaded and validated) so far. */
    public int checks() {
      return checks.get();
    }

    @Override
    public byte[] run(FarmWorker.Shared shared, String spec, String node, AtomicBoolean cancelled,
        Coordinator.ProgressListener progress) throws Exception {
      JsonNode n = JsonFiles.MAPPER.readTree(spec);
      if (shared.digest().isEmpty() || n == null || !n.isObject() || !n.path("run").canConvertToInt()
          || !n.path("seed").canConvertToLong() || !n.path("out_dir").isTextual()) {
        throw new IllegalArgumentException("refused a malformed job description");
      }
      int run = n.get("run").intValue();
      long seed = n.get("seed").longValue();
      Integer threads = n.path("threads").canConvertToInt() ? n.get("threads").intValue() : null;
      if (threads != null && threads < 0) throw new IllegalArgumentException("refused the job: threads < 0");
      long t0 = System.nanoTime();
      Checked c = check(shared);
      long checkedNanos = System.nanoTime() - t0;
      if (c.refusal() != null) throw new IllegalArgumentException(c.refusal());
      EngineSettings s = c.point().settings();
      if (run < 0 || run >= s.runs() || seed != s.seed() + run) {
        throw new IllegalArgumentException("refused the job: run " + run + " with seed " + seed + " is not one of the "
            + s.runs() + " runs from seed " + s.seed());
      }
      Cancellation.watch(cancelled);
      try {
        JobWork.Spec job = new JobWork.Spec(c.point(), c.pekkoOverrides(), run, seed, n.get("out_dir").textValue(),
            threads, node);
        byte[] out = JobWork.run(job, null, progress, null, "farm").getBytes(StandardCharsets.UTF_8);
        if (TRACE) {
          System.err.printf(Locale.ROOT, "TRACE farm node check %.2f ms, job %.1f ms%n", checkedNanos / 1e6,
              (System.nanoTime() - t0 - checkedNanos) / 1e6);
        }
        return out;
      } finally {
        Cancellation.clear();
      }
    }

    /** The check of {@code shared}'s text: done here once per distinct text (concurrent jobs of one text wait for it). */
    private Checked check(FarmWorker.Shared shared) throws IOException {
      String digest = shared.digest();
      String text = shared.text();
      CompletableFuture<Checked> mine = new CompletableFuture<>();
      CompletableFuture<Checked> known;
      synchronized (checked) {
        known = checked.putIfAbsent(digest, mine);
      }
      if (known != null) {
        try {
          return known.get();
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while checking the job", ie);
        } catch (ExecutionException ee) {
          throw new IOException(ee.getCause());
        }
      }
      checks.incrementAndGet();
      try {
        Checked c;
        try {
          ExperimentSpec e = load(loader, text);
          if (e.swept()) {
            c = new Checked(null, null, "refused the job: a job is one point, not a sweep");
          } else {
            c = new Checked(e.points().get(0), e.pekkoOverrides(), null);
          }
        } catch (IllegalArgumentException refused) {
          c = new Checked(null, null, refused.getMessage());
        }
        mine.complete(c);
        return c;
      } catch (Throwable ex) {
        // not the text's fault (a temporary file could not be written): the next job checks it again
        synchronized (checked) {
          checked.remove(digest, mine);
        }
        mine.completeExceptionally(ex);
        throw ex;
      }
    }
  }

  /** The job's file through the loader and validator, with no include followed; its first problem refuses it. */
  private static ExperimentSpec load(ExperimentLoader loader, String text) throws IOException {
    String plain;
    try {
      Config parsed = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setIncluder(new NoIncludes()));
      plain = parsed.root().render(ConfigRenderOptions.concise());
    } catch (ConfigException ex) {
      throw new IllegalArgumentException("refused the job: " + ex.getMessage());
    }
    Path dir = Files.createTempDirectory("cnemu-farm-job"); // owner-only
    Path file = dir.resolve("job.conf");
    try {
      Files.writeString(file, plain);
      LoadedExperiment e = loader.load(file);
      if (!e.ok()) {
        ConfigProblem p = e.problems().get(0);
        throw new IllegalArgumentException("refused the job: " + (p.key() == null ? "" : p.key() + ": ") + p.message()
            + (e.problems().size() > 1 ? " (and " + (e.problems().size() - 1) + " more problems)" : ""));
      }
      return e.spec();
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  /** Refuses every include: a job arrives resolved, and must not make the node read its own files. */
  private static final class NoIncludes
      implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return this;
    }

    private static ConfigObject refuse(String what) {
      throw new ConfigException.BugOrBroken("includes are refused in a farmed job (" + what + ")");
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      return refuse(what);
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
      return refuse(what.toString());
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
      return refuse(what.toString());
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
      return refuse(what);
    }
  }
}
