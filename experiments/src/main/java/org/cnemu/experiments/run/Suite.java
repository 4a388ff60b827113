package org.cnemu.experiments.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.experiments.config.EngineSettings;
import org.cnemu.experiments.config.ExperimentLoader;
import org.cnemu.experiments.config.LoadedExperiment;
import org.cnemu.experiments.report.Metrics;

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
 * {@code engine.partitions = 1}), {@code jobs} (experiments run at once).
 */
public final class Suite {
  public static final String SUITE_JSON = "suite.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The suite file, read. */
  public record Spec(Path file, String name, String title, List<String> patterns, Config published,
      Map<String, Object> overrides, int jobs) {}

  /** Progress hooks. */
  public interface Listener {
    default void discovered(List<Path> files) {}

    default void started(Path file) {}

    default void finished(Map<String, Object> entry) {}
  }

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
          published, overrides, s.hasPath("jobs") ? Math.max(1, s.getInt("jobs")) : 1);
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

  /** Runs every experiment of the suite into {@code outDir} and writes suite.json; returns its document. */
  public static Map<String, Object> run(Spec spec, Path outDir, Integer threads, boolean reports, Listener listener)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    List<Path> files = discover(spec);
    listener.discovered(files);
    Files.createDirectories(outDir);
    Path base = dirOf(spec.file());
    List<Map<String, Object>> entries = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(spec.jobs());
    try {
      List<Future<Map<String, Object>>> futures = new ArrayList<>();
      for (Path f : files) {
        String rel = base.relativize(f.toAbsolutePath()).toString().replace('\\', '/');
        Path dir = outDir.resolve(rel.endsWith(".conf") ? rel.substring(0, rel.length() - 5) : rel);
        futures.add(pool.submit(() -> {
          listener.started(f);
          Map<String, Object> e = runOne(spec, f, rel, dir, outDir, threads, reports);
          listener.finished(e);
          return e;
        }));
      }
      for (Future<Map<String, Object>> fu : futures) {
        try {
          entries.add(fu.get());
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IOException(ExperimentRunner.describe(e.getCause()), e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }

    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("suite", spec.name());
    doc.put("title", spec.title());
    doc.put("kind", "suite");
    doc.put("patterns", spec.patterns());
    doc.put("experiments", entries);
    doc.put("figures", figures(spec.published(), entries));
    doc.put("policies", policyChecks(spec.published(), entries));
    Map<String, Object> wall = new LinkedHashMap<>();
    wall.put("seconds", round((System.nanoTime() - t0) / 1e9));
    wall.put("jobs", spec.jobs());
    wall.put("processors", Runtime.getRuntime().availableProcessors());
    doc.put("wall", wall);
    JsonFiles.writeAtomically(outDir.resolve(SUITE_JSON), doc);
    return doc;
  }

  private static Map<String, Object> runOne(Spec spec, Path file, String rel, Path dir, Path outDir, Integer threads,
      boolean reports) throws IOException {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("file", rel);
    e.put("dir", outDir.relativize(dir).toString().replace('\\', '/'));
    long t0 = System.nanoTime();
    // a file without an experiment block is a shared fragment for `include`: not an experiment
    try {
      Config parsed = ConfigFactory.parseFile(file.toFile());
      if (!parsed.hasPath("experiment")) {
        e.put("status", "skipped");
        e.put("error", "no experiment block (an include fragment?)");
        return e;
      }
    } catch (ConfigException ex) {
      // the loader reports it with file:line below
    }
    LoadedExperiment loaded = new ExperimentLoader().load(file, spec.overrides());
    if (!loaded.ok()) {
      e.put("status", "invalid");
      List<String> problems = new ArrayList<>();
      for (ConfigProblem p : loaded.problems()) problems.add(p.format());
      e.put("problems", problems);
      return e;
    }
    ExperimentRunner.Options options = new ExperimentRunner.Options(dir, threads, reports);
    ModelRegistry models = new ModelRegistry();
    List<Map<String, Object>> points = new ArrayList<>();
    String error = null;
    if (SweepRunner.isSweep(loaded)) {
      EngineSettings s = EngineSettings.from(org.cnemu.experiments.config.Sweep.base(loaded.experiment()));
      e.put("experiment", s.name());
      e.put("kind", "sweep");
      SweepRunner.SweepOutcome o = new SweepRunner(models).run(loaded, options, new SweepRunner.Listener() {});
      for (SweepRunner.PointResult p : o.points()) {
        points.add(point(p.dir(), p.values(), p.outcome()));
        if (error == null && p.outcome().firstFailure() != null) error = p.dir() + ": " + p.outcome().firstFailure().error();
      }
      e.put("report", "report.html");
    } else {
      EngineSettings s = EngineSettings.from(loaded.experiment());
      e.put("experiment", s.name());
      e.put("kind", "run");
      ExperimentRunner.PointOutcome o = new ExperimentRunner(models.get(s.model())).run(loaded, options,
          new ExperimentRunner.Listener() {});
      points.add(point(".", Map.of(), o));
      if (o.firstFailure() != null) error = o.firstFailure().error();
      e.put("report", "report.html");
    }
    e.put("status", error == null ? "ok" : "failed");
    if (error != null) e.put("error", error);
    e.put("points", points);
    e.put("wall_seconds", round((System.nanoTime() - t0) / 1e9));
    return e;
  }

  private static Map<String, Object> point(String dir, Map<String, Object> values, ExperimentRunner.PointOutcome o) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("dir", dir);
    p.put("values", values);
    p.put("complete", o.complete());
    Map<String, List<Double>> all = new LinkedHashMap<>();
    for (ExperimentRunner.RunOutcome r : o.runs()) {
      if (!r.complete() || r.document() == null) continue;
      metricsOf(r.document()).forEach((k, v) -> {
        if (v != null && Double.isFinite(v)) all.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      });
    }
    Map<String, Object> means = new LinkedHashMap<>();
    all.forEach((k, v) -> means.put(k, round(v.stream().mapToDouble(Double::doubleValue).average().orElse(0))));
    p.put("metrics", means);
    return p;
  }

  /**
   * {@link Metrics} of a run plus the figures the calibration targets need: per host
   * {@code host[H].busy_cores} (sum of busy % / 100), {@code host[H].hottest_core_soft_irq_pct} (soft + irq of
   * its busiest core), {@code host[H].other_cores_max_busy_pct}, {@code host[H].net_rx_per_irq}; and
   * {@code total.packet_rate_kpps} (sum over flows).
   */
  public static Map<String, Double> metricsOf(Map<String, Object> document) {
    JsonNode doc = JSON.valueToTree(document);
    Map<String, Double> m = new LinkedHashMap<>(Metrics.of(doc));
    Map<String, List<JsonNode>> coresByHost = new LinkedHashMap<>();
    for (JsonNode c : doc.path("cores")) coresByHost.computeIfAbsent(c.path("host").asText(), k -> new ArrayList<>()).add(c);
    coresByHost.forEach((h, cores) -> {
      double sum = 0;
      JsonNode top = null;
      double topBusy = -1;
      for (JsonNode c : cores) {
        double busy = 100 - c.path("idle").asDouble(100);
        sum += busy;
        if (busy > topBusy) {
          topBusy = busy;
          top = c;
        }
      }
      m.put("host[" + h + "].busy_cores", sum / 100);
      if (top != null) {
        m.put("host[" + h + "].hottest_core_soft_irq_pct", top.path("soft").asDouble() + top.path("irq").asDouble());
        double others = 0;
        for (JsonNode c : cores) if (c != top) others = Math.max(others, 100 - c.path("idle").asDouble(100));
        m.put("host[" + h + "].other_cores_max_busy_pct", others);
      }
    });
    for (JsonNode h : doc.path("hosts")) {
      double irqs = h.path("irqs").asDouble(0);
      if (irqs > 0 && h.path("softirqs").has("NET_RX")) {
        m.put("host[" + h.path("id").asText() + "].net_rx_per_irq", h.path("softirqs").path("NET_RX").asDouble() / irqs);
      }
    }
    double kpps = 0;
    boolean any = false;
    for (JsonNode f : doc.path("flows")) {
      if (f.has("packet_rate_kpps")) {
        kpps += f.path("packet_rate_kpps").asDouble();
        any = true;
      }
    }
    if (any) m.put("total.packet_rate_kpps", kpps);
    return m;
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
      metrics.forEach((k, v) -> m.put(k, ((Number) v).doubleValue()));
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
   * For every sweep over {@code steering} that has a {@code vanilla} point: each other policy point
   * against the vanilla point with the same other swept values, on the metric and in the direction
   * {@code directions.<policy>} of published-figures.conf expects.
   */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> policyChecks(Config published, List<Map<String, Object>> entries) {
    List<Map<String, Object>> out = new ArrayList<>();
    Config directions = published.hasPath("directions") ? published.getConfig("directions") : ConfigFactory.empty();
    for (Map<String, Object> e : entries) {
      if (!"sweep".equals(e.get("kind")) || !(e.get("points") instanceof List<?> pts)) continue;
      List<Map<String, Object>> points = (List<Map<String, Object>>) pts;
      for (Map<String, Object> p : points) {
        Map<String, Object> values = (Map<String, Object>) p.get("values");
        Object policy = values.get("steering");
        if (policy == null || "vanilla".equals(policy)) continue;
        Map<String, Object> base = null;
        for (Map<String, Object> q : points) {
          Map<String, Object> qv = new LinkedHashMap<>((Map<String, Object>) q.get("values"));
          Map<String, Object> pv = new LinkedHashMap<>(values);
          if (!"vanilla".equals(qv.get("steering"))) continue;
          qv.remove("steering");
          pv.remove("steering");
          if (qv.equals(pv)) base = q;
        }
        if (base == null) continue;
        String key = ConfigFactoryKey.of(String.valueOf(policy));
        String metric = "total.throughput_gbps";
        String expect = "none";
        String source = "no expected direction in published-figures.conf";
        if (directions.hasPath(key)) {
          Config d = directions.getConfig(key);
          if (d.hasPath("metric")) metric = d.getString("metric");
          if (d.hasPath("expect")) expect = d.getString("expect").toLowerCase(Locale.ROOT);
          if (d.hasPath("source")) source = d.getString("source");
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", e.get("file"));
        r.put("experiment", e.get("experiment"));
        r.put("dir", e.get("dir"));
        r.put("policy", policy);
        r.put("point", p.get("dir"));
        r.put("baseline_point", base.get("dir"));
        r.put("values", values);
        r.put("metric", metric);
        r.put("expect", expect);
        Double a = pick((Map<String, Object>) base.get("metrics"), metric);
        Double b = pick((Map<String, Object>) p.get("metrics"), metric);
        r.put("vanilla", a);
        r.put("policy_value", b);
        if (a != null && b != null && a != 0) {
          double ratio = b / a;
          r.put("ratio", round(ratio));
          r.put("holds", "higher".equals(expect) ? Boolean.valueOf(ratio > 1)
              : "lower".equals(expect) ? Boolean.valueOf(ratio < 1) : null);
        } else {
          r.put("ratio", null);
          r.put("holds", null);
        }
        r.put("source", source);
        out.add(r);
      }
    }
    return out;
  }

  /** A metric by name; a name with {@code *} takes the first metric that matches. */
  private static Double pick(Map<String, Object> metrics, String name) {
    if (metrics == null) return null;
    if (!name.contains("*")) return metrics.get(name) instanceof Number n ? n.doubleValue() : null;
    String regex = java.util.regex.Pattern.quote(name).replace("*", "\\E.*\\Q");
    for (Map.Entry<String, Object> e : metrics.entrySet()) {
      if (e.getKey().matches(regex) && e.getValue() instanceof Number n) return n.doubleValue();
    }
    return null;
  }

  /** Quotes a policy name for use as a HOCON path (names like prism-batch are fine; dots are not). */
  private static final class ConfigFactoryKey {
    static String of(String name) {
      return com.typesafe.config.ConfigUtil.joinPath(name);
    }
  }

  static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }
}
