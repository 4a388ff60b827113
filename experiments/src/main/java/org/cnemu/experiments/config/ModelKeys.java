package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.ModelProvider;
import org.cnemu.emulator.model.ModelRegistry;

/**
 * Keys of another model than the one the file runs. Without this check a file of workloads that forgets
 * {@code model = "kernel"} runs the default model, PHOLD, which reads none of them, and exits 0 with PHOLD's
 * figures.
 *
 * <p>Like the validator, it knows no model's keys: each module's reference.conf gives the defaults of its own
 * keys, and the class path tells which module each model's provider lives in. A key under {@code experiment}
 * that the file or a {@code --set} gives (also as a swept or compared key) whose default comes from a module
 * that provides models, none of them the selected one, is a problem, unless its value is the default. The module that defines
 * {@code experiment.model} is the engine's: its keys (name, seed, duration, ...) are every model's, so they are
 * never counted as a model's own. A key of a module without models (the policies' settings, the profiles) or
 * defined by several modules is left alone, as is a file that sweeps or compares {@code model}.
 */
final class ModelKeys {
  private ModelKeys() {}

  /**
   * @param set the file with its {@code --set} overrides, before the reference (what the user wrote)
   * @param resolved the same over the reference, resolved (the model it runs)
   */
  static List<ConfigProblem> check(Config set, Config resolved, Config reference, ModelRegistry models, String file) {
    List<ConfigProblem> problems = new ArrayList<>();
    if (!set.hasPath("experiment") || set.getValue("experiment").valueType() != ConfigValueType.OBJECT) return problems;
    if (!resolved.hasPath("experiment.model") || !reference.hasPath("experiment")) return problems;
    if (resolved.getValue("experiment.model").valueType() != ConfigValueType.STRING) return problems;
    String model = resolved.getString("experiment.model");
    if (!models.all().containsKey(model)) return problems; // the validator says so
    ConfigObject user = set.getConfig("experiment").root();
    ConfigObject ref = reference.getConfig("experiment").root();
    String engineModule = moduleOf(ref.get("model"));
    if (engineModule == null) return problems;

    // the user's keys: each top-level key that differs from its default, and the first part of each swept or
    // compared key. A key at its default changes nothing, and a farmed job's text (a point's resolved experiment,
    // FarmedJobs.file) carries every key at its default: those are not the user's.
    ConfigObject now = resolved.getConfig("experiment").root();
    List<Map.Entry<String, ConfigValue>> keys = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      ConfigValue r = now.get(e.getKey());
      ConfigValue d = ref.get(e.getKey());
      if (r != null && d != null && java.util.Objects.equals(r.unwrapped(), d.unwrapped())) continue;
      if (e.getKey().equals(Sweep.KEY) || e.getKey().equals(Sweep.COMPARE)) {
        if (e.getValue().valueType() != ConfigValueType.OBJECT) continue;
        ConfigObject block = (ConfigObject) e.getValue();
        if (block.containsKey("model")) return problems; // every point names its own model
        for (Map.Entry<String, ConfigValue> s : block.entrySet()) {
          keys.add(Map.entry(e.getKey() + "." + s.getKey(), s.getValue()));
        }
      } else {
        keys.add(e);
      }
    }
    // the models each class-path entry provides
    Map<String, TreeSet<String>> modelsOf = new java.util.HashMap<>();
    for (Map.Entry<String, ModelProvider<?>> p : models.all().entrySet()) {
      String location = locationOf(p.getValue());
      if (location != null) modelsOf.computeIfAbsent(location, l -> new TreeSet<>()).add(p.getKey());
    }
    boolean modelSet = user.containsKey("model");
    for (Map.Entry<String, ConfigValue> k : keys) {
      String name = k.getKey().substring(k.getKey().lastIndexOf('.') + 1);
      String module = moduleOf(ref.get(name));
      if (module == null || module.equals(engineModule)) continue;
      TreeSet<String> owners = modelsOf.get(module);
      if (owners == null || owners.contains(model)) continue;
      String owner = owners.first();
      problems.add(Problems.at(originOf(k.getValue()), file, "experiment." + k.getKey(),
          "a key of model '" + String.join("', '", owners) + "', but the file runs model '" + model + "'"
              + (modelSet ? "" : " (the default: the file sets no `model`)") + ", which ignores it; set model = \""
              + owner + "\""));
    }
    return problems;
  }

  /**
   * Where the user gave a value: its own origin, or for a block that no file holds (one a {@code --set a.b=...}
   * made) its first leaf's, which names the {@code --set}.
   */
  private static com.typesafe.config.ConfigOrigin originOf(ConfigValue v) {
    while (v.origin().filename() == null && v instanceof ConfigObject o && !o.isEmpty()) {
      v = o.values().iterator().next();
    }
    return v.origin();
  }

  /**
   * The class-path entry of the reference.conf a default comes from ({@code file:/.../nodes.jar} of
   * {@code jar:file:/.../nodes.jar!/reference.conf}, {@code file:/.../classes/} of
   * {@code file:/.../classes/reference.conf}), or null: no such value, a default merged from several files,
   * or one that was not read from a class-path resource.
   */
  static String moduleOf(ConfigValue defaultValue) {
    if (defaultValue == null) return null;
    URL url = defaultValue.origin().url();
    if (url == null) return null;
    String u = url.toString();
    if (u.startsWith("jar:")) {
      int bang = u.indexOf("!/");
      return bang < 0 ? null : u.substring("jar:".length(), bang);
    }
    int slash = u.lastIndexOf('/');
    return slash < 0 ? null : u.substring(0, slash + 1);
  }

  /** The class-path entry a provider's class was loaded from, as {@link #moduleOf} names it; null if unknown. */
  static String locationOf(ModelProvider<?> provider) {
    java.security.CodeSource source = provider.getClass().getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) return null;
    return source.getLocation().toString();
  }
}
