package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * Command-line overrides of an experiment file: named options ({@code --seed}) and {@code --set KEY=VALUE}.
 * KEY is a path under {@code experiment} ({@code duration}, {@code phold.lps}; a number indexes a list of
 * the file, as in a sweep: {@code workloads.0.rate}) or a full path starting with {@code experiment.},
 * {@code pekko.} or {@code kamon.}; VALUE is HOCON ({@code 4ms}, {@code [vanilla, falcon]}, {@code "a b"},
 * {@code ${experiment.warmup}}), and a list value replaces the whole list. Each value keeps {@code --set KEY}
 * as its origin, so validation names it the way the file's keys are named by file and line.
 */
public final class Overrides {
  private Overrides() {}

  /** The result: the overrides, or the problems of malformed {@code --set} arguments. */
  public record Parsed(Config config, List<ConfigProblem> problems) {}

  /**
   * A named option that sets one key ({@code --seed} sets experiment.seed): the option, as typed, is the
   * value's origin, so a problem with it names the option ({@code --seed: experiment.seed: ...}).
   */
  public record Named(String option, String path, Object value) {}

  /** {@code named}: the named options given; {@code sets}: the --set arguments in order. */
  public static Parsed of(List<Named> named, List<String> sets) {
    List<ConfigProblem> problems = new ArrayList<>();
    Config c = ConfigFactory.empty();
    for (Named n : named) c = c.withValue(n.path(), ConfigValueFactory.fromAnyRef(n.value(), n.option()));
    for (String s : sets == null ? List.<String>of() : sets) {
      int eq = s.indexOf('=');
      String key = eq < 0 ? s.strip() : s.substring(0, eq).strip();
      String where = "--set " + key;
      if (eq <= 0 || key.isEmpty()) {
        problems.add(new ConfigProblem("--set " + s, 0, null, "expected KEY=VALUE, e.g. --set duration=4ms"));
        continue;
      }
      String path = key.startsWith("experiment.") || key.equals("experiment") || key.startsWith("pekko.")
          || key.startsWith("kamon.") ? key : "experiment." + key;
      try {
        ConfigFactory.parseString(path + " = 0"); // the key must be a HOCON path
      } catch (ConfigException e) {
        problems.add(new ConfigProblem(where, 0, null, "not a valid key path"));
        continue;
      }
      c = ConfigFactory.empty().withValue(path, value(s.substring(eq + 1), where)).withFallback(c);
    }
    return new Parsed(c, problems);
  }

  /**
   * VALUE as HOCON, with {@code where} ({@code --set KEY}) as its origin. A value with substitutions
   * ({@code ${experiment.warmup}}: a full path, as in the file) keeps them, to be resolved when the file is
   * loaded, against the file with every override, exactly as the file's own; text that is no HOCON is the
   * string itself.
   */
  private static ConfigValue value(String text, String where) {
    Config parsed;
    try {
      parsed = ConfigFactory.parseString("v = " + text);
    } catch (ConfigException e) {
      return ConfigValueFactory.fromAnyRef(text, where); // not HOCON: the text itself, as a string
    }
    if (!parsed.isResolved()) return namedBy(parsed.root().get("v"), where);
    return ConfigValueFactory.fromAnyRef(parsed.getValue("v").unwrapped(), where);
  }

  /** {@code v} with {@code where} as the origin of it and of every value in it (as far as it can be listed). */
  private static ConfigValue namedBy(ConfigValue v, String where) {
    if (v instanceof ConfigList l) {
      List<ConfigValue> out = new ArrayList<>(l.size());
      for (ConfigValue x : l) out.add(namedBy(x, where));
      return ConfigValueFactory.fromIterable(out, where);
    }
    if (v instanceof ConfigObject o) {
      try {
        Map<String, ConfigValue> out = new java.util.LinkedHashMap<>();
        o.forEach((k, x) -> out.put(k, namedBy(x, where)));
        return ConfigValueFactory.fromMap(out, where);
      } catch (ConfigException.NotResolved merge) {
        // a block merged with a substitution: its keys are known once resolved
      }
    }
    return v.withOrigin(ConfigOriginFactory.newSimple(where));
  }

  /**
   * {@code resolved} with every {@code --set} value that had substitutions named by its {@code --set KEY}, as
   * the others are: resolving gave it the origin of what it refers to (the file's line, the reference's), and
   * validation would name that place instead of the command line.
   */
  static Config namedBySet(Config resolved, Config overrides) {
    for (Map.Entry<String, ConfigValue> e : leaves(overrides).entrySet()) {
      String where = e.getValue().origin().description();
      if (where == null || !where.startsWith("--set ")) continue;
      try {
        ConfigValue now = resolved.getValue(e.getKey());
        if (!where.equals(now.origin().description())) {
          resolved = resolved.withValue(e.getKey(), now.withOrigin(e.getValue().origin()));
        }
      } catch (ConfigException gone) {
        // an optional substitution without a value (${?X}) removed it, or a list's element holds it
      }
    }
    return resolved;
  }

  /**
   * The overrides' values by path, as {@link Config#entrySet} gives a resolved config's (no null values), before
   * resolving: a block merged with a substitution ({@code --set a=${x} --set a.b=1}), whose keys resolving gives,
   * is one value at its path.
   */
  static Map<String, ConfigValue> leaves(Config overrides) {
    Map<String, ConfigValue> out = new java.util.LinkedHashMap<>();
    leaves(overrides.root(), new ArrayList<>(), out);
    return out;
  }

  private static void leaves(ConfigObject o, List<String> path, Map<String, ConfigValue> out) {
    java.util.Set<Map.Entry<String, ConfigValue>> entries;
    try {
      entries = o.entrySet();
    } catch (ConfigException.NotResolved merge) {
      out.put(ConfigUtil.joinPath(path), o);
      return;
    }
    for (Map.Entry<String, ConfigValue> e : entries) {
      path.add(e.getKey());
      ConfigValue v = e.getValue();
      if (v instanceof ConfigObject child) {
        leaves(child, path, out);
      } else if (!isNull(v)) {
        out.put(ConfigUtil.joinPath(path), v);
      }
      path.remove(path.size() - 1);
    }
  }

  private static boolean isNull(ConfigValue v) {
    try {
      return v.valueType() == ConfigValueType.NULL;
    } catch (ConfigException.NotResolved substitution) {
      return false;
    }
  }

  /** A file with the overrides that index its lists set inside them, and the overrides left to merge over it. */
  public record Applied(Config file, Config overrides) {}

  /**
   * Sets every override whose path runs through a list ({@code experiment.workloads.0.rate}: a list of the file,
   * or of {@code reference} where the file has none) inside that list's element, as a sweep sets its keys,
   * keeping the element's other keys; HOCON's merge would instead replace the list with an object. An index
   * the list does not have, or a path that goes on past a list without an index, is a problem named by the
   * override's {@code --set KEY}.
   */
  public static Applied intoLists(Config file, Config overrides, Config reference, List<ConfigProblem> problems) {
    ConfigValue root = file.root();
    Config rest = overrides;
    for (Map.Entry<String, ConfigValue> e : leaves(overrides).entrySet()) {
      List<String> path = ConfigUtil.splitPath(e.getKey());
      int list = listPrefix(file, reference, path);
      if (list < 0) continue;
      String listPath = ConfigUtil.joinPath(path.subList(0, list));
      if (!file.hasPath(listPath)) {
        root = ((ConfigObject) root).toConfig().withValue(listPath, reference.getValue(listPath)).root();
      }
      try {
        root = Sweep.set(root, path, 0, e.getValue());
      } catch (IllegalArgumentException x) {
        problems.add(new ConfigProblem(e.getValue().origin().description(), 0, e.getKey(), x.getMessage()));
      }
      rest = rest.withoutPath(listPath); // every override under this list is set here (the merge would replace it)
    }
    return new Applied(((ConfigObject) root).toConfig(), rest);
  }

  /** The length of the longest prefix of {@code path} that is a list (of the file, else the reference); -1 if none. */
  private static int listPrefix(Config file, Config reference, List<String> path) {
    try {
      for (int i = 1; i < path.size(); i++) {
        String p = ConfigUtil.joinPath(path.subList(0, i));
        Config c = file.hasPath(p) ? file : reference.hasPath(p) ? reference : null;
        if (c == null) return -1;
        ConfigValueType t = c.getValue(p).valueType();
        if (t == ConfigValueType.LIST) return i;
        if (t != ConfigValueType.OBJECT) return -1;
      }
    } catch (ConfigException e) {
      return -1; // a substitution on the way (${...}): merged as any override, the validator then names it
    }
    return -1;
  }
}
