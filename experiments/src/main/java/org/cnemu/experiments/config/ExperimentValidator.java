package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.cnemu.emulator.config.Domains;
import org.cnemu.emulator.config.Suggestions;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelProvider;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.emulator.model.ModelSpec;

/**
 * Checks an experiment against the reference defaults, reporting every problem at once.
 *
 * <p>The check is data-driven: it knows no model's keys. The merged reference.conf of every module
 * on the class path is the schema:
 * <ul>
 *   <li>a key is valid where the reference has it; anything else under {@code experiment} is unknown
 *       (with the closest valid key suggested);
 *   <li>a value must have the reference default's type (string, number, boolean, object, list);
 *   <li>a string default with a unit ({@code 10ms}, {@code 40Gbps}, {@code 1500B}: see
 *       {@link Units#kindOf}) makes the key a quantity of that kind: the value must be a string with a
 *       unit of that kind, never a bare number, never negative;
 *   <li>a number default that is not negative makes negative values an error (counts, fractions); a
 *       whole-number default requires a whole number;
 *   <li>a well-typed value must lie in the key's declared domain ({@code cnemu.domain}, see
 *       {@link Domains}): the range of a number or quantity, the valid values of a string.
 * </ul>
 *
 * <p>Lists of objects and objects of user-named children take their element shape from templates
 * under {@code cnemu.schema}, at the same path as the key:
 * <pre>
 *   experiment.workloads = []                               # the default: a list
 *   cnemu.schema.experiment.workloads { rate = 1Gbps, ... } # the template of one element
 *
 *   experiment.topology.hosts = {}                          # the default: user-named children
 *   cnemu.schema.experiment.topology.hosts."*" { cores = 4 } # the template of each child
 * </pre>
 * Inside a template the same rules apply recursively: a nested key {@code "*"} is the template of
 * named children, and a nested list whose first element is an object gives the element template.
 * A list default without a template but with elements uses its first element as the template.
 * Template values are examples for type and unit checks only: they are NOT applied to the user's
 * elements; the model reads each element with its own defaults.
 *
 * <p>Last, the selected model must exist ({@link ModelRegistry}) and parse the configuration
 * ({@link ModelProvider#parse}: its range and cross-key checks, and its typed spec when there are none).
 */
public final class ExperimentValidator {
  public static final String SCHEMA_ROOT = "cnemu.schema";
  private static final String ANY = "*";

  private final Config reference;
  private final ModelRegistry models;
  private final Config schema;
  private final Domains domains;

  public ExperimentValidator(Config reference, ModelRegistry models) {
    this.reference = reference;
    this.models = models;
    this.schema = reference.hasPath(SCHEMA_ROOT) ? reference.getConfig(SCHEMA_ROOT) : null;
    this.domains = new Domains(reference);
  }

  /**
   * What validation found: every problem, and the model's typed spec of each configuration it parsed
   * (by point index; 0 for a file without a sweep), so that nothing is parsed twice.
   */
  public record Checked(List<ConfigProblem> problems, Map<Integer, ModelSpec<?>> models) {}

  /**
   * @param resolved the resolved file over the reference; {@code file} names it in messages. An
   *     experiment with a {@code sweep} block is checked point by point ({@link Sweep})
   */
  public Checked validate(Config resolved, String file) {
    Map<Integer, ModelSpec<?>> models = new java.util.HashMap<>();
    if (resolved.hasPath("experiment") && resolved.getValue("experiment").valueType() == ConfigValueType.OBJECT
        && Sweep.present(resolved.getConfig("experiment"))) {
      return new Checked(Sweep.validate(this, resolved, file, models), models);
    }
    return new Checked(validateOne(resolved, file, m -> models.put(0, m)), models);
  }

  /** The model's typed spec of one validated configuration ({@code experiment}: its block, no sweep). */
  public org.cnemu.emulator.model.Parsed<ModelSpec<?>> parseModel(Config experiment) {
    return ModelRegistry.parse(models.get(experiment.getString("model")), experiment, reference);
  }

  /** One configuration, without a sweep block; {@code parsed} gets its model's typed spec when it parses. */
  List<ConfigProblem> validateOne(Config resolved, String file, java.util.function.Consumer<ModelSpec<?>> parsed) {
    List<ConfigProblem> problems = new ArrayList<>();
    if (!resolved.hasPath("experiment")) return problems; // reported by the loader
    ConfigValue experiment = resolved.root().get("experiment");
    ConfigValue referenceExperiment = reference.root().get("experiment");
    new Walk(file, problems).value(List.of("experiment"), List.of("experiment"), experiment, referenceExperiment);
    if (experiment.valueType() != ConfigValueType.OBJECT) return Problems.sorted(problems);
    boolean typesOk = problems.isEmpty();

    Config exp = resolved.getConfig("experiment");
    problems.addAll(EngineSettings.check(exp, file));
    if (exp.hasPath("model") && exp.getValue("model").valueType() == ConfigValueType.STRING) {
      String name = exp.getString("model");
      ModelProvider<?> provider = models.all().get(name);
      if (provider == null) {
        String close = Suggestions.closest(name, models.all().keySet());
        problems.add(Problems.at(exp.getValue("model").origin(), file, "experiment.model",
            "unknown model '" + name + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
                + "; valid models: " + validNames()));
      } else {
        try {
          org.cnemu.emulator.model.Parsed<ModelSpec<?>> model = ModelRegistry.parse(provider, exp, reference);
          if (model.ok()) parsed.accept(model.spec());
          else model.problems().forEach(p -> problems.add(ofTheFile(p, file)));
        } catch (RuntimeException e) {
          // A model's own checks may trip over a value the generic pass already reported: keep those.
          // On a well-typed file, its exception is the problem to report.
          if (typesOk) {
            problems.add(e instanceof com.typesafe.config.ConfigException ce
                ? Problems.of(ce, file)
                : new ConfigProblem(file, 0, "experiment", "model '" + name + "' rejected the config: " + e.getMessage()));
          }
        }
      }
    }
    return Problems.sorted(firstPerKey(problems));
  }

  /**
   * A model's problem at a key the file does not set names the file, not the reference.conf inside a jar
   * whose default the model checked (e.g. the default throughput-interval against a file's many flows).
   */
  private static ConfigProblem ofTheFile(ConfigProblem p, String file) {
    String f = p.file();
    boolean reference = f != null && !f.equals(file)
        && (f.startsWith("reference.conf") || f.contains("!/reference.conf") || f.endsWith("/reference.conf"));
    if (!reference) return p;
    return new ConfigProblem(file, 0, p.key(), p.message() + " (not set in the file: the default)");
  }

  /** One problem per key: the generic pass speaks first; range checks on the same key would repeat it. */
  private static List<ConfigProblem> firstPerKey(List<ConfigProblem> problems) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<ConfigProblem> out = new ArrayList<>();
    for (ConfigProblem p : problems) {
      if (p.key() == null || seen.add(p.key())) out.add(p);
    }
    return out;
  }

  private String validNames() {
    return models.all().isEmpty() ? "(none on the class path)" : String.join(", ", models.all().keySet());
  }

  /** One validation pass; collects problems. */
  private final class Walk {
    private final String file;
    private final List<ConfigProblem> problems;

    Walk(String file, List<ConfigProblem> problems) {
      this.file = file;
      this.problems = problems;
    }

    /**
     * @param userPath path of the value for messages (list indices shown as [i])
     * @param schemaPath the same path as the reference sees it (no indices; named children as "*")
     * @param expected the reference default or template value, or null when anything goes
     */
    void value(List<String> userPath, List<String> schemaPath, ConfigValue user, ConfigValue expected) {
      if (expected == null || expected.valueType() == ConfigValueType.NULL) return;
      switch (expected.valueType()) {
        case OBJECT -> {
          if (user.valueType() != ConfigValueType.OBJECT) {
            problem(user, userPath, "expected an object { ... }, got " + describe(user));
          } else {
            object(userPath, schemaPath, (ConfigObject) user, (ConfigObject) expected);
          }
        }
        case LIST -> {
          if (user.valueType() != ConfigValueType.LIST) {
            problem(user, userPath, "expected a list [ ... ], got " + describe(user));
            return;
          }
          ConfigValue element = elementTemplate(schemaPath, (ConfigList) expected);
          ConfigList list = (ConfigList) user;
          for (int i = 0; i < list.size(); i++) {
            List<String> p = new ArrayList<>(userPath);
            p.set(p.size() - 1, p.get(p.size() - 1) + "[" + i + "]");
            if (element == null) scalarElement(p, schemaPath, list.get(i));
            else value(p, schemaPath, list.get(i), element);
          }
        }
        case STRING -> string(userPath, schemaPath, user, (String) expected.unwrapped());
        case NUMBER -> number(userPath, schemaPath, user, (Number) expected.unwrapped());
        case BOOLEAN -> {
          if (user.valueType() == ConfigValueType.STRING && isBooleanWord((String) user.unwrapped())) return;
          if (user.valueType() != ConfigValueType.BOOLEAN) {
            problem(user, userPath, "expected a boolean (true or false), got " + describe(user));
          }
        }
        default -> { }
      }
    }

    private void object(List<String> userPath, List<String> schemaPath, ConfigObject user, ConfigObject expected) {
      // An object template in the schema at this very path (e.g. experiment.overrides, whose shape is
      // a hardware profile's) lists keys the reference leaves empty.
      ConfigValue template = schemaAt(schemaPath);
      if (template instanceof ConfigObject t) expected = expected.withFallback(t);
      ConfigValue anyChild = expected.get(ANY);
      if (anyChild == null) anyChild = schemaAt(append(schemaPath, ANY));
      for (Map.Entry<String, ConfigValue> e : new java.util.TreeMap<>(user).entrySet()) {
        String key = e.getKey();
        List<String> childUserPath = append(userPath, key);
        ConfigValue known = ANY.equals(key) ? null : expected.get(key);
        if (known != null) {
          value(childUserPath, append(schemaPath, key), e.getValue(), known);
        } else if (anyChild != null) {
          value(childUserPath, append(schemaPath, ANY), e.getValue(), anyChild);
        } else {
          problem(e.getValue(), childUserPath, unknownKeyMessage(key, expected, schemaPath));
        }
      }
    }

    private void string(List<String> path, List<String> schemaPath, ConfigValue user, String referenceValue) {
      Units.Kind kind = Units.kindOf(referenceValue);
      if (kind != Units.Kind.NONE) {
        if (user.valueType() != ConfigValueType.STRING) {
          problem(user, path, "expected " + kind.expected + "; got " + describe(user));
          return;
        }
        long v;
        try {
          v = Units.parseSigned((String) user.unwrapped(), kind);
        } catch (IllegalArgumentException ex) {
          problem(user, path, ex.getMessage());
          return;
        }
        // the domain's bound first: a negative duration whose lower bound is 1ns reads as 0ms does
        String message = Domains.checkQuantity(domains.at(schemaPath), user, kind, v);
        if (message != null) problem(user, path, message);
        return;
      }
      Domains.Domain d = domains.at(schemaPath);
      // A key whose words include true and false (workloads.nodelay = auto | true | false) takes a plain boolean.
      if (user.valueType() == ConfigValueType.BOOLEAN && d != null && d.values() != null
          && d.values().contains(String.valueOf(user.unwrapped()))) return;
      if (user.valueType() != ConfigValueType.STRING) {
        String expected = d != null && d.values() != null ? "one of " + String.join(", ", d.values()) : "a string";
        problem(user, path, "expected " + expected + ", got " + describe(user));
        return;
      }
      inDomain(path, schemaPath, user, Units.Kind.NONE);
    }

    /** A list element whose list has no element template: its type and range come from the list's domain. */
    private void scalarElement(List<String> path, List<String> schemaPath, ConfigValue user) {
      Domains.Domain d = domains.at(schemaPath);
      if (d == null) return;
      if (d.numeric()) {
        number(path, schemaPath, user, (Number) (d.min() != null ? d.min() : d.max()).unwrapped());
      } else if (user.valueType() != ConfigValueType.STRING) {
        problem(user, path, "expected a string, got " + describe(user));
      } else {
        inDomain(path, schemaPath, user, Units.Kind.NONE);
      }
    }

    private void inDomain(List<String> path, List<String> schemaPath, ConfigValue user, Units.Kind kind) {
      String message = Domains.check(domains.at(schemaPath), user, kind);
      if (message != null) problem(user, path, message);
    }

    private void number(List<String> path, List<String> schemaPath, ConfigValue user, Number referenceValue) {
      if (user.valueType() != ConfigValueType.NUMBER) {
        String hint = "";
        if (user.valueType() == ConfigValueType.STRING
            && Units.kindOf((String) user.unwrapped()) != Units.Kind.NONE) {
          hint = " (this key takes no unit)";
        }
        problem(user, path, "expected a number, got " + describe(user) + hint);
        return;
      }
      Number n = (Number) user.unwrapped();
      boolean wholeExpected = referenceValue instanceof Integer || referenceValue instanceof Long;
      if (wholeExpected && !(n instanceof Integer || n instanceof Long)) {
        problem(user, path, "expected a whole number, got " + n);
        return;
      }
      Domains.Domain d = domains.at(schemaPath);
      // a declared lower bound above zero says more than "not negative" (streams: between 1 and 100000, got -1)
      boolean positiveMin = d != null && d.numeric() && d.min() != null
          && new java.math.BigDecimal(d.min().unwrapped().toString()).signum() > 0;
      if (referenceValue.doubleValue() >= 0 && n.doubleValue() < 0 && !positiveMin) {
        problem(user, path, "must not be negative, got " + n);
        return;
      }
      inDomain(path, schemaPath, user, Units.Kind.NONE);
    }

    private void problem(ConfigValue at, List<String> path, String message) {
      problems.add(Problems.at(at.origin(), file, String.join(".", path), message));
    }
  }

  /** The element template of a list: a schema entry (object, or list holding one), else the default's first element. */
  private ConfigValue elementTemplate(List<String> schemaPath, ConfigList expected) {
    ConfigValue s = schemaAt(schemaPath);
    if (s != null && s.valueType() == ConfigValueType.OBJECT) return s;
    if (s != null && s.valueType() == ConfigValueType.LIST && !((ConfigList) s).isEmpty()) return ((ConfigList) s).get(0);
    return expected.isEmpty() ? null : expected.get(0);
  }

  private ConfigValue schemaAt(List<String> schemaPath) {
    if (schema == null) return null;
    String path = ConfigUtil.joinPath(schemaPath);
    try {
      return schema.hasPathOrNull(path) ? schema.getValue(path) : null;
    } catch (com.typesafe.config.ConfigException e) {
      return null; // a path through a non-object: no template there
    }
  }

  private String unknownKeyMessage(String key, ConfigObject expected, List<String> schemaPath) {
    TreeSet<String> siblings = new TreeSet<>(expected.keySet());
    siblings.remove(ANY);
    String best = Suggestions.closest(key, siblings);
    if (best != null) return "unknown key; did you mean '" + best + "'?";
    // the key may exist elsewhere: `lps` written at experiment level instead of under `phold`
    if (!schemaPath.contains(ANY) && reference.hasPath("experiment")) {
      String elsewhere = Suggestions.findLeaf(key, reference.getObject("experiment"), "experiment");
      if (elsewhere != null) return "unknown key here; did you mean '" + elsewhere + "'?";
      // or a key of every element of a list (streams: workloads.N.streams) or of a named child (hosts.ID.cpus)
      String element = elementLeaf(key);
      if (element != null) return "unknown key here; did you mean '" + element + "?";
    }
    if (siblings.isEmpty()) return "unknown key; nothing can be set here";
    return "unknown key; valid keys here: " + String.join(", ", siblings);
  }

  /**
   * The shortest path of a key named {@code key} (ignoring case) in the element templates of the schema,
   * written as a {@code --set} or sweep path with a placeholder: {@code experiment.workloads.N.streams (N: ...)}
   * for a list's elements, {@code experiment.topology.hosts.ID.cpus (ID: ...)} for named children; null if none.
   */
  private String elementLeaf(String key) {
    if (schema == null || !schema.hasPath("experiment")) return null;
    java.util.TreeMap<Integer, String> found = new java.util.TreeMap<>();
    elementLeaf(key.toLowerCase(Locale.ROOT), schema.getObject("experiment"), List.of("experiment"), "experiment", null,
        found);
    return found.isEmpty() ? null : found.firstEntry().getValue();
  }

  private void elementLeaf(String key, ConfigObject obj, List<String> refPath, String shown, String placeholder,
      java.util.TreeMap<Integer, String> found) {
    for (Map.Entry<String, ConfigValue> e : new java.util.TreeMap<>(obj).entrySet()) {
      String k = e.getKey();
      List<String> childRef = append(refPath, k);
      String childShown;
      String childPlaceholder = placeholder;
      if (ANY.equals(k)) {
        childShown = shown + ".ID";
        if (childPlaceholder == null) childPlaceholder = "ID: the name of an entry of " + shown;
      } else {
        childShown = shown + "." + k;
        ConfigValue ref = referenceAt(childRef);
        if (ref != null && ref.valueType() == ConfigValueType.LIST) {
          // the schema's object here is the template of each element of the reference's list
          childShown += ".N";
          if (childPlaceholder == null) childPlaceholder = "N: the index of an element of " + shown + "." + k + ", from 0";
        }
      }
      if (k.toLowerCase(Locale.ROOT).equals(key) && childPlaceholder != null) {
        found.putIfAbsent(childShown.length(), childShown + "' (" + childPlaceholder + ")");
        continue;
      }
      if (e.getValue().valueType() == ConfigValueType.OBJECT) {
        elementLeaf(key, (ConfigObject) e.getValue(), childRef, childShown, childPlaceholder, found);
      }
    }
  }

  private ConfigValue referenceAt(List<String> path) {
    try {
      String p = ConfigUtil.joinPath(path);
      return reference.hasPathOrNull(p) ? reference.getValue(p) : null;
    } catch (com.typesafe.config.ConfigException e) {
      return null;
    }
  }

  private static List<String> append(List<String> path, String key) {
    List<String> p = new ArrayList<>(path.size() + 1);
    p.addAll(path);
    p.add(key);
    return p;
  }

  private static boolean isBooleanWord(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "false", "yes", "no", "on", "off" -> true;
      default -> false;
    };
  }

  static String describe(ConfigValue v) {
    return switch (v.valueType()) {
      case STRING -> "string '" + v.unwrapped() + "'";
      case NUMBER -> "number " + v.unwrapped();
      case BOOLEAN -> "boolean " + v.unwrapped();
      case OBJECT -> "an object";
      case LIST -> "a list";
      case NULL -> "null";
    };
  }
}
