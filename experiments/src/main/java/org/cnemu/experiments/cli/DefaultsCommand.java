package org.cnemu.experiments.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.emulator.config.Suggestions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cnemu defaults [KEY]}: the defaults every experiment starts from (the reference.conf of every
 * module, merged), with their comments, for one key or block; the whole {@code experiment} block without KEY.
 */
@Command(name = "defaults", mixinStandardHelpOptions = true,
    description = {"Print the defaults an experiment file starts from, with the comment that explains each key.",
        "The defaults are every module's reference.conf, merged.",
        "KEY is a key or block under experiment (duration, phold, topology.nic) or a full path (experiment.engine, pekko.actor); without KEY, the whole experiment block is printed."})
public final class DefaultsCommand implements Callable<Integer> {
  @Parameters(paramLabel = "KEY", arity = "0..1", description = "Print the defaults of this key or block only, e.g. engine or experiment.engine.threads.")
  String key;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config reference = ConfigFactory.defaultReference();
    String path = resolve(reference, key == null ? "experiment" : key.strip());
    if (path == null) {
      String parent = parentBlock(reference, key.strip());
      List<String> names = new ArrayList<>(reference.getConfig(parent).root().keySet());
      java.util.Collections.sort(names);
      String close = closest(key.strip(), names, reference);
      err.println("error: no default for '" + key + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
          + "; valid names in " + parent + ": " + String.join(", ", names));
      return ExitCodes.BAD_INPUT;
    }
    out.print(render(path, reference.getValue(path)));
    String template = elementTemplate(reference, path);
    if (template != null) {
      // `defaults workloads` is asked for what a workload can hold: the list's default alone ([]) says nothing
      out.println();
      out.print(render(template, reference.getValue(template)));
    }
    out.flush();
    return ExitCodes.OK;
  }

  /**
   * The full path of {@code key}: under experiment first, else as given; a key inside a list of objects
   * ({@code workloads.rate}, {@code workloads.0.rate}) is its template's ({@code cnemu.schema.experiment.workloads.rate}),
   * and so is one of a block its schema gives ({@code overrides.costs.irq}: a profile's, as validation sees it);
   * null when none exists.
   */
  static String resolve(Config reference, String key) {
    for (String p : List.of("experiment." + key, key)) {
      try {
        if (!p.isEmpty() && reference.hasPathOrNull(p)) return p;
        String inList = inListTemplate(reference, p);
        if (inList != null) return inList;
      } catch (ConfigException e) {
        return null; // not a path
      }
    }
    return null;
  }

  /**
   * {@code path} through a list, a block of named entries or a block that has a template under cnemu.schema
   * ({@code experiment.workloads.0.rate}, {@code experiment.topology.hosts.h2.cpus}, {@code experiment.overrides.nic.ring}),
   * as the template's path; else null.
   */
  private static String inListTemplate(Config reference, String path) {
    List<String> parts = ConfigUtil.splitPath(path);
    for (int i = 1; i < parts.size(); i++) {
      String at = ConfigUtil.joinPath(parts.subList(0, i));
      if (!reference.hasPath(at)) return null;
      ConfigValueType t = reference.getValue(at).valueType();
      List<String> rest;
      String template;
      if (t == ConfigValueType.LIST) {
        template = "cnemu.schema." + at;
        rest = parts.subList(parts.get(i).matches("\\d+") ? i + 1 : i, parts.size());
      } else if (t == ConfigValueType.OBJECT && reference.hasPath("cnemu.schema." + at + ".\"*\"")
          && !reference.getObject(at).containsKey(parts.get(i))) {
        template = "cnemu.schema." + at + ".\"*\"";
        rest = parts.subList(i + 1, parts.size());
      } else if (t == ConfigValueType.OBJECT && reference.hasPath("cnemu.schema." + at)
          && !reference.getObject(at).containsKey(parts.get(i))) {
        template = "cnemu.schema." + at; // a block whose keys its schema gives (overrides: a profile's)
        rest = parts.subList(i, parts.size());
      } else {
        continue;
      }
      String full = rest.isEmpty() ? template : template + "." + ConfigUtil.joinPath(rest);
      return reference.hasPathOrNull(full) ? full : null;
    }
    return null;
  }

  /** The deepest block of the reference that {@code key} starts with (under experiment; a list's template), for the valid names. */
  static String parentBlock(Config reference, String key) {
    List<String> parts;
    try {
      parts = ConfigUtil.splitPath(key);
    } catch (ConfigException e) {
      return "experiment";
    }
    for (int i = parts.size() - 1; i > 0; i--) {
      String p = resolve(reference, ConfigUtil.joinPath(parts.subList(0, i)));
      if (p != null && reference.getValue(p).valueType() == ConfigValueType.OBJECT) return p;
      if (p != null && reference.getValue(p).valueType() == ConfigValueType.LIST
          && reference.hasPath("cnemu.schema." + p)) {
        return "cnemu.schema." + p;
      }
      if (p != null && reference.hasPath("cnemu.schema." + p + ".\"*\"")) return "cnemu.schema." + p + ".\"*\"";
    }
    return "experiment";
  }

  /** {@code path = value} or {@code path { ... }}, with the reference's comments. */
  static String render(String path, ConfigValue v) {
    ConfigRenderOptions o = ConfigRenderOptions.defaults().setOriginComments(false).setComments(true).setJson(false)
        .setFormatted(true);
    StringBuilder sb = new StringBuilder();
    for (String c : v.origin().comments()) sb.append("#").append(c).append('\n');
    if (v.valueType() != ConfigValueType.OBJECT) return sb.append(path).append(" = ").append(v.render(o).strip()).append('\n').toString();
    String body = ((com.typesafe.config.ConfigObject) v).toConfig().root().render(o).strip();
    if (body.startsWith("{") && body.endsWith("}")) body = body.substring(1, body.length() - 1).strip();
    sb.append(path).append(" {\n");
    for (String line : body.split("\n")) sb.append(line.isBlank() ? "" : "  " + line.stripTrailing()).append('\n');
    return sb.append("}\n").toString();
  }

  /**
   * The closest valid key to a mistyped one: its last part against the names of the block it is in, kept with
   * the prefix as typed ({@code workloads.0.rat} -> {@code workloads.0.rate}); else against every key under
   * experiment ({@code duraton} -> {@code duration}); null when nothing is close.
   */
  static String closest(String key, List<String> names, Config reference) {
    int dot = key.lastIndexOf('.');
    if (dot > 0) {
      String close = Suggestions.closest(key.substring(dot + 1), names);
      if (close != null) return key.substring(0, dot + 1) + close;
    }
    return Suggestions.closest(key, keys(reference.getConfig("experiment")));
  }

  /**
   * For a list of objects ({@code experiment.workloads}) or a block of named entries
   * ({@code experiment.topology.hosts}), the template every element starts from; else null.
   */
  static String elementTemplate(Config reference, String path) {
    if (path.startsWith("cnemu.schema.")) return null;
    ConfigValueType t = reference.getValue(path).valueType();
    if (t == ConfigValueType.LIST && reference.hasPath("cnemu.schema." + path)) return "cnemu.schema." + path;
    if (t == ConfigValueType.OBJECT && reference.hasPath("cnemu.schema." + path + ".\"*\"")) {
      return "cnemu.schema." + path + ".\"*\"";
    }
    return null;
  }

  private static List<String> keys(Config c) {
    List<String> out = new ArrayList<>(c.root().keySet());
    c.entrySet().forEach(e -> out.add(e.getKey()));
    return out;
  }
}
