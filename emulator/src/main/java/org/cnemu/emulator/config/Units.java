package org.cnemu.emulator.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Quantities with units, as written in experiment files: {@code 5us}, {@code 40Gbps}, {@code 1500B}.
 * A bare number is never accepted for a quantity: "10" could be ms or ns, and guessing is how
 * experiments silently go wrong. Results are exact integers (ns, bit/s, bytes).
 */
public final class Units {
  private Units() {}

  /** What a reference.conf default is, judged by its unit suffix. */
  public enum Kind {
    DURATION("duration", "(ns, us, ms, s)", "10ms"),
    RATE("rate", "(bps, Kbps, Mbps, Gbps)", "40Gbps"),
    SIZE("size", "(B, KB, KiB, MB, MiB, GB, GiB)", "1500B"),
    NONE("value", "", "");

    /** What a value of this kind looks like: "a duration with a unit (ns, us, ms, s), e.g. 10ms". */
    public final String expected;
    private final String noun;
    private final String example;

    Kind(String noun, String units, String example) {
      this.noun = noun;
      this.example = example;
      this.expected = example.isEmpty() ? "a " + noun : "a " + noun + " with a unit " + units + ", e.g. " + example;
    }

    /**
     * The one wording of a quantity below its lower bound, whether zero or negative: "expected a positive
     * duration (e.g. 10ms), got -5ms" ({@code qualifier} positive or non-negative).
     */
    public String below(String qualifier, String got) {
      return "expected a " + qualifier + " " + noun + (example.isEmpty() ? "" : " (e.g. " + example + ")") + ", got " + got;
    }
  }

  private static final Pattern Q = Pattern.compile("^\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]+)\\s*$");

  public static Kind kindOf(String referenceValue) {
    Matcher m = Q.matcher(referenceValue == null ? "" : referenceValue);
    if (!m.matches()) return Kind.NONE;
    String u = m.group(2);
    if (durationFactor(u) > 0) return Kind.DURATION;
    if (rateFactor(u) > 0) return Kind.RATE;
    if (sizeFactor(u) > 0) return Kind.SIZE;
    return Kind.NONE;
  }

  public static long parseNanos(String s) {
    return parse(s, Kind.DURATION);
  }

  public static long parseBitsPerSec(String s) {
    return parse(s, Kind.RATE);
  }

  public static long parseBytes(String s) {
    return parse(s, Kind.SIZE);
  }

  /**
   * Parses {@code s} as a quantity of {@code kind}, which must not be negative; throws IllegalArgumentException
   * saying what was expected.
   */
  public static long parse(String s, Kind kind) {
    long v = parseSigned(s, kind);
    if (v < 0) throw new IllegalArgumentException(kind.below("non-negative", s.trim()));
    return v;
  }

  /**
   * As {@link #parse}, negative values included: for the checks that compare a value with its domain's
   * lower bound, so that -5ms and 0ms below a bound of 1ns get the same message.
   */
  public static long parseSigned(String s, Kind kind) {
    Matcher m = Q.matcher(s == null ? "" : s);
    if (!m.matches()) throw new IllegalArgumentException("expected " + kind.expected + "; got '" + s + "'");
    long factor = switch (kind) {
      case DURATION -> durationFactor(m.group(2));
      case RATE -> rateFactor(m.group(2));
      case SIZE -> sizeFactor(m.group(2));
      case NONE -> 1;
    };
    if (factor <= 0) {
      throw new IllegalArgumentException("expected " + kind.expected + "; got unit '" + m.group(2) + "' in '" + s.trim() + "'");
    }
    BigDecimal v = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(factor));
    try {
      return v.setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("quantity out of range: '" + s.trim() + "'");
    }
  }

  /** Reads a duration at {@code path}; bad values become ConfigException.BadValue (with file and line). */
  public static long nanos(Config c, String path) {
    return read(c, path, Kind.DURATION);
  }

  public static long bitsPerSec(Config c, String path) {
    return read(c, path, Kind.RATE);
  }

  public static long bytes(Config c, String path) {
    return read(c, path, Kind.SIZE);
  }

  private static long read(Config c, String path, Kind kind) {
    if (c.getValue(path).valueType() != ConfigValueType.STRING) {
      throw new ConfigException.BadValue(c.getValue(path).origin(), path, "expected " + kind.expected);
    }
    try {
      return parse(c.getString(path), kind);
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue(c.getValue(path).origin(), path, e.getMessage());
    }
  }

  private static long durationFactor(String u) {
    return switch (u) {
      case "ns" -> 1L;
      case "us" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      default -> -1;
    };
  }

  private static long rateFactor(String u) {
    return switch (u.toLowerCase(Locale.ROOT)) {
      case "bps" -> 1L;
      case "kbps" -> 1_000L;
      case "mbps" -> 1_000_000L;
      case "gbps" -> 1_000_000_000L;
      default -> -1;
    };
  }

  private static long sizeFactor(String u) {
    return switch (u) {
      case "B" -> 1L;
      case "KB" -> 1_000L;
      case "KiB" -> 1_024L;
      case "MB" -> 1_000_000L;
      case "MiB" -> 1_048_576L;
      case "GB" -> 1_000_000_000L;
      case "GiB" -> 1_073_741_824L;
      default -> -1;
    };
  }
}
