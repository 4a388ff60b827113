package org.cnemu.emulator.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The declared domains of experiment keys: {@code cnemu.domain.<path> { ... }} in each module's
 * reference.conf, at the key's schema path (list elements without an index, named children as
 * {@code "*"}; a {@code "*"} also covers every child that has no domain of its own):
 * <pre>
 *   cnemu.domain.experiment.runs { min = 1, max = 100000 }                  # a number: inclusive range
 *   cnemu.domain.experiment.topology.link.delay { min = 1ns, max = 1s }     # a quantity: range in its unit
 *   cnemu.domain.experiment.workloads.protocol { enum = [tcp, udp] }        # a string: one of these, exactly
 *   cnemu.domain.experiment.profile { names = "a hardware profile" }        # a name the model checks
 *   cnemu.domain.experiment.compare.steering { names = "steering policies" } # a list: each element
 * </pre>
 * {@code why} (optional) is appended to a range message. A domain is an object whose keys are only
 * these fields; any other object is a level of the path. The one statement of a key's valid values: the
 * experiment validator checks every key of a file against it, and a steering policy's settings reader
 * (kernel-api) reads its block's bounds from it, so both say the same thing in the same words.
 */
public final class Domains {
  static final String ROOT = "cnemu.domain";
  static final String ANY = "*";
  static final Set<String> FIELDS = Set.of("min", "max", "enum", "names", "why");

  /** One key's domain; a field not declared is null. */
  public record Domain(ConfigValue min, ConfigValue max, List<String> values, String names, String why) {
    public boolean numeric() {
      return min != null || max != null;
    }
  }

  private final ConfigObject root;

  public Domains(Config reference) {
    this.root = reference.hasPath(ROOT) && reference.getValue(ROOT).valueType() == ConfigValueType.OBJECT
        ? reference.getObject(ROOT) : null;
  }

  /** The domain declared at {@code schemaPath} (e.g. [experiment, workloads, protocol]), or null. */
  public Domain at(List<String> schemaPath) {
    if (root == null) return null;
    ConfigObject node = root;
    for (int i = 0; i < schemaPath.size(); i++) {
      ConfigValue child = node.get(schemaPath.get(i));
      if (!(child instanceof ConfigObject)) child = node.get(ANY);
      if (!(child instanceof ConfigObject o)) return null;
      if (isDomain(o)) return i == schemaPath.size() - 1 ? of(o) : null;
      node = o;
    }
    return null;
  }

  /** Whether {@code o} is a domain (only domain fields) rather than a level of the path. */
  static boolean isDomain(ConfigObject o) {
    return !o.isEmpty() && FIELDS.containsAll(o.keySet());
  }

  public static Domain of(ConfigObject o) {
    List<String> values = null;
    if (o.get("enum") instanceof ConfigList l) {
      values = new ArrayList<>();
      for (ConfigValue v : l) values.add(String.valueOf(v.unwrapped()));
    }
    return new Domain(o.get("min"), o.get("max"), values,
        o.get("names") == null ? null : String.valueOf(o.get("names").unwrapped()),
        o.get("why") == null ? null : String.valueOf(o.get("why").unwrapped()));
  }

  /**
   * The problem with a well-typed value {@code user} in domain {@code d}, or null when it is inside.
   * {@code kind} is the key's unit kind (NONE for plain numbers and strings).
   */
  public static String check(Domain d, ConfigValue user, Units.Kind kind) {
    if (d == null) return null;
    if (d.values() != null && user.valueType() == ConfigValueType.STRING) {
      String s = (String) user.unwrapped();
      if (d.values().contains(s)) return null;
      String close = Suggestions.closest(s, d.values());
      return "unknown value '" + s + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
          + "; valid: " + String.join(", ", d.values().stream().map(v -> v.isEmpty() ? "\"\"" : v).toList());
    }
    if (!d.numeric()) return null;
    BigDecimal v;
    if (kind != Units.Kind.NONE) {
      if (user.valueType() != ConfigValueType.STRING) return null;
      v = BigDecimal.valueOf(Units.parseSigned((String) user.unwrapped(), kind));
    } else {
      if (user.valueType() != ConfigValueType.NUMBER) return null;
      v = new BigDecimal(user.unwrapped().toString());
    }
    BigDecimal lo = bound(d.min(), kind);
    BigDecimal hi = bound(d.max(), kind);
    if ((lo == null || v.compareTo(lo) >= 0) && (hi == null || v.compareTo(hi) <= 0)) return null;
    String got = String.valueOf(user.unwrapped());
    // a quantity below a lower bound of zero or of one base unit (1ns, 1B, 1bps): one wording for 0 and for
    // negative values
    if (kind != Units.Kind.NONE && lo != null && v.compareTo(lo) < 0 && lo.compareTo(BigDecimal.ONE) <= 0) {
      return kind.below(lo.signum() == 0 ? "non-negative" : "positive", got);
    }
    String range = lo != null && hi != null ? "must be between " + show(d.min()) + " and " + show(d.max())
        : lo != null ? "must be at least " + show(d.min()) : "must be at most " + show(d.max());
    return range + ", got " + got + (d.why() == null ? "" : " (" + d.why() + ")");
  }

  /**
   * {@link #check} of a quantity {@code user} already parsed as {@code value} ({@link Units#parseSigned}): beyond
   * its domain, a negative quantity is refused where the domain sets no lower bound (quantities are never negative).
   */
  public static String checkQuantity(Domain d, ConfigValue user, Units.Kind kind, long value) {
    String message = check(d, user, kind);
    return message == null && value < 0 ? kind.below("non-negative", String.valueOf(user.unwrapped())) : message;
  }

  /** A bound in the key's base unit (ns, bit/s, bytes) or as a plain number. */
  public static BigDecimal bound(ConfigValue b, Units.Kind kind) {
    if (b == null) return null;
    if (kind != Units.Kind.NONE) return BigDecimal.valueOf(Units.parse(String.valueOf(b.unwrapped()), kind));
    return new BigDecimal(b.unwrapped().toString());
  }

  private static String show(ConfigValue b) {
    return String.valueOf(b.unwrapped());
  }
}
