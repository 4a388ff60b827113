package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelRegistry;

/**
 * Reads an experiment file: parse (includes resolve relative to the file), check the top-level shape,
 * apply command-line overrides, resolve over the reference defaults, then validate. Every problem is
 * collected; nothing here throws for a user mistake.
 */
public final class ExperimentLoader {
  /** What a file may hold at top level: the experiment, plus engine and metrics overrides. */
  public static final Set<String> TOP_LEVEL_KEYS = Set.of("experiment", "pekko", "kamon");

  private final Config reference;
  private final ExperimentValidator validator;

  public ExperimentLoader() {
    this(ConfigFactory.defaultReference(), new ModelRegistry());
  }

  public ExperimentLoader(Config reference, ModelRegistry models) {
    this.reference = reference;
    this.validator = new ExperimentValidator(reference, models);
  }

  public Config reference() {
    return reference;
  }

  public LoadedExperiment load(Path path) {
    return load(path, Map.of());
  }

  /**
   * @param overrides values set on the command line, by path under the root (e.g. {@code experiment.seed});
   *     they take precedence over the file and appear in the resolved config like any other value
   */
  public LoadedExperiment load(Path path, Map<String, Object> overrides) {
    return load(path, overrides, null);
  }

  /**
   * Loads {@code path} as named by a caller whose working folder is {@code cwd} (null: this JVM's). The
   * resident daemon reads the caller's relative paths against {@code cwd}; messages still name files
   * the way the caller wrote them, exactly as a fresh JVM started in {@code cwd} would.
   */
  public LoadedExperiment load(Path path, Map<String, Object> overrides, Path cwd) {
    return load(path, overrides.isEmpty() ? ConfigFactory.empty() : ConfigFactory.parseMap(overrides, "command line"), cwd);
  }

  /**
   * As {@link #load(Path, Map, Path)} with the overrides as a config (paths under the root); each value's
   * origin names it in messages (a {@code --set} value says {@code --set KEY}, see {@link Overrides}).
   */
  public LoadedExperiment load(Path path, Config overrides, Path cwd) {
    if (cwd == null || path.isAbsolute()) return loadAs(path, path, overrides);
    LoadedExperiment e = loadAs(path, cwd.resolve(path), overrides);
    if (e.problems().isEmpty()) return e;
    // HOCON names the file (and its includes) as parsed, i.e. under cwd: give them back their relative names.
    String prefix = cwd.toString().endsWith("/") ? cwd.toString() : cwd + "/";
    List<ConfigProblem> renamed = new ArrayList<>(e.problems().size());
    for (ConfigProblem p : e.problems()) {
      String f = p.file();
      renamed.add(f != null && f.startsWith(prefix)
          ? new ConfigProblem(f.substring(prefix.length()), p.line(), p.key(), p.message()) : p);
    }
    return new LoadedExperiment(e.file(), e.resolved(), e.experiment(), e.pekkoOverrides(), e.kamonOverrides(),
        Problems.sorted(renamed));
  }

  private LoadedExperiment loadAs(Path shown, Path path, Config overrides) {
    try {
      return loadBounded(shown, path, overrides);
    } catch (StackOverflowError e) {
      // BoundedReading bounds the braces; a path expression of thousands of keys (a.a.a...) still nests
      return failed(shown.toString(), "nested too deeply to read (keys or includes thousands of levels deep)");
    }
  }

  private LoadedExperiment loadBounded(Path shown, Path path, Config overrides) {
    String file = shown.toString();
    if (!Files.exists(path)) return failed(file, "no such file");
    if (Files.isDirectory(path)) return failed(file, "is a directory, expected an experiment file");
    if (!Files.isReadable(path)) return failed(file, "cannot read file (permission denied)");

    Config parsed;
    BoundedReading reading = new BoundedReading();
    try {
      reading.check(path, file);
      // A bare name ("x.conf") has no parent folder and Typesafe then resolves includes nowhere: say "./x.conf".
      Path parseable = path.getParent() == null ? Path.of(".").resolve(path) : path;
      parsed = ConfigFactory.parseFile(parseable.toFile(),
          ConfigParseOptions.defaults().setAllowMissing(false).setIncluder(reading.includer()));
    } catch (BoundedReading.Refused r) {
      return refused(r, file);
    } catch (ConfigException e) {
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        if (t instanceof BoundedReading.Refused r) return refused(r, file);
      }
      return new LoadedExperiment(file, null, null, null, null, List.of(Problems.of(e, file)));
    }

    List<ConfigProblem> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> top : parsed.root().entrySet()) {
      if (!TOP_LEVEL_KEYS.contains(top.getKey())) {
        problems.add(Problems.at(top.getValue().origin(), file, top.getKey(),
            "unknown top-level key; a file holds `experiment { ... }` and optional `pekko { }` / `kamon { }` blocks"));
      }
    }
    problems.addAll(TuningKeys.check(parsed, "pekko", file));
    problems.addAll(TuningKeys.check(parsed, "kamon", file));
    if (!parsed.hasPath("experiment")) {
      problems.add(new ConfigProblem(file, 0, "experiment", "missing the `experiment { ... }` block"));
    }

    Config withOverrides = parsed;
    if (!overrides.isEmpty()) withOverrides = overrides.withFallback(parsed);
    String expands = Expansion.tooLarge(withOverrides.root(), reference);
    if (expands != null) {
      problems.add(Problems.at(originOf(withOverrides.root(), expands), file, expands, "its substitutions (${...})"
          + " expand to more than " + Expansion.MAX_CHARS + " characters"));
      return new LoadedExperiment(file, null, null, null, null, Problems.sorted(problems));
    }
    Config resolved;
    try {
      resolved = withOverrides.withFallback(reference).resolve();
    } catch (ConfigException e) {
      problems.add(Problems.of(e, file));
      return new LoadedExperiment(file, null, null, null, null, Problems.sorted(problems));
    }

    problems.addAll(validator.validate(resolved, file));
    if (!problems.isEmpty()) return new LoadedExperiment(file, resolved, null, null, null, Problems.sorted(problems));

    Config pekko = resolved.hasPath("pekko") && parsed.hasPath("pekko")
        ? parsed.withOnlyPath("pekko").resolveWith(resolved) : ConfigFactory.empty();
    Config kamon = resolved.hasPath("kamon") && parsed.hasPath("kamon")
        ? parsed.withOnlyPath("kamon").resolveWith(resolved) : ConfigFactory.empty();
    return new LoadedExperiment(file, resolved, resolved.getConfig("experiment"), pekko, kamon, List.of());
  }

  /** The origin of the (unresolved) value at {@code path}, as deep as plain objects go. */
  private static com.typesafe.config.ConfigOrigin originOf(com.typesafe.config.ConfigObject root, String path) {
    ConfigValue v = root;
    for (String part : com.typesafe.config.ConfigUtil.splitPath(path)) {
      if (!(v instanceof com.typesafe.config.ConfigObject o) || o.get(part) == null) break;
      v = o.get(part);
    }
    return v.origin();
  }

  private static LoadedExperiment refused(BoundedReading.Refused r, String file) {
    String where = r.file == null ? file : r.file;
    return new LoadedExperiment(file, null, null, null, null,
        List.of(new ConfigProblem(where.startsWith("./") ? where.substring(2) : where, r.line, null, r.getMessage())));
  }

  private static LoadedExperiment failed(String file, String message) {
    return new LoadedExperiment(file, null, null, null, null, List.of(new ConfigProblem(file, 0, null, message)));
  }
}
