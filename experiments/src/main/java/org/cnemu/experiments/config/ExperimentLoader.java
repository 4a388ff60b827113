package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.emulator.model.ModelSpec;
import org.cnemu.emulator.model.Parsed;

/**
 * Reads an experiment file: parse (includes resolve relative to the file), check the top-level shape,
 * apply command-line overrides, resolve over the reference defaults, then validate. Every problem is
 * collected; nothing here throws for a user mistake.
 */
public final class ExperimentLoader {
  /** What a file may hold at top level: the experiment, plus engine and metrics overrides. */
  public static final Set<String> TOP_LEVEL_KEYS = Set.of("experiment", "pekko", "kamon");

  /** Files whose load {@link #shared} keeps: a few, as a user alternates between a handful of files. */
  static final int CACHED_LOADS = 4;

  private final Config reference;
  private final ExperimentValidator validator;
  private final ModelRegistry models;
  /**
   * The last valid loads, most recent last: a file is parsed, resolved and validated again only when
   * its bytes, its name, the folder it is read from or the overrides differ (see {@link LoadKey}).
   */
  private final java.util.LinkedList<Cached> cache = new java.util.LinkedList<>();

  /** A valid load and what it was loaded from. */
  private record Cached(LoadKey key, LoadedExperiment loaded) {}

  /**
   * Everything a valid load depends on, besides the reference and the class path (fixed for the loader's
   * life): the name it is shown by and the path it is read from (which also fixes the caller's folder),
   * the file's bytes, and the overrides with their origins (messages name them). A file that includes
   * others is never cached: its includes could change under an unchanged file. The environment
   * (HOCON's {@code ${?VAR}}) is this JVM's, the same at every load.
   */
  private record LoadKey(String shown, Path path, byte[] bytes, String overrides) {
    boolean sameAs(LoadKey o) {
      return shown.equals(o.shown) && path.equals(o.path) && overrides.equals(o.overrides)
          && java.util.Arrays.equals(bytes, o.bytes);
    }
  }

  private static final class Shared {
    static final ExperimentLoader LOADER = new ExperimentLoader();
  }

  public ExperimentLoader() {
    this(ConfigFactory.defaultReference(), new ModelRegistry());
  }

  /**
   * This JVM's loader over the default reference: the reference, the schema and the model registry are
   * read once, and the last valid loads are kept, so that the resident daemon serving the same file again
   * reuses its typed spec. What it returns is immutable, as from a fresh loader.
   */
  public static ExperimentLoader shared() {
    return Shared.LOADER;
  }

  public ExperimentLoader(Config reference, ModelRegistry models) {
    this.reference = reference;
    this.validator = new ExperimentValidator(reference, models);
    this.models = models;
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
    return new LoadedExperiment(e.file(), e.spec(), Problems.sorted(renamed));
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

    LoadKey key = key(file, path, overrides);
    if (key != null) {
      synchronized (cache) {
        for (java.util.Iterator<Cached> i = cache.iterator(); i.hasNext(); ) {
          Cached c = i.next();
          if (c.key().sameAs(key)) {
            i.remove();
            cache.addLast(c); // most recently used last
            return c.loaded();
          }
        }
      }
    }
    BoundedReading reading = new BoundedReading();
    LoadedExperiment loaded = parseAndValidate(file, path, overrides, reading);
    // kept only if valid, read without includes, and the file still holds the bytes of the key: it may
    // have changed while it was parsed
    if (key != null && loaded.ok() && !reading.included() && java.util.Arrays.equals(key.bytes(), bytesOf(path))) {
      synchronized (cache) {
        cache.addLast(new Cached(key, loaded));
        if (cache.size() > CACHED_LOADS) cache.removeFirst();
      }
    }
    return loaded;
  }

  /** The key of a load of the regular file {@code path}, or null when it cannot be read as one. */
  private static LoadKey key(String shown, Path path, Config overrides) {
    byte[] bytes = bytesOf(path);
    if (bytes == null) return null;
    String o = overrides.isEmpty() ? ""
        : overrides.root().render(ConfigRenderOptions.defaults().setOriginComments(true).setComments(true));
    return new LoadKey(shown, path.toAbsolutePath().normalize(), bytes, o);
  }

  /** The bytes of a regular file within the size limit, or null (a FIFO is never opened: it could block). */
  private static byte[] bytesOf(Path path) {
    try {
      java.nio.file.attribute.BasicFileAttributes a =
          Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
      if (!a.isRegularFile() || a.size() > BoundedReading.MAX_FILE_BYTES) return null;
      byte[] b = Files.readAllBytes(path);
      return b.length > BoundedReading.MAX_FILE_BYTES ? null : b;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private LoadedExperiment parseAndValidate(String file, Path path, Config overrides, BoundedReading reading) {
    Config parsed;
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
      return new LoadedExperiment(file, null, List.of(Problems.of(e, file)));
    }

    if (parsed.hasPath("suite") && !parsed.hasPath("experiment")) { // the paper suite's list, not an experiment
      return new LoadedExperiment(file, null, List.of(Problems.at(parsed.root().get("suite").origin(), file, "suite",
          "this is a suite file (a list of experiment files), not an experiment: run it with `cnemu suite " + file
              + "`")));
    }
    List<ConfigProblem> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> top : parsed.root().entrySet()) {
      if (!TOP_LEVEL_KEYS.contains(top.getKey())) {
        problems.add(Problems.at(top.getValue().origin(), file, top.getKey(),
            "unknown top-level key; a file holds `experiment { ... }` and optional `pekko { }` / `kamon { }` blocks"));
      }
    }
    if (!parsed.hasPath("experiment")) {
      problems.add(new ConfigProblem(file, 0, "experiment", "missing the `experiment { ... }` block"));
    }

    Config withOverrides = parsed;
    if (!overrides.isEmpty()) {
      Overrides.Applied a = Overrides.intoLists(parsed, overrides, reference, problems);
      withOverrides = a.overrides().withFallback(a.file());
    }
    // the file's pekko / kamon blocks and --set pekko.* / kamon.* alike: tuning keys only
    problems.addAll(TuningKeys.check(withOverrides, "pekko", file));
    problems.addAll(TuningKeys.check(withOverrides, "kamon", file));
    String expands = Expansion.tooLarge(withOverrides.root(), reference);
    if (expands != null) {
      problems.add(Problems.at(originOf(withOverrides.root(), expands), file, expands, "its substitutions (${...})"
          + " expand to more than " + Expansion.MAX_CHARS + " characters"));
      return new LoadedExperiment(file, null, Problems.sorted(problems));
    }
    Config resolved;
    Config merged = withOverrides.withFallback(reference);
    try {
      resolved = Overrides.namedBySet(merged.resolve(), overrides);
    } catch (ConfigException.UnresolvedSubstitution e) {
      problems.add(Problems.unresolved(e, file, merged));
      return new LoadedExperiment(file, null, Problems.sorted(problems));
    } catch (ConfigException e) {
      problems.add(Problems.of(e, file));
      return new LoadedExperiment(file, null, Problems.sorted(problems));
    }

    ExperimentValidator.Checked checked = validator.validate(resolved, file);
    problems.addAll(checked.problems());
    problems.addAll(ModelKeys.check(withOverrides, resolved, reference, models, file));
    if (!problems.isEmpty()) return new LoadedExperiment(file, null, Problems.sorted(problems));

    Config pekko = resolved.hasPath("pekko") && withOverrides.hasPath("pekko")
        ? withOverrides.withOnlyPath("pekko").resolveWith(resolved) : ConfigFactory.empty();
    Config kamon = resolved.hasPath("kamon") && withOverrides.hasPath("kamon")
        ? withOverrides.withOnlyPath("kamon").resolveWith(resolved) : ConfigFactory.empty();
    return spec(file, resolved, pekko, kamon, checked.models());
  }

  /**
   * An experiment built in memory ({@code resolved}: over this loader's reference), validated and parsed
   * as a file would be, without {@code pekko} or {@code kamon} overrides; {@code file} names it in messages.
   */
  public LoadedExperiment load(Config resolved, String file) {
    ExperimentValidator.Checked checked = validator.validate(resolved, file);
    if (!checked.problems().isEmpty()) return new LoadedExperiment(file, null, checked.problems());
    return spec(file, resolved, ConfigFactory.empty(), ConfigFactory.empty(), checked.models());
  }

  /**
   * The typed spec of a validated file: its settings, sweep and points, each point with its model's typed
   * spec (the one validation parsed; a point validation skipped, in a sweep too large to check every
   * point, is parsed here and its problems reported like any other).
   */
  private LoadedExperiment spec(String file, Config resolved, Config pekko, Config kamon,
      Map<Integer, ModelSpec<?>> models) {
    Config exp = resolved.getConfig("experiment");
    boolean swept = Sweep.present(exp);
    Config base = Sweep.base(exp);
    List<ExperimentSpec.Point> points = new ArrayList<>();
    java.util.LinkedHashSet<ConfigProblem> problems = new java.util.LinkedHashSet<>();
    List<String> keys = List.of();
    String compared = null;
    if (!swept) {
      points.add(point(file, 0, Map.of(), -1, base, models.get(0), problems));
    } else {
      Sweep s = Sweep.of(exp);
      keys = s.keys().stream().map(Sweep.Key::name).toList();
      compared = s.compared() == null ? null : s.compared().name();
      for (Sweep.Point p : s.points()) {
        points.add(point(file, p.index(), p.labels(s.keys()), s.baselineOf(p.index()), s.apply(exp, p),
            models.get(p.index()), problems));
      }
    }
    if (!problems.isEmpty()) return new LoadedExperiment(file, null, Problems.sorted(new ArrayList<>(problems)));
    EngineSettings settings = swept ? settings(base) : points.get(0).settings();
    return new LoadedExperiment(file, new ExperimentSpec(settings, exp, pekko, kamon, swept, keys, compared, points),
        List.of());
  }

  private ExperimentSpec.Point point(String file, int index, Map<String, Object> values, int baseline,
      Config experiment, ModelSpec<?> model, java.util.Set<ConfigProblem> problems) {
    if (model == null) {
      try {
        Parsed<ModelSpec<?>> p = validator.parseModel(experiment);
        if (!p.ok()) {
          problems.addAll(p.problems());
          return null;
        }
        model = p.spec();
      } catch (RuntimeException e) {
        problems.add(e instanceof ConfigException ce ? Problems.of(ce, file) : new ConfigProblem(file, 0, "experiment",
            "model '" + experiment.getString("model") + "' rejected the config: " + e.getMessage()));
        return null;
      }
    }
    return new ExperimentSpec.Point(index, values, baseline, settings(experiment), model, experiment);
  }

  /** The one place the shared settings are read from a configuration. */
  private static EngineSettings settings(Config experiment) {
    return EngineSettings.from(experiment);
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
    return new LoadedExperiment(file, null,
        List.of(new ConfigProblem(where.startsWith("./") ? where.substring(2) : where, r.line, null, r.getMessage())));
  }

  private static LoadedExperiment failed(String file, String message) {
    return new LoadedExperiment(file, null, List.of(new ConfigProblem(file, 0, null, message)));
  }
}
