package org.cnemu.kernel.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads a policy's settings block for {@link SteeringPolicyProvider#parse}: each getter returns the
 * value, or records a problem at the key (with the value's origin) and returns a harmless stand-in, so
 * one pass reports every bad setting; {@link #result} then gives the settings or the problems. The
 * bounds given here are the ones the policy's code relies on (no division by zero, no empty core set);
 * the declared domains in reference.conf may be narrower and are checked by the generic validator.
 */
public final class SettingsReader {
  private final Config settings;
  private final Set<Integer> hostCpus;
  private final List<ParsedSettings.Problem> problems = new ArrayList<>();

  /** {@code hostCpus}: the distinct core counts of the hosts (for {@link #cores}). */
  public SettingsReader(Config settings, Set<Integer> hostCpus) {
    this.settings = settings;
    this.hostCpus = Set.copyOf(hostCpus);
  }

  /** A whole number in [min, max] (a string HOCON converts, "4", is taken too, as Config's getters do). */
  public int wholeNumber(String key, int min, int max) {
    Number n = numberAt(key, "a whole number between " + min + " and " + max);
    if (n == null) return min;
    if (!(n instanceof Integer i)) {
      problem(settings.getValue(key).origin(), key, "expected a whole number between " + min + " and " + max + ", got " + n);
      return min;
    }
    if (i < min || i > max) {
      problem(settings.getValue(key).origin(), key, "must be between " + min + " and " + max + ", got " + i);
      return min;
    }
    return i;
  }

  /** A number (fractions allowed) in [min, max]. */
  public double number(String key, double min, double max) {
    Number n = numberAt(key, "a number between " + plain(min) + " and " + plain(max));
    if (n == null) return min;
    double d = n.doubleValue();
    if (!(d >= min && d <= max)) {
      problem(settings.getValue(key).origin(), key, "must be between " + plain(min) + " and " + plain(max) + ", got " + n);
      return min;
    }
    return d;
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

  /** A duration with a unit (10ms, 1us) in [minNanos, maxNanos], in nanoseconds. */
  public long nanos(String key, long minNanos, long maxNanos) {
    if (!present(key)) return minNanos;
    long n;
    try {
      n = settings.getDuration(key).toNanos();
    } catch (ConfigException | ArithmeticException e) {
      problem(settings.getValue(key).origin(), key, "expected a duration with a unit (10us, 1ms), got "
          + settings.getValue(key).unwrapped());
      return minNanos;
    }
    if (n < minNanos || n > maxNanos) {
      problem(settings.getValue(key).origin(), key, "must be between " + minNanos + "ns and " + maxNanos + "ns, got "
          + settings.getValue(key).unwrapped());
      return minNanos;
    }
    return n;
  }

  /** A size with a unit (64B, 4KiB) in [minBytes, maxBytes], in bytes. */
  public long bytes(String key, long minBytes, long maxBytes) {
    if (!present(key)) return minBytes;
    long b;
    try {
      b = settings.getBytes(key);
    } catch (ConfigException e) {
      problem(settings.getValue(key).origin(), key, "expected a size with a unit (64B, 4KiB), got "
          + settings.getValue(key).unwrapped());
      return minBytes;
    }
    if (b < minBytes || b > maxBytes) {
      problem(settings.getValue(key).origin(), key, "must be between " + minBytes + "B and " + maxBytes + "B, got "
          + settings.getValue(key).unwrapped());
      return minBytes;
    }
    return b;
  }

  /** One of {@code valid} (compared without case); the valid value as written there, or valid[0] after a problem. */
  public String oneOf(String key, String... valid) {
    if (!present(key)) return valid[0];
    ConfigValue v = settings.getValue(key);
    String s = null;
    try {
      s = match(settings.getString(key), valid);
    } catch (ConfigException.WrongType e) {
      // an object or list: reported below
    }
    if (s == null) {
      problem(v.origin(), key, "expected one of " + String.join(", ", valid) + ", got " + v.unwrapped());
      return valid[0];
    }
    return s;
  }

  /** A list, each element one of {@code valid} (compared without case); problems at {@code key[i]}. */
  public List<String> eachOneOf(String key, String... valid) {
    ConfigValue v = value(key, ConfigValueType.LIST, "a list of " + String.join(", ", valid));
    if (v == null) return List.of();
    List<String> out = new ArrayList<>();
    ConfigList l = (ConfigList) v;
    for (int i = 0; i < l.size(); i++) {
      ConfigValue e = l.get(i);
      String s = e.valueType() == ConfigValueType.STRING ? match(((String) e.unwrapped()).trim(), valid) : null;
      if (s == null) problem(e.origin(), key + "[" + i + "]", "expected one of " + String.join(", ", valid) + ", got "
          + e.unwrapped());
      else out.add(s);
    }
    return List.copyOf(out);
  }

  /**
   * A list of core indexes ([] = every core of each host). Each index is at least 0, and every host keeps
   * at least one core of the list (a host uses the listed cores below its core count): checked against
   * each core count the hosts have.
   */
  public int[] cores(String key) {
    ConfigValue v = value(key, ConfigValueType.LIST, "a list of core indexes ([] = all cores)");
    if (v == null) return new int[0];
    ConfigList l = (ConfigList) v;
    int[] out = new int[l.size()];
    boolean ok = true;
    for (int i = 0; i < l.size(); i++) {
      ConfigValue e = l.get(i);
      Integer c = null;
      try {
        c = com.typesafe.config.ConfigFactory.empty().withValue("c", e).getInt("c");
      } catch (ConfigException ex) {
        // not a whole number: reported below
      }
      if (c == null || c < 0) {
        problem(e.origin(), key + "[" + i + "]", "expected a core index (0 or more), got " + e.unwrapped());
        ok = false;
      } else {
        out[i] = c;
      }
    }
    if (ok && out.length > 0) {
      int lowest = java.util.Arrays.stream(out).min().getAsInt();
      for (int cpus : new java.util.TreeSet<>(hostCpus)) {
        if (lowest >= cpus) {
          problem(v.origin(), key, "no core of " + v.render(com.typesafe.config.ConfigRenderOptions.concise()) + " is on a host with " + cpus + " cores (0.."
              + (cpus - 1) + "); list at least one core below " + cpus);
          break;
        }
      }
    }
    return out;
  }

  /** A problem found by the policy's own checks (between settings), at {@code key}. */
  public void problem(String key, String message) {
    problem(settings.hasPath(key) ? settings.getValue(key).origin() : settings.origin(), key, message);
  }

  /** The settings {@code make} builds (called only when no problem was found), or every problem. */
  public <S> ParsedSettings<S> result(Supplier<S> make) {
    return problems.isEmpty() ? ParsedSettings.of(make.get()) : ParsedSettings.failed(problems);
  }

  /** {@code cores} (from {@link #cores}) on a host with {@code cpus} cores: those below it; [] = all of its cores. */
  public static int[] onHost(int[] cores, int cpus) {
    if (cores.length == 0) {
      int[] all = new int[cpus];
      for (int i = 0; i < cpus; i++) all[i] = i;
      return all;
    }
    int[] m = java.util.Arrays.stream(cores).filter(c -> c < cpus).toArray();
    if (m.length == 0) throw new IllegalArgumentException("no core of the list is below " + cpus + " (parse checks this)");
    return m;
  }

  // ---- helpers --------------------------------------------------------------------------------------

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

  private static String match(String s, String[] valid) {
    for (String ok : valid) if (ok.equalsIgnoreCase(s)) return ok;
    return null;
  }

  private static String plain(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private void problem(ConfigOrigin origin, String key, String message) {
    problems.add(new ParsedSettings.Problem(origin, key, message));
  }
}
