package org.cnemu.experiments.run;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentSpec;
import org.cnemu.experiments.config.LoadedExperiment;

/**
 * Everything one command will run, decided before anything runs: the experiment files (groups), their
 * points (one configuration each: the file itself, or one point of its sweep / comparison) and the jobs
 * (one repetition of one point: run i uses seed + i), each with its output folder. Immutable; built
 * once from a plain file, a file with {@code sweep { }} and/or {@code compare { }}, or a suite, and
 * executed by {@link PlanRunner} whatever its shape.
 *
 * <p>Folders, below the group's folder: a single configuration writes {@code results.json} there (or
 * {@code run-i/results.json} and {@code summary.json} with {@code runs > 1}); a sweep or comparison
 * writes each point so into {@code point-NNN/} and the sweep's {@code summary.json} beside them.
 *
 * @param root the output folder of the whole plan (locked while it runs)
 * @param jobs every job of every group, in plan order (group, point, run)
 */
public record Plan(Path root, List<Group> groups, List<Job> jobs) {
  /** What a group is: one configuration, or a sweep/comparison of several points; or not run at all. */
  public enum Kind {
    RUN, SWEEP, SKIPPED, INVALID;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One experiment file.
   *
   * @param file the file as the user named it
   * @param dir its output folder
   * @param relDir {@code dir} relative to the plan's root ("" when it is the root)
   * @param keys swept and compared keys, in point order (empty for a single configuration)
   * @param compared the compared key (its first value is the baseline), or null
   * @param settings the shared settings of its base configuration (null unless it runs)
   * @param pekkoOverrides the file's own {@code pekko { }} block
   * @param kamonOverrides the file's own {@code kamon { }} block
   * @param problems why it does not run (kind INVALID), or why it was skipped
   */
  public record Group(int index, String file, Path dir, String relDir, Kind kind, List<String> keys, String compared,
      EngineSettings settings, Config config, Config pekkoOverrides, Config kamonOverrides, List<Point> points,
      List<ConfigProblem> problems) {
    public boolean runs() {
      return kind == Kind.RUN || kind == Kind.SWEEP;
    }
  }

  /**
   * One configuration.
   *
   * @param dir folder name relative to the group's folder ("." for a single configuration)
   * @param spec its typed spec, parsed once by the loader and shared by its runs
   * @param jobs indexes into {@link Plan#jobs()}, by run
   */
  public record Point(int index, String dir, Path path, ExperimentSpec.Point spec, List<Integer> jobs) {
    /** Swept and compared values as written, in key order. */
    public Map<String, Object> values() {
      return spec.values();
    }

    /** Index of the point this one is compared with (itself for a baseline), -1 without compare. */
    public int baseline() {
      return spec.baseline();
    }

    /** The resolved experiment block of this point (no sweep or compare block). */
    public Config experiment() {
      return spec.experiment();
    }

    public EngineSettings settings() {
      return spec.settings();
    }
  }

  /** One repetition of one point: the unit of work (seed = experiment seed + run). */
  public record Job(int index, int group, int point, int run, long seed, Path dir) {}

  public Group group(Job j) {
    return groups.get(j.group());
  }

  public Point point(Job j) {
    return groups.get(j.group()).points().get(j.point());
  }

  /**
   * The order in which the jobs start. Run one at a time ({@code concurrent} false), the plan's own order:
   * the total is the same in any order, and the points finish in theirs. Run several at once (--jobs N, a
   * farm), the costliest expected first, ties in plan order: a plan's slots then finish close together,
   * instead of its last long job running alone beside idle ones (longest processing time first). The cost
   * is the events the model expects of the point ({@link org.cnemu.emulator.model.ModelProvider#expectedEvents});
   * when any model cannot tell, plan order. Which job runs when never reaches an output: every file is
   * named by its job and every summary is assembled in plan order.
   */
  public List<Job> startOrder(boolean concurrent) {
    if (!concurrent || jobs.size() < 2) return jobs;
    double[] cost = new double[jobs.size()];
    Map<Point, Double> byPoint = new java.util.IdentityHashMap<>();
    for (Job j : jobs) {
      Point p = point(j);
      Double c = byPoint.computeIfAbsent(p, q -> {
        java.util.OptionalDouble e = q.spec().model().expectedEvents(q.settings().durationNanos());
        return e.isPresent() && e.getAsDouble() >= 0 ? e.getAsDouble() : Double.NaN;
      });
      if (c.isNaN()) return jobs;
      cost[j.index()] = c;
    }
    List<Job> order = new ArrayList<>(jobs);
    order.sort(java.util.Comparator.comparingDouble((Job j) -> -cost[j.index()]).thenComparingInt(Job::index));
    return List.copyOf(order);
  }

  /** Points in the plan (over all groups). */
  public int pointCount() {
    return groups.stream().mapToInt(g -> g.points().size()).sum();
  }

  /** The plan of one validated experiment file, written into {@code root}. */
  public static Plan of(LoadedExperiment experiment, Path root) {
    if (!experiment.ok()) throw new IllegalArgumentException("experiment has problems; validate first");
    Builder b = new Builder(root);
    b.add(experiment.file(), experiment.spec(), root, "");
    return b.build();
  }

  /** Builds a plan group by group (the suite adds many files, some of them skipped or invalid). */
  public static final class Builder {
    private final Path root;
    private final List<Group> groups = new ArrayList<>();
    private final List<Job> jobs = new ArrayList<>();

    public Builder(Path root) {
      this.root = root;
    }

    /** Adds a validated experiment file whose folder is {@code dir} ({@code relDir} below the root). */
    public Builder add(String file, ExperimentSpec e, Path dir, String relDir) {
      int g = groups.size();
      List<Point> points = new ArrayList<>();
      for (ExperimentSpec.Point p : e.points()) {
        String name = e.swept() ? pointDir(p.index(), e.points().size()) : ".";
        points.add(point(g, name, e.swept() ? dir.resolve(name) : dir, p));
      }
      groups.add(new Group(g, file, dir, relDir, e.swept() ? Kind.SWEEP : Kind.RUN, e.keys(), e.compared(),
          e.settings(), e.experiment(), e.pekkoOverrides(), e.kamonOverrides(), List.copyOf(points), List.of()));
      return this;
    }

    /** Adds a file that will not run: an include fragment (SKIPPED) or one with problems (INVALID). */
    public Builder notRun(String file, Path dir, String relDir, Kind kind, List<ConfigProblem> problems) {
      groups.add(new Group(groups.size(), file, dir, relDir, kind, List.of(), null, null, null, null, null, List.of(),
          List.copyOf(problems)));
      return this;
    }

    private Point point(int g, String name, Path path, ExperimentSpec.Point spec) {
      EngineSettings s = spec.settings();
      List<Integer> ids = new ArrayList<>();
      for (int run = 0; run < s.runs(); run++) {
        Path runDir = s.runs() == 1 ? path : path.resolve("run-" + run);
        ids.add(jobs.size());
        jobs.add(new Job(jobs.size(), g, spec.index(), run, s.seed() + run, runDir));
      }
      return new Point(spec.index(), name, path, spec, List.copyOf(ids));
    }

    public Plan build() {
      return new Plan(root, List.copyOf(groups), List.copyOf(jobs));
    }
  }

  /** The folder of point {@code index} among {@code count}: point-000, point-001, ... (wider past 1000). */
  public static String pointDir(int index, int count) {
    int width = Math.max(3, Integer.toString(Math.max(count - 1, 0)).length());
    return "point-" + String.format(Locale.ROOT, "%0" + width + "d", index);
  }
}
