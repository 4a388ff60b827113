package org.cnemu.kernel.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.cnemu.emulator.config.Domains;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.Parsed;

/**
 * Reads a policy's settings block for {@link SteeringPolicyProvider#parse}: each getter returns the
 * value, or records a problem at the key (with the value's file and line) and returns a harmless
 * stand-in, so one pass reports every bad setting; {@link #result} then gives the settings or the
 * problems.
 *
 * <p>The valid values of each key are its declared domain in the policy module's reference.conf
 * ({@code cnemu.domain.experiment.steering-settings.NAME.key}, see {@link Domains}): the same declaration,
 * and the same words, as the experiment validator's, so a range is stated once (including the bounds the
 * policy's code relies on: no division by zero). Durations and sizes are read with the engine's
 * {@link Units}, as every other quantity of an experiment file: a unit is required ({@code tick = 10} is
 * refused, never guessed to be 10 ms).
 */
public final class SettingsReader {
  private final Config settings;
  private final Set<Integer> hostCpus;
  private final Domains domains;
  private final List<String> schemaPath;
  private final List<ConfigProblem> problems = new ArrayList<>();

  /**
   * @param settings the block {@code experiment.steering-settings.NAME} over the module's defaults
   * @param hostCpus the distinct core counts of the hosts (for {@link #cores})
   * @param domains the declared domains (of the merged reference.conf)
   * @param name the policy's name: its keys' domains are at {@code experiment.steering-settings.NAME}
   */
  public SettingsReader(Config settings, Set<Integer> hostCpus, Domains domains, String name) {
    this.settings = settings;
    this.hostCpus = Set.copyOf(hostCpus);
    this.domains = domains;
    this.schemaPath = List.of("experiment", "steering-settings", name);
  }

  /** The block as given (for a policy's own reading; the getters below check against the domains). */
  public Config config() {
    return settings;
  }

  /** The distinct core counts of the hosts the policy will run on. */
  public Set<Integer> hostCpus() {
    return hostCpus;
  }

  /** A whole number inside its domain (a string HOCON converts, "4", is taken too, as Config's getters do). */
  public int wholeNumber(String key) {
    Domains.Domain d = domain(key);
    int fallback = d.min() == null ? 0 : ((Number) d.min().unwrapped()).intValue();
    Number n = numberAt(key, "a whole number");
    if (n == null) return fallback;
    if (!(n instanceof Integer i)) {
      problem(settings.getValue(key).origin(), key, "expected a whole number, got " + n);
      return fallback;
    }
    return inDomain(key, d, ConfigValueFactory.fromAnyRef(i), Units.Kind.NONE) ? i : fallback;
  }

  /** A number (fractions allowed) inside its domain. */
  public double number(String key) {
    Domains.Domain d = domain(key);
    double fallback = d.min() == null ? 0 : ((Number) d.min().unwrapped()).doubleValue();
    Number n = numberAt(key, "a number");
    if (n == null) return fallback;
    return inDomain(key, d, ConfigValueFactory.fromAnyRef(n), Units.Kind.NONE) ? n.doubleValue() : fallback;
  }

  /** true / false (also yes / no, on / off, as HOCON reads them). */
  public boolean flag(String key) {
    if (!present(key)) return false;
    try {
      return settings.getBoolean(key);
    } catch (ConfigException.WrongType e) {
      problem(settings.getValue(key).origin(), key, "expected a boolean (true or false), got "
          + settings.getValue(key).unwrapped());
      return false;
    }
  }

  /** A duration with a unit ({@code 10ms}, {@code 1us}) inside its domain, in nanoseconds. */
  public long nanos(String key) {
    return quantity(key, Units.Kind.DURATION);
  }

  /** A size with a unit ({@code 64B}, {@code 4KiB}) inside its domain, in bytes. */
  public long bytes(String key) {
    return quantity(key, Units.Kind.SIZE);
  }

  /** One of the values its domain lists ({@code enum}), exactly as written there; the first after a problem. */
  public String oneOf(String key) {
    Domains.Domain d = domain(key);
    if (d.values() == null || d.values().isEmpty()) throw new IllegalStateException(where(key) + " declares no enum");
    if (!present(key)) return d.values().get(0);
    ConfigValue v = settings.getValue(key);
    if (v.valueType() != ConfigValueType.STRING) {
      problem(v.origin(), key, "expected one of " + String.join(", ", d.values()) + ", got " + v.unwrapped());
      return d.values().get(0);
    }
    String message = Domains.check(d, v, Units.Kind.NONE);
    if (message != null) {
      problem(v.origin(), key, message);
      return d.values().get(0);
    }
    return (String) v.unwrapped();
  }

  /** A list, each element one of the values its domain lists; problems at {@code key[i]}. */
  public List<String> eachOneOf(String key) {
    Domains.Domain d = domain(key);
    if (d.values() == null || d.values().isEmpty()) throw new IllegalStateException(where(key) + " declares no enum");
    ConfigValue v = value(key, ConfigValueType.LIST, "a list of " + String.join(", ", d.values()));
    if (v == null) return List.of();
    List<String> out = new ArrayList<>();
    ConfigList l = (ConfigList) v;
    for (int i = 0; i < l.size(); i++) {
      ConfigValue e = l.get(i);
      String message = e.valueType() == ConfigValueType.STRING ? Domains.check(d, e, Units.Kind.NONE)
          : "expected one of " + String.join(", ", d.values()) + ", got " + e.unwrapped();
      if (message != null) problem(e.origin(), key + "[" + i + "]", message);
      else out.add((String) e.unwrapped());
    }
    return List.copyOf(out);
  }

  /**
   * A list of core indexes ([] = every core of each host), each inside the list's domain, and every host
   * keeps at least one core of the list (a host uses the listed cores below its core count): checked
   * against each core count the hosts have.
   */
  public Cores cores(String key) {
    Domains.Domain d = domain(key);
    ConfigValue v = value(key, ConfigValueType.LIST, "a list of core indexes ([] = all cores)");
    if (v == null) return Cores.all();
    ConfigList l = (ConfigList) v;
    int[] out = new int[l.size()];
    boolean ok = true;
    for (int i = 0; i < l.size(); i++) {
      ConfigValue e = l.get(i);
      Integer c = null;
      try {
        c = ConfigFactory.empty().withValue("c", e).getInt("c");
      } catch (ConfigException ex) {
        // not a whole number: reported below
      }
      String message = c == null ? "got " + e.unwrapped() : Domains.check(d, e, Units.Kind.NONE);
      if (message != null) {
        problem(e.origin(), key + "[" + i + "]", "expected a core index: " + message);
        ok = false;
      } else {
        out[i] = c;
      }
    }
    if (!ok) return Cores.all();
    Cores cores = Cores.of(out);
    if (out.length > 0) {
      for (int cpus : new TreeSet<>(hostCpus)) {
        if (cores.lowest() >= cpus) {
          problem(v.origin(), key, "no core of " + v.render(ConfigRenderOptions.concise()) + " is on a host with " + cpus
              + " cores (0.." + (cpus - 1) + "); list at least one core below " + cpus);
          break;
        }
      }
    }
    return cores;
  }

  /** A problem found by the policy's own checks (between settings), at {@code key}. */
  public void problem(String key, String message) {
    problem(settings.hasPath(key) ? settings.getValue(key).origin() : settings.origin(), key, message);
  }

  /**
   * The settings {@code make} builds (called only when no problem was found), or every problem: keys are
   * relative to the block ({@code cpus}, {@code boundaries[0]}); a problem's file is null when the value is
   * a default of the policy's module rather than written in the experiment's files.
   */
  public <S> Parsed<S> result(Supplier<S> make) {
    return problems.isEmpty() ? Parsed.of(make.get()) : Parsed.failed(problems);
  }

  // ---- shared readers ----------------------------------------------------------------------------------

  /** The key's declared domain; a key without one is a mistake of the policy module (DomainsTest). */
  private Domains.Domain domain(String key) {
    List<String> path = new ArrayList<>(schemaPath);
    path.add(key);
    Domains.Domain d = domains.at(path);
    if (d == null) throw new IllegalStateException(where(key) + " has no declared domain (cnemu.domain)");
    return d;
  }

  private String where(String key) {
    return String.join(".", schemaPath) + "." + key;
  }

  private long quantity(String key, Units.Kind kind) {
    Domains.Domain d = domain(key);
    long fallback = d.min() == null ? 0 : Units.parse(String.valueOf(d.min().unwrapped()), kind);
    if (!present(key)) return fallback;
    ConfigValue v = settings.getValue(key);
    if (v.valueType() != ConfigValueType.STRING) {
      problem(v.origin(), key, "expected " + kind.expected + ", got " + v.unwrapped());
      return fallback;
    }
    long q;
    try {
      q = Units.parseSigned((String) v.unwrapped(), kind);
    } catch (IllegalArgumentException e) {
      problem(v.origin(), key, e.getMessage());
      return fallback;
    }
    String message = Domains.checkQuantity(d, v, kind, q);
    if (message == null) return q;
    problem(v.origin(), key, message);
    return fallback;
  }

  /** Whether {@code value} (the one at {@code key}, well typed) lies in {@code d}; a problem when not. */
  private boolean inDomain(String key, Domains.Domain d, ConfigValue value, Units.Kind kind) {
    String message = Domains.check(d, value, kind);
    if (message == null) return true;
    problem(settings.getValue(key).origin(), key, message);
    return false;
  }

  private boolean present(String key) {
    if (settings.hasPath(key)) return true;
    problem(settings.origin(), key, "missing (the policy module's reference.conf gives every setting a default)");
    return false;
  }

  /** The number at {@code key} (strings converted as Config's getters do), or null after a problem. */
  private Number numberAt(String key, String expected) {
    if (!present(key)) return null;
    try {
      return settings.getNumber(key);
    } catch (ConfigException e) {
      problem(settings.getValue(key).origin(), key, "expected " + expected + ", got " + settings.getValue(key).unwrapped());
      return null;
    }
  }

  private ConfigValue value(String key, ConfigValueType type, String expected) {
    if (!present(key)) return null;
    ConfigValue v = settings.getValue(key);
    if (v.valueType() != type) {
      problem(v.origin(), key, "expected " + expected + ", got " + v.unwrapped());
      return null;
    }
    return v;
  }

  private void problem(ConfigOrigin o, String key, String message) {
    // a default of the policy module (a resource, not a file of the experiment) has no file to point at
    boolean moduleDefault = o == null || o.filename() == null && o.url() != null;
    problems.add(new ConfigProblem(moduleDefault ? null : o.filename() != null ? o.filename() : o.description(),
        o == null ? 0 : Math.max(0, o.lineNumber()), key, message));
  }
}
