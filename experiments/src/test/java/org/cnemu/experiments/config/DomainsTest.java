package org.cnemu.experiments.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.config.Domains;
import org.cnemu.emulator.config.Units;
import org.junit.jupiter.api.Test;

/**
 * Every experiment key of every module on the class path has a declared domain (cnemu.domain), and
 * every reference default and every shipped hardware profile lies inside it: a key added without a
 * domain, or a domain that refuses the project's own defaults, fails here.
 */
class DomainsTest {
  private final Config reference = ConfigFactory.defaultReference();
  private final Domains domains = new Domains(reference);
  private final List<String> missing = new ArrayList<>();
  private final List<String> outside = new ArrayList<>();
  private int checked;

  @Test
  void everyKeyHasADomainAndEveryDefaultIsInside() {
    walk(new ArrayList<>(List.of("experiment")), reference.getValue("experiment"));
    assertEquals(List.of(), missing, "keys without a declared domain (cnemu.domain.<path>)");
    assertEquals(List.of(), outside, "reference defaults outside their own domain");
    assertTrue(checked > 150, "walked only " + checked + " keys");
  }

  @Test
  void everyProfileLiesInsideTheOverrideDomains() {
    for (String name : reference.getObject("cnemu.profiles").keySet()) {
      walk(new ArrayList<>(List.of("experiment", "overrides")),
          reference.getValue("cnemu.profiles." + ConfigUtil.quoteString(name)));
    }
    assertEquals(List.of(), missing);
    assertEquals(List.of(), outside);
  }

  @Test
  void rangesEnumsAndListsAreChecked() {
    Domains.Domain runs = domains.at(List.of("experiment", "runs"));
    assertEquals("must be between 1 and 100000, got 0", Domains.check(runs, ConfigValueFactory.fromAnyRef(0), Units.Kind.NONE));
    assertNull(Domains.check(runs, ConfigValueFactory.fromAnyRef(100000), Units.Kind.NONE));
    Domains.Domain delay = domains.at(List.of("experiment", "topology", "link", "delay"));
    // below a lower bound of one base unit, zero and negative values read the same; above, the range
    assertEquals("expected a positive duration (e.g. 10ms), got 0us", Domains.check(delay,
        ConfigValueFactory.fromAnyRef("0us"), Units.Kind.DURATION));
    assertEquals("expected a positive duration (e.g. 10ms), got -3us", Domains.check(delay,
        ConfigValueFactory.fromAnyRef("-3us"), Units.Kind.DURATION));
    assertEquals("must be between 1ns and 1s, got 2s", Domains.check(delay, ConfigValueFactory.fromAnyRef("2s"),
        Units.Kind.DURATION));
    assertNull(Domains.check(delay, ConfigValueFactory.fromAnyRef("1000ms"), Units.Kind.DURATION));
    Domains.Domain protocol = domains.at(List.of("experiment", "workloads", "protocol"));
    assertEquals("unknown value 'tpc' (did you mean 'tcp'?); valid: tcp, udp",
        Domains.check(protocol, ConfigValueFactory.fromAnyRef("tpc"), Units.Kind.NONE));
    // a valid empty value is shown as "", not as nothing between two commas
    Domains.Domain pattern = domains.at(List.of("experiment", "workloads", "pattern"));
    assertEquals("unknown value 'rnig' (did you mean 'ring'?); valid: \"\", ring, permutation, all-to-all, incast, random-pairs",
        Domains.check(pattern, ConfigValueFactory.fromAnyRef("rnig"), Units.Kind.NONE));
    // "*" covers every child without a domain of its own
    assertTrue(domains.at(List.of("experiment", "overrides", "costs", "irq")).numeric());
    assertNull(domains.at(List.of("experiment", "overrides", "costs")));
  }

  private void walk(List<String> path, ConfigValue value) {
    switch (value.valueType()) {
      case OBJECT -> {
        ConfigObject o = (ConfigObject) value;
        ConfigValue template = schema(path);
        if (template instanceof ConfigObject t) o = o.withFallback(t);
        for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
          walk(append(path, e.getKey()), e.getValue());
        }
      }
      case LIST -> {
        ConfigList list = (ConfigList) value;
        ConfigValue template = schema(path);
        if (template instanceof ConfigList tl && !tl.isEmpty()) template = tl.get(0);
        if (template == null && !list.isEmpty()) template = list.get(0);
        if (template instanceof ConfigObject) {
          walk(path, template);
        } else {
          Domains.Domain d = domains.at(path);
          if (d == null) missing.add(String.join(".", path) + " (a list: a domain for its elements)");
          for (ConfigValue v : list) leaf(path, v, d);
        }
      }
      case BOOLEAN -> { } // its type is its domain
      default -> {
        Domains.Domain d = domains.at(path);
        if (d == null) {
          missing.add(String.join(".", path));
          return;
        }
        leaf(path, value, d);
      }
    }
  }

  private void leaf(List<String> path, ConfigValue value, Domains.Domain d) {
    if (d == null) return;
    checked++;
    Units.Kind kind = value.valueType() == com.typesafe.config.ConfigValueType.STRING
        ? Units.kindOf((String) value.unwrapped()) : Units.Kind.NONE;
    switch (value.valueType()) {
      case NUMBER -> {
        if (d.min() == null || d.max() == null) missing.add(String.join(".", path) + " (a number needs min and max)");
      }
      case STRING -> {
        if (kind != Units.Kind.NONE && (d.min() == null || d.max() == null)) {
          missing.add(String.join(".", path) + " (a quantity needs min and max)");
        }
        if (kind == Units.Kind.NONE && d.values() == null && d.names() == null) {
          missing.add(String.join(".", path) + " (a string needs enum or names)");
        }
      }
      default -> { }
    }
    String problem = Domains.check(d, value, kind);
    if (problem != null) outside.add(String.join(".", path) + " = " + value.unwrapped() + ": " + problem);
  }

  /** The schema template at {@code path} (the "*" child for user-named children handled by the walk). */
  private ConfigValue schema(List<String> path) {
    String p = "cnemu.schema." + ConfigUtil.joinPath(path);
    try {
      return reference.hasPathOrNull(p) ? reference.getValue(p) : null;
    } catch (com.typesafe.config.ConfigException e) {
      return null;
    }
  }

  private static List<String> append(List<String> path, String key) {
    List<String> p = new ArrayList<>(path);
    p.add(key);
    return p;
  }
}
