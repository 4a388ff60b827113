package org.cnemu.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every key of every module's reference.conf, as merged, has a comment of its own (on the line above it or on
 * its own line), so that {@code cnemu defaults KEY} explains each one: the keys an experiment sets
 * ({@code experiment}), the templates of list and named elements ({@code cnemu.schema}), the hardware profiles
 * ({@code cnemu.profiles}, what {@code experiment.overrides} holds) and the engine's JVM settings
 * ({@code cnemu.engine}). The domains ({@code cnemu.domain}) are statements about those keys, not keys.
 */
class DefaultsCommentsTest {
  private final Config reference = ConfigFactory.defaultReference();

  @Test
  void everyLeafKeyOfTheMergedReferenceHasItsOwnComment() {
    // by file and line: a key that two paths share (a profile and the overrides' schema, its copy) is listed once
    Map<String, String> uncommented = new TreeMap<>();
    int[] leaves = {0};
    for (String root : List.of("experiment", "cnemu.profiles", "cnemu.schema", "cnemu.engine")) {
      walk(new ArrayList<>(ConfigUtil.splitPath(root)), reference.getValue(root), uncommented, leaves);
    }
    assertEquals("", String.join("\n", uncommented.values()), uncommented.size() + " keys without a comment of their own");
    assertTrue(leaves[0] > 400, "walked only " + leaves[0] + " keys");
  }

  @Test
  void defaultsPrintsTheKeysOwnCommentNotItsNeighboursOrItsBlocks() {
    // dst shares no comment with src, value-size none with key-size: each says what it is
    String dst = DefaultsCommand.render("cnemu.schema.experiment.workloads.dst",
        reference.getValue("cnemu.schema.experiment.workloads.dst"));
    assertTrue(dst.startsWith("#") && dst.contains("dst = \"h2/c1\""), dst);
    String leaves = DefaultsCommand.render("experiment.topology.leaf-spine.leaves",
        reference.getValue("experiment.topology.leaf-spine.leaves"));
    assertTrue(leaves.startsWith("#"), leaves);
  }

  /** Every leaf (a list is a leaf) under {@code path} without a comment of its own: "file:line: key" by file and line. */
  private static void walk(List<String> path, ConfigValue value, Map<String, String> uncommented, int[] leaves) {
    if (value instanceof ConfigObject o) {
      for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
        path.add(e.getKey());
        walk(path, e.getValue(), uncommented, leaves);
        path.remove(path.size() - 1);
      }
      return;
    }
    leaves[0]++;
    if (value.origin().comments().stream().allMatch(String::isBlank)) {
      String file = value.origin().resource() != null ? value.origin().resource() : value.origin().description();
      String module = value.origin().url() == null ? "" : moduleOf(value.origin().url().toString());
      String at = String.format("%s%s:%05d", module, file, value.origin().lineNumber());
      uncommented.putIfAbsent(at, module + file + ":" + value.origin().lineNumber() + ": " + ConfigUtil.joinPath(path));
    }
  }

  /** The module of a resource's URL ("devices/" for its target/classes or its cnemu-devices jar), else "". */
  private static String moduleOf(String url) {
    Matcher m = Pattern.compile("/([a-z-]+)/target/classes/|/cnemu-([a-z-]+)-[^/]*\\.jar!").matcher(url);
    return !m.find() ? "" : (m.group(1) != null ? m.group(1) : m.group(2)) + "/";
  }
}
