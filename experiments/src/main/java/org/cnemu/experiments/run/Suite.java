package org.cnemu.experiments.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;

/**
 * The paper suite: a suite file ({@code experiments/suite.conf}) names experiment files by glob
 * (found when the suite runs, so new policy comparisons join without editing anything); each is run
 * into its own folder; the measured figures are then set beside the published ones of
 * {@code published-figures.conf} (figure id, published value, band, source) and written as
 * {@code suite.json}, from which {@link org.cnemu.experiments.report.SuiteReport} draws one HTML report.
 *
 * <p>Suite file keys ({@code suite { ... }}): {@code name}, {@code title}, {@code experiments} (globs
 * relative to the suite file, {@code **} crosses folders), {@code published} (a path relative to the
 * suite file, or {@code classpath:NAME}), {@code overrides} (keys set on every experiment, e.g.
 * {@code engine.partitions = 1}), {@code jobs} (runs executed at once).
 *
 * <p>The suite is one {@link Plan} over all its files, run by {@link PlanRunner} like any other.
 */
public final class Suite {
  public static final String SUITE_JSON = "suite.json";

  /** The suite file, read. */
  public record Spec(Path file, String name, String title, List<String> patterns, Config published,
      Map<String, Object> overrides, int jobs, boolean jobsSet) {}

  private Suite() {}

  /** Reads a suite file; user mistakes are IllegalArgumentExceptions with one clear line. */
  public static Spec load(Path file) {
    if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such suite file");
    Config c;
    try {
      Path parseable = file.getParent() == null ? Path.of(".").resolve(file) : file;
      c = ConfigFactory.parseFile(parseable.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    if (!c.hasPath("suite")) throw new IllegalArgumentException(file + ": missing the `suite { ... }` block");
    Config s = c.getConfig("suite");
    try {
      String publishedRef = s.hasPath("published") ? s.getString("published") : "classpath:published-figures.conf";
      Config published;
      if (publishedRef.startsWith("classpath:")) {
        published = ConfigFactory.parseResources(publishedRef.substring("classpath:".length()),
            ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
      } else {
        published = ConfigFactory.parseFile(dirOf(file).resolve(publishedRef).toFile(),
            ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
      }
      Map<String, Object> overrides = new LinkedHashMap<>();
      if (s.hasPath("overrides")) {
        s.getConfig("overrides").entrySet().forEach(e -> overrides.put("experiment." + e.getKey(), e.getValue().unwrapped()));
      }
      return new Spec(file, s.hasPath("name") ? s.getString("name") : "suite",
          s.hasPath("title") ? s.getString("title") : "cnemu suite", s.getStringList("experiments"),
          published, overrides, s.hasPath("jobs") ? Math.max(1, s.getInt("jobs")) : 1, s.hasPath("jobs"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  private static Path dirOf(Path file) {
    Path p = file.toAbsolutePath().getParent();
    return p == null ? Path.of(".") : p;
  }

  /** The experiment files the patterns match now, sorted, without duplicates. */
  public static List<Path> discover(Spec spec) throws IOException {
    Path base = dirOf(spec.file());
    TreeSet<Path> found = new TreeSet<>();
    for (String pattern : spec.patterns()) {
      String[] parts = pattern.split("/");
      int fixed = 0;
      while (fixed < parts.length - 1 && !parts[fixed].matches(".*[*?\\[{].*")) fixed++;
      Path root = base.resolve(String.join("/", java.util.Arrays.copyOfRange(parts, 0, fixed)));
      if (!Files.isDirectory(root)) continue; // e.g. experiments/policies/ not written yet
      String rest = String.join("/", java.util.Arrays.copyOfRange(parts, fixed, parts.length));
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rest);
      // "**/x.conf" should also match "x.conf" at the root
      PathMatcher top = rest.startsWith("**/") ? FileSystems.getDefault().getPathMatcher("glob:" + rest.substring(3)) : null;
      try (Stream<Path> files = Files.walk(root)) {
        files.filter(Files::isRegularFile).forEach(f -> {
          Path rel = root.relativize(f);
          if (m.matches(rel) || (top != null && top.matches(rel))) found.add(base.relativize(f.toAbsolutePath()).normalize());
        });
      }
    }
    List<Path> out = new ArrayList<>();
    for (Path p : found) out.add(base.resolve(p));
    return out;
  }

  /**
   * The suite's plan: every discovered file into {@code outDir/<its path without .conf>/}; a file without
   * an {@code experiment} block (an include fragment) is skipped, one with problems is listed as invalid.
   *
   * @param overrides the suite's own overrides under the command line's ({@code --set}), applied to every file
   */
  public static Plan plan(Spec spec, List<Path> files, Path outDir, Config overrides) {
    Path base = dirOf(spec.file());
    Config all = overrides.withFallback(spec.overrides().isEmpty() ? ConfigFactory.empty()
        : ConfigFactory.parseMap(spec.overrides(), spec.file() + ": suite.overrides"));
    Plan.Builder b = new Plan.Builder(outDir);
    Path root = outDir.toAbsolutePath().normalize();
    for (Path f : files) {
      String rel = base.relativize(f.toAbsolutePath()).toString().replace('\\', '/');
      String relDir = rel.endsWith(".conf") ? rel.substring(0, rel.length() - 5) : rel;
      Path dir = outDir.resolve(relDir);
      if (!dir.toAbsolutePath().normalize().startsWith(root) || relDir.isEmpty()) {
        b.notRun(rel, dir, relDir, Plan.Kind.INVALID, List.of(new ConfigProblem(rel, 0, null,
            "outside the suite's folder: its results would land outside " + outDir)));
        continue;
      }
      try {
        if (!ConfigFactory.parseFile(f.toFile()).hasPath("experiment")) {
          b.notRun(rel, dir, relDir, Plan.Kind.SKIPPED, List.of(new ConfigProblem(rel, 0, null,
              "no experiment block (an include fragment?)")));
          continue;
        }
      } catch (ConfigException ex) {
        // the loader reports it with file:line below
      }
      LoadedExperiment loaded = new ExperimentLoader().load(f, all, null);
      if (!loaded.ok()) {
        b.notRun(rel, dir, relDir, Plan.Kind.INVALID, loaded.problems());
        continue;
      }
      b.add(rel, loaded.spec(), dir, relDir);
    }
    return b.build();
  }

  /** suite.json of a finished plan: one entry per file, the figures, the policy comparisons; wall last. */
  public static Map<String, Object> document(Spec spec, PlanRunner.Outcome outcome, double wallSeconds, int jobs) {
    List<Map<String, Object>> entries = new ArrayList<>();
    Map<String, Object> perFile = new LinkedHashMap<>();
    for (PlanRunner.GroupOutcome go : outcome.groups()) {
      entries.add(entry(go));
      if (go.group().runs()) perFile.put(go.group().file(), round(go.wallSeconds()));
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("suite", spec.name());
    doc.put("title", spec.title());
    doc.put("kind", "suite");
    doc.put("patterns", spec.patterns());
    doc.put("experiments", entries);
    doc.put("figures", figures(spec.published(), entries));
    doc.put("policies", policyChecks(spec.published(), entries, outcome));
    Map<String, Object> wall = new LinkedHashMap<>();
    wall.put("seconds", round(wallSeconds));
    wall.put("jobs", jobs);
    wall.put("processors", Runtime.getRuntime().availableProcessors());
    wall.put("experiments", perFile);
    doc.put("wall", wall);
    return doc;
  }

  /** The suite.json entry of one file. */
  static Map<String, Object> entry(PlanRunner.GroupOutcome go) {
    Plan.Group g = go.group();
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("file", g.file());
    e.put("dir", g.relDir());
    if (!g.runs()) {
      e.put("status", g.kind().label());
      if (g.kind() == Plan.Kind.SKIPPED) {
        e.put("error", g.problems().get(0).message());
      } else {
        List<String> problems = new ArrayList<>();
        for (ConfigProblem p : g.problems()) problems.add(p.format());
        e.put("problems", problems);
      }
      return e;
    }
    e.put("experiment", g.settings().name());
    e.put("kind", g.kind().label());
    if (g.compared() != null) e.put("compared", g.compared());
    String error = null;
    List<Map<String, Object>> points = new ArrayList<>();
    LinkedHashSet<String> headline = new LinkedHashSet<>();
    for (PlanRunner.PointOutcome p : go.points()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("dir", p.point().dir());
      m.put("values", p.point().values());
      m.put("complete", p.complete());
      Map<String, Object> means = new LinkedHashMap<>();
      // a percentile its samples cannot resolve has no mean (null, as in summary.json)
      Summaries.pointStats(p).forEach((k, v) -> means.put(k,
          ((Map<?, ?>) v).get("mean") instanceof Number mean ? round(mean.doubleValue()) : null));
      m.put("metrics", means);
      headline.addAll(Summaries.headlines(p));
      points.add(m);
      if (error == null && p.firstFailure() != null) {
        error = (g.kind() == Plan.Kind.SWEEP ? p.point().dir() + ": " : "") + p.firstFailure().error();
      }
    }
    if (go.points().isEmpty()) error = "cancelled";
    e.put("status", error == null ? "ok" : "failed");
    if (error != null) e.put("error", error);
    e.put("headline", new ArrayList<>(headline));
    e.put("points", points);
    e.put("report", "report.html");
    return e;
  }

  // ---- published figures -------------------------------------------------------------------------------

  /** Measured figure of an expression {@code EXP:METRIC} or {@code EXP:METRIC / EXP:METRIC}; null when missing. */
  static Double measure(String expression, Map<String, Map<String, Double>> byExperiment, List<String> missing) {
    String[] parts = expression.split("\\s+/\\s+");
    Double value = null;
    for (int i = 0; i < parts.length; i++) {
      String term = parts[i].strip();
      int colon = term.indexOf(':');
      if (colon < 0) throw new IllegalArgumentException("figure expression '" + expression + "': expected EXPERIMENT:METRIC");
      String exp = term.substring(0, colon);
      String metric = term.substring(colon + 1);
      Map<String, Double> metrics = byExperiment.get(exp);
      Double v = metrics == null ? null : metrics.get(metric);
      if (v == null) {
        missing.add(metrics == null ? "experiment '" + exp + "' not run" : "no " + metric + " in '" + exp + "'");
        return null;
      }
      value = i == 0 ? v : (v == 0 ? null : value / v);
      if (value == null) {
        missing.add(metric + " of '" + exp + "' is 0");
        return null;
      }
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> figures(Config published, List<Map<String, Object>> entries) {
    // experiment name -> metrics of its single point (runs, or the first point of a sweep)
    Map<String, Map<String, Double>> byExperiment = new LinkedHashMap<>();
    for (Map<String, Object> e : entries) {
      if (!"ok".equals(e.get("status")) || !(e.get("points") instanceof List<?> pts) || pts.isEmpty()) continue;
      Map<String, Object> metrics = (Map<String, Object>) ((Map<String, Object>) pts.get(0)).get("metrics");
      Map<String, Double> m = new LinkedHashMap<>();
      metrics.forEach((k, v) -> {
        if (v instanceof Number n) m.put(k, n.doubleValue()); // null: a percentile its samples cannot resolve
      });
      byExperiment.putIfAbsent(String.valueOf(e.get("experiment")), m);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    if (!published.hasPath("figures")) return out;
    for (Config f : published.getConfigList("figures")) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", f.getString("id"));
      r.put("title", f.getString("title"));
      r.put("profile", f.hasPath("profile") ? f.getString("profile") : "");
      r.put("unit", f.hasPath("unit") ? f.getString("unit") : "");
      double pub = f.getDouble("published");
      r.put("published", pub);
      Double lo = null;
      Double hi = null;
      if (f.hasPath("band")) {
        List<Double> band = f.getDoubleList("band");
        lo = band.get(0);
        hi = band.get(1);
        r.put("band", List.of(lo, hi));
      }
      r.put("measured_as", f.getString("measured"));
      List<String> missing = new ArrayList<>();
      Double measured = measure(f.getString("measured"), byExperiment, missing);
      r.put("measured", measured == null ? null : round(measured));
      String status;
      if (measured == null) {
        status = "missing";
        r.put("missing", String.join("; ", missing));
      } else if (lo == null) {
        status = "info";
      } else {
        status = measured >= lo && measured <= hi ? "in band" : "out of band";
      }
      if (measured != null && pub != 0) r.put("deviation_pct", round(100 * (measured - pub) / pub));
      r.put("status", status);
      r.put("source", f.getString("source"));
      out.add(r);
    }
    return out;
  }

  /**
   * For every file with a {@code compare { }} block: each non-baseline arm at each point against its
   * baseline arm (same other values, same seeds), on the metric and in the direction
   * {@code directions.<arm>} of published-figures.conf expects (its {@code experiments.<experiment name>} block
   * first, for a file whose workload cannot move the arm's metric; else the model's first headline metric),
   * with the ratios of every headline metric; ratios are paired by seed, with their 95% interval.
   */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> policyChecks(Config published, List<Map<String, Object>> entries,
      PlanRunner.Outcome outcome) {
    List<Map<String, Object>> out = new ArrayList<>();
    Config directions = published.hasPath("directions") ? published.getConfig("directions") : ConfigFactory.empty();
    for (int gi = 0; gi < entries.size(); gi++) {
      Map<String, Object> e = entries.get(gi);
      PlanRunner.GroupOutcome go = outcome.groups().get(gi);
      String compared = go.group().compared();
      if (compared == null || go.points().isEmpty()) continue;
      List<String> headline = (List<String>) e.get("headline");
      for (PlanRunner.PointOutcome p : go.points()) {
        int base = p.point().baseline();
        if (base == p.point().index()) continue;
        PlanRunner.PointOutcome b = go.points().get(base);
        Object arm = p.point().values().get(compared);
        String key = com.typesafe.config.ConfigUtil.joinPath(String.valueOf(arm));
        String metric = headline.isEmpty() ? "engine.events" : headline.get(0);
        String expect = "none";
        String source = "no expected direction in published-figures.conf";
        if (directions.hasPath(key)) {
          Config d = directions.getConfig(key);
          // an experiment whose workload cannot move the arm's metric (a paced rate) names its own
          String own = "experiments." + com.typesafe.config.ConfigUtil.joinPath(String.valueOf(e.get("experiment")));
          if (d.hasPath(own)) d = d.getConfig(own).withFallback(d);
          if (d.hasPath("metric")) metric = d.getString("metric");
          if (d.hasPath("expect")) expect = d.getString("expect").toLowerCase(Locale.ROOT);
          if (d.hasPath("source")) source = d.getString("source");
        }
        Map<String, Object> ratios = Summaries.pointRatios(b, p);
        Map<String, Object> baseMeans = (Map<String, Object>) ((List<Map<String, Object>>) e.get("points")).get(base)
            .get("metrics");
        Map<String, Object> armMeans = (Map<String, Object>) ((List<Map<String, Object>>) e.get("points"))
            .get(p.point().index()).get("metrics");
        String name = pickName(armMeans, metric);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", e.get("file"));
        r.put("experiment", e.get("experiment"));
        r.put("dir", e.get("dir"));
        r.put("compared", compared);
        r.put("policy", arm);
        r.put("baseline_policy", b.point().values().get(compared));
        r.put("point", p.point().dir());
        r.put("baseline_point", b.point().dir());
        r.put("values", p.point().values());
        r.put("metric", name == null ? metric : name);
        r.put("expect", expect);
        r.put("baseline", name == null ? null : baseMeans.get(name));
        r.put("policy_value", name == null ? null : armMeans.get(name));
        Map<?, ?> ratio = name == null ? null : (Map<?, ?>) ratios.get(name);
        if (ratio != null && ratio.get("ratio") instanceof Number) { // null: a percentile its samples cannot resolve
          double v = ((Number) ratio.get("ratio")).doubleValue();
          r.put("ratio", round(v));
          int n = ((Number) ratio.get("n")).intValue();
          // one pair of runs gives no interval (the table prints "-", as run and ab do)
          r.put("ratio_ci95", n < 2 ? null : List.of(round(((Number) ratio.get("ci95_low")).doubleValue()),
              round(((Number) ratio.get("ci95_high")).doubleValue())));
          r.put("runs", n);
          r.put("holds", "higher".equals(expect) ? Boolean.valueOf(v > 1)
              : "lower".equals(expect) ? Boolean.valueOf(v < 1) : null);
        } else {
          r.put("ratio", null);
          r.put("holds", null);
        }
        Map<String, Object> all = new LinkedHashMap<>();
        for (String h : headline) {
          if (ratios.get(h) instanceof Map<?, ?> x && x.get("ratio") instanceof Number v) all.put(h, round(v.doubleValue()));
        }
        r.put("ratios", all);
        r.put("source", source);
        out.add(r);
      }
    }
    return out;
  }

  /** The metric name {@code name} stands for: itself, or with {@code *} the first metric that matches. */
  private static String pickName(Map<String, Object> metrics, String name) {
    if (metrics == null) return null;
    if (!name.contains("*")) return metrics.containsKey(name) ? name : null;
    String regex = java.util.regex.Pattern.quote(name).replace("*", "\\E.*\\Q");
    for (String k : metrics.keySet()) if (k.matches(regex)) return k;
    return null;
  }

  static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }
}
