package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * The {@code sweep { KEY = [v1, v2, ...] }} and {@code compare { KEY = [baseline, b, ...] }} blocks of an
 * experiment: swept keys (paths relative to {@code experiment}, e.g. {@code topology.stack} or
 * {@code workloads.0.rate} with a list index) and their values. The points are the cartesian product, in
 * a fixed order: swept keys in the order they are written in the file (by line), the first key outermost
 * (it varies slowest), values in list order; the compared key (one at most) is the innermost, so the arms
 * of one sweep point are neighbours and its first value is that point's baseline.
 *
 * <pre>
 *   experiment {
 *     ...
 *     sweep {
 *       topology.stack = [native, docker-overlay]
 *       workloads.0.rate = [1Gbps, 5Gbps]
 *     }
 *     compare { steering = [vanilla, falcon] }   # an A/B: every point run once per arm, same seeds
 *   }
 * </pre>
 *
 * Each point is the experiment with the swept values set (and without the sweep and compare blocks); it
 * is validated like a normal experiment, so a bad value in a list is reported at its own file:line, named by
 * its place in the list ({@code experiment.compare.steering[1]}). A value of a swept key the file also gives
 * outside the blocks is checked as one more value of the key.
 */
public final class Sweep {
  /** The key of the sweep block inside {@code experiment}. */
  public static final String KEY = "sweep";
  /** The key of the comparison block inside {@code experiment}: a swept key whose first value is the baseline. */
  public static final String COMPARE = "compare";
  /** Above this many points, validation checks each value once (with the other keys at their first value). */
  static final int MAX_VALIDATED_POINTS = 256; // a few ms each: validate answers within seconds

  /**
   * One swept key: its name as written ({@code topology.stack}), path elements, values in list order;
   * {@code compared} for the key of the compare block (its first value is the baseline).
   */
  public record Key(String name, List<String> path, List<ConfigValue> values, boolean compared) {}

  /** One point: its index and, per key (in key order), the value. */
  public record Point(int index, List<ConfigValue> values) {
    /** Key name -> the value as written (string, number, boolean; lists/objects rendered as HOCON). */
    public Map<String, Object> labels(List<Key> keys) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < keys.size(); i++) m.put(keys.get(i).name(), label(values.get(i)));
      return m;
    }
  }

  private final List<Key> keys;

  private Sweep(List<Key> keys) {
    this.keys = keys;
  }

  public List<Key> keys() {
    return keys;
  }

  /** Whether an experiment block holds a sweep or a comparison (more than one point). */
  public static boolean present(Config experiment) {
    return experiment != null && (experiment.root().containsKey(KEY) || experiment.root().containsKey(COMPARE));
  }

  /** The sweep of a validated experiment block (its problems were reported by the validator). */
  public static Sweep of(Config experiment) {
    return parse(experiment.root(), "", new ArrayList<>());
  }

  /** The compared key, or null without a compare block. */
  public Key compared() {
    return keys.stream().filter(Key::compared).findFirst().orElse(null);
  }

  /**
   * The index of the baseline point of point {@code index}: the point with the same swept values and
   * the compared key at its first value; -1 without a compare block.
   */
  public int baselineOf(int index) {
    Key c = compared();
    return c == null ? -1 : index - index % c.values().size();
  }

  /**
   * Parses the sweep and compare blocks of an experiment block; structural problems (not a list, empty
   * list, a key both swept and compared) go to {@code problems}.
   */
  static Sweep parse(ConfigObject experiment, String file, List<ConfigProblem> problems) {
    List<Key> keys = new ArrayList<>();
    ConfigValue block = experiment.get(KEY);
    if (block != null && block.valueType() != ConfigValueType.OBJECT) {
      problems.add(Problems.at(block.origin(), file, "experiment." + KEY,
          "expected an object { key = [v1, v2, ...] }, got " + ExperimentValidator.describe(block)));
    } else if (block != null) {
      collect((ConfigObject) block, KEY, new ArrayList<>(), keys, false, file, problems);
    }
    keys.sort(Comparator.comparingInt((Key k) -> line(k.values().isEmpty() ? null : k.values().get(0)))
        .thenComparing(Key::name));
    ConfigValue cmp = experiment.get(COMPARE);
    if (cmp != null && cmp.valueType() != ConfigValueType.OBJECT) {
      problems.add(Problems.at(cmp.origin(), file, "experiment." + COMPARE,
          "expected an object { key = [baseline, other, ...] }, got " + ExperimentValidator.describe(cmp)));
    } else if (cmp != null) {
      List<Key> compared = new ArrayList<>();
      collect((ConfigObject) cmp, COMPARE, new ArrayList<>(), compared, true, file, problems);
      if (compared.size() > 1) {
        problems.add(Problems.at(cmp.origin(), file, "experiment." + COMPARE,
            "compares one key at a time (found " + String.join(", ", compared.stream().map(Key::name).toList())
                + "); sweep the others with sweep { }"));
      } else if (compared.size() == 1) {
        Key c = compared.get(0);
        if (keys.stream().anyMatch(k -> k.name().equals(c.name()))) {
          problems.add(Problems.at(c.values().get(0).origin(), file, "experiment." + COMPARE + "." + c.name(),
              "is swept too: a key is either swept or compared"));
        } else if (c.values().size() < 2) {
          // one value is a baseline with nothing to compare: every point ran as its own baseline, without a ratio
          problems.add(Problems.at(c.values().isEmpty() ? cmp.origin() : c.values().get(0).origin(), file,
              "experiment." + COMPARE + "." + c.name(), "needs the baseline and at least one other value, got "
                  + c.values().size() + "; to run one value, set " + c.name() + " outside compare { }"));
        } else if (new LinkedHashSet<>(c.values().stream().map(Sweep::label).toList()).size() != c.values().size()) {
          problems.add(Problems.at(c.values().get(0).origin(), file, "experiment." + COMPARE + "." + c.name(),
              "lists a value twice"));
        } else {
          keys.add(c);
        }
      }
    }
    return new Sweep(List.copyOf(keys));
  }

  private static int line(ConfigValue v) {
    return v == null || v.origin() == null ? Integer.MAX_VALUE : Math.max(v.origin().lineNumber(), 0);
  }

  private static void collect(ConfigObject obj, String block, List<String> prefix, List<Key> out, boolean compared,
      String file, List<ConfigProblem> problems) {
    for (Map.Entry<String, ConfigValue> e : new java.util.TreeMap<>(obj).entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      // a quoted key "topology.stack" is a path too
      for (String part : e.getKey().split("\\.")) if (!part.isEmpty()) path.add(part);
      String name = String.join(".", path);
      ConfigValue v = e.getValue();
      switch (v.valueType()) {
        case OBJECT -> collect((ConfigObject) v, block, path, out, compared, file, problems);
        case LIST -> {
          ConfigList list = (ConfigList) v;
          if (list.isEmpty()) {
            problems.add(Problems.at(v.origin(), file, "experiment." + block + "." + name,
                "empty list: a swept key needs at least one value"));
          } else if (List.of(KEY, COMPARE, "name", "output").contains(path.get(0))) {
            problems.add(Problems.at(v.origin(), file, "experiment." + block + "." + name,
                "'" + path.get(0) + "' cannot be " + (compared ? "compared" : "swept")));
          } else {
            out.add(new Key(name, List.copyOf(path), List.copyOf(list), compared));
          }
        }
        default -> problems.add(Problems.at(v.origin(), file, "experiment." + block + "." + name,
            "expected a list of values [v1, v2, ...], got " + ExperimentValidator.describe(v)));
      }
    }
  }

  /** Number of points (1 for an empty sweep). */
  public int size() {
    long n = 1;
    for (Key k : keys) n = Math.multiplyExact(n, k.values().size());
    return Math.toIntExact(n);
  }

  /** Every point of the cartesian product, first key outermost. */
  public List<Point> points() {
    int n = size();
    List<Point> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(point(i, indices(i)));
    return out;
  }

  /** The experiment block of a point: the sweep and compare blocks removed, every swept value set. */
  public Config apply(Config experiment, Point point) {
    ConfigValue root = experiment.root().withoutKey(KEY).withoutKey(COMPARE);
    for (int k = 0; k < keys.size(); k++) root = set(root, keys.get(k).path(), 0, point.values().get(k));
    return ((ConfigObject) root).toConfig();
  }

  /** The experiment block without its sweep and compare blocks (the base every point starts from). */
  public static Config base(Config experiment) {
    return experiment.root().withoutKey(KEY).withoutKey(COMPARE).toConfig();
  }

  /** Sets {@code value} at {@code path} (list elements by index), keeping every other value and its origin. */
  static ConfigValue set(ConfigValue node, List<String> path, int i, ConfigValue value) {
    if (i == path.size()) return value;
    String k = path.get(i);
    String at = String.join(".", path.subList(0, i + 1));
    if (node != null && node.valueType() == ConfigValueType.LIST) {
      ConfigList list = (ConfigList) node;
      int idx;
      try {
        idx = Integer.parseInt(k);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + String.join(".", path.subList(0, i))
            + "' is a list: the next path element must be an index (0, 1, ...), not '" + k + "'");
      }
      if (idx < 0 || idx >= list.size()) {
        throw new IllegalArgumentException("no element " + idx + " in '" + String.join(".", path.subList(0, i))
            + "' (it has " + list.size() + ")");
      }
      List<ConfigValue> copy = new ArrayList<>(list);
      copy.set(idx, set(list.get(idx), path, i + 1, value));
      return ConfigValueFactory.fromIterable(copy, list.origin().description());
    }
    ConfigObject obj;
    if (node == null || node.valueType() == ConfigValueType.NULL) {
      obj = ConfigFactory.empty(value.origin() == null ? "sweep" : value.origin().description()).root();
    } else if (node.valueType() == ConfigValueType.OBJECT) {
      obj = (ConfigObject) node;
    } else {
      throw new IllegalArgumentException("'" + String.join(".", path.subList(0, i)) + "' is a "
          + node.valueType().name().toLowerCase(java.util.Locale.ROOT) + ", not an object: cannot set '" + at + "'");
    }
    return obj.withValue(k, set(obj.get(k), path, i + 1, value));
  }

  /** A value as written: scalars unwrapped, lists and objects as concise HOCON. */
  public static Object label(ConfigValue v) {
    return switch (v.valueType()) {
      case STRING, NUMBER, BOOLEAN -> v.unwrapped();
      case NULL -> "null";
      default -> v.render(ConfigRenderOptions.concise().setJson(false));
    };
  }

  /**
   * Validates every point of the sweep in {@code resolved} (the whole resolved file); problems are
   * de-duplicated so a bad base value is reported once, a bad swept value once at its own line. The
   * model's typed spec of each point that parses goes to {@code models} (by point index) when every point
   * is validated.
   */
  static List<ConfigProblem> validate(ExperimentValidator validator, Config resolved, String file,
      Map<Integer, org.cnemu.emulator.model.ModelSpec<?>> models) {
    List<ConfigProblem> problems = new ArrayList<>();
    Config experiment = resolved.getConfig("experiment");
    Sweep sweep = parse(experiment.root(), file, problems);
    LinkedHashSet<ConfigProblem> all = new LinkedHashSet<>(problems);
    // a key whose path leads nowhere (no such list element, an index into an object) is reported once, and
    // the points are validated without it, so that it does not hide the other keys' problems
    List<Key> settable = new ArrayList<>();
    for (Key k : sweep.keys) {
      try {
        set(experiment.root(), k.path(), 0, k.values().get(0));
        settable.add(k);
      } catch (IllegalArgumentException e) {
        all.add(Problems.at(k.values().get(0).origin(), file,
            "experiment." + (k.compared() ? COMPARE : KEY) + "." + k.name(), e.getMessage()));
      }
    }
    if (settable.size() < sweep.keys.size()) sweep = new Sweep(List.copyOf(settable));
    long size = 1;
    for (Key k : sweep.keys) size = Math.min(Long.MAX_VALUE / 2, size * k.values().size());
    long limit = experiment.hasPath("limits.sweep-points")
        && experiment.getValue("limits.sweep-points").valueType() == ConfigValueType.NUMBER
        ? experiment.getLong("limits.sweep-points") : Long.MAX_VALUE;
    if (size > limit) {
      all.add(Problems.at(experiment.getValue(KEY).origin(), file, "experiment." + KEY, "a sweep of "
          + (size == Long.MAX_VALUE / 2 ? "more than 10^18" : Long.toString(size)) + " points, over the limit of "
          + limit + "; set experiment.limits.sweep-points higher to run it anyway"));
      return Problems.sorted(new ArrayList<>(all));
    }
    boolean every = size <= MAX_VALIDATED_POINTS;
    // per point, the index of each key's value in its list
    List<int[]> indices = new ArrayList<>();
    if (every) {
      for (Point p : sweep.points()) indices.add(sweep.indices(p.index()));
    } else {
      // each value once, the other keys at their first value
      for (int k = 0; k < sweep.keys.size(); k++) {
        for (int v = 0; v < sweep.keys.get(k).values().size(); v++) {
          int[] idx = new int[sweep.keys.size()];
          idx[k] = v;
          indices.add(idx);
        }
      }
    }
    List<String> at = new ArrayList<>(); // where the validator names each key's value in a point
    for (Key k : sweep.keys) at.add(validatorPath(experiment.root(), k.path()));
    List<Found> found = new ArrayList<>();
    for (int i = 0; i < indices.size(); i++) {
      int[] idx = indices.get(i);
      Point p = sweep.point(every ? i : -1, idx);
      Config point;
      try {
        point = sweep.apply(experiment, p);
      } catch (IllegalArgumentException e) {
        int k = firstBadKey(sweep, experiment, p);
        Key key = sweep.keys.get(k);
        all.add(Problems.at(p.values().get(k).origin(), file,
            "experiment." + (key.compared() ? COMPARE : KEY) + "." + key.name(), e.getMessage()));
        continue;
      }
      for (ConfigProblem q : validator.validateOne(resolved.withValue("experiment", point.root()), file,
          every ? m -> models.put(p.index(), m) : m -> { })) {
        int k = owner(q.key(), at);
        if (k < 0) all.add(q);
        else found.add(new Found(k, idx[k], fullKey(q.key()).substring(at.get(k).length()), q));
      }
    }
    all.addAll(named(sweep, found));
    all.addAll(checkBase(validator, resolved, experiment, sweep, at, file));
    return Problems.sorted(new ArrayList<>(all));
  }

  /** A problem of a point at the value of swept key {@code key}: the value's index in its list, and the rest of the key. */
  private record Found(int key, int index, String rest, ConfigProblem problem) {}

  /**
   * The problems of swept values named by where they are written: {@code experiment.compare.steering[1]},
   * {@code experiment.sweep.workloads.0.rate[1]} (the list, the value's index, then any key inside the value).
   * A problem every value of a key has alike (an unknown key: the same message for each) is the key's, named
   * without an index.
   */
  private static List<ConfigProblem> named(Sweep sweep, List<Found> found) {
    Map<List<Object>, List<Found>> groups = new LinkedHashMap<>();
    for (Found f : found) {
      groups.computeIfAbsent(List.of(f.key(), f.rest(), f.problem().message()), g -> new ArrayList<>()).add(f);
    }
    List<ConfigProblem> out = new ArrayList<>();
    groups.values().forEach(g -> {
      Key key = sweep.keys.get(g.get(0).key());
      String name = "experiment." + (key.compared() ? COMPARE : KEY) + "." + key.name();
      long values = g.stream().mapToInt(Found::index).distinct().count();
      if (key.values().size() > 1 && values == key.values().size()) {
        Found first = g.stream().min(Comparator.comparingInt(Found::index)).orElseThrow();
        ConfigProblem q = first.problem();
        out.add(new ConfigProblem(q.file(), q.line(), name + first.rest(), q.message()));
      } else {
        for (Found f : g) {
          ConfigProblem q = f.problem();
          out.add(new ConfigProblem(q.file(), q.line(), name + "[" + f.index() + "]" + f.rest(), q.message()));
        }
      }
    });
    return out;
  }

  /**
   * The base value of each swept or compared key that the file (or a --set) gives: every point replaces it, so
   * the points' validation never sees it, yet a typo there ({@code steering = "flacon"} beside
   * {@code compare { steering = [vanilla, mflow] }}) hides what was meant. It is checked as one more value of its
   * key, the other keys at their first value (so a base the sweep completes is never checked incomplete), and
   * only its own problems are kept.
   */
  private static List<ConfigProblem> checkBase(ExperimentValidator validator, Config resolved, Config experiment,
      Sweep sweep, List<String> at, String file) {
    List<ConfigProblem> out = new ArrayList<>();
    ConfigValue base = base(experiment).root();
    for (int k = 0; k < sweep.keys.size(); k++) {
      Key key = sweep.keys.get(k);
      ConfigValue value = valueAt(base, key.path());
      if (value == null || !written(value)) continue;
      List<ConfigValue> vals = new ArrayList<>();
      for (Key other : sweep.keys) vals.add(other.values().get(0));
      vals.set(k, value);
      Config point;
      try {
        point = sweep.apply(experiment, new Point(-1, vals));
      } catch (IllegalArgumentException e) {
        continue; // a path that leads nowhere: reported with the key
      }
      String what = key.compared() ? "compare { }" : "sweep { }";
      for (ConfigProblem q : validator.validateOne(resolved.withValue("experiment", point.root()), file, m -> { })) {
        if (owner(q.key(), List.of(at.get(k))) < 0) continue; // another key's: the points report it
        out.add(new ConfigProblem(q.file(), q.line(), q.key(), q.message() + " (the value outside " + what
            + "; every point replaces it)"));
      }
    }
    return out;
  }

  /** Whether a value was written by the user (the file, an include, a --set), not a reference default. */
  private static boolean written(ConfigValue v) {
    com.typesafe.config.ConfigOrigin o = v.origin();
    if (o == null || o.description() == null) return true;
    String d = o.description();
    // a merge of the file's block with the defaults is the file's; a default alone names a reference.conf
    return d.startsWith("merge of") || !d.contains("reference.conf");
  }

  /** The value at {@code path} (list elements by index), or null. */
  private static ConfigValue valueAt(ConfigValue node, List<String> path) {
    for (String part : path) {
      node = child(node, part);
      if (node == null) return null;
    }
    return node;
  }

  /** The child {@code part} of an object, or element {@code part} (an index) of a list; null if there is none. */
  private static ConfigValue child(ConfigValue node, String part) {
    if (node instanceof ConfigObject o) return o.get(part);
    if (node instanceof ConfigList l) {
      try {
        int i = Integer.parseInt(part);
        return i >= 0 && i < l.size() ? l.get(i) : null;
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /** A swept path as the validator names the value there: {@code workloads.0.rate} is {@code experiment.workloads[0].rate}. */
  static String validatorPath(ConfigValue root, List<String> path) {
    StringBuilder b = new StringBuilder("experiment");
    ConfigValue node = root;
    for (String part : path) {
      if (node instanceof ConfigList) b.append('[').append(part).append(']');
      else b.append('.').append(part);
      node = child(node, part);
    }
    return b.toString();
  }

  /** A problem's key with the {@code experiment.} a model may leave off. */
  private static String fullKey(String key) {
    return key.equals("experiment") || key.startsWith("experiment.") ? key : "experiment." + key;
  }

  /** The swept key whose value holds problem key {@code key} (the deepest, if one path is inside another); -1 if none. */
  private static int owner(String key, List<String> at) {
    if (key == null) return -1;
    String k = fullKey(key);
    int best = -1;
    for (int i = 0; i < at.size(); i++) {
      String a = at.get(i);
      boolean inside = k.equals(a) || k.startsWith(a + ".") || k.startsWith(a + "[");
      if (inside && (best < 0 || a.length() > at.get(best).length())) best = i;
    }
    return best;
  }

  /** The index of each key's value in point {@code index}, first key outermost. */
  private int[] indices(int index) {
    int[] idx = new int[keys.size()];
    int rest = index;
    for (int k = keys.size() - 1; k >= 0; k--) {
      int size = keys.get(k).values().size();
      idx[k] = rest % size;
      rest /= size;
    }
    return idx;
  }

  /** The point of the given value indices. */
  private Point point(int index, int[] idx) {
    List<ConfigValue> values = new ArrayList<>(keys.size());
    for (int k = 0; k < keys.size(); k++) values.add(keys.get(k).values().get(idx[k]));
    return new Point(index, List.copyOf(values));
  }

  private static int firstBadKey(Sweep sweep, Config experiment, Point p) {
    for (int k = 0; k < sweep.keys.size(); k++) {
      try {
        set(experiment.root(), sweep.keys.get(k).path(), 0, p.values().get(k));
      } catch (IllegalArgumentException e) {
        return k;
      }
    }
    return 0;
  }
}
