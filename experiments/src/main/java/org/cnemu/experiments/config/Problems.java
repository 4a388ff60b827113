package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.cnemu.emulator.model.ConfigProblem;

/** Turns HOCON origins and exceptions into one-line {@link ConfigProblem}s. */
public final class Problems {
  private Problems() {}

  /** A problem located at {@code origin}; {@code fallbackFile} names the file when HOCON does not. */
  public static ConfigProblem at(ConfigOrigin origin, String fallbackFile, String key, String message) {
    if (origin == null) return new ConfigProblem(fallbackFile, 0, key, message);
    return new ConfigProblem(fileOf(origin, fallbackFile), Math.max(origin.lineNumber(), 0), key, message);
  }

  /** A Typesafe exception as one short line: its origin's line, its message without the origin prefix. */
  public static ConfigProblem of(ConfigException e, String fallbackFile) {
    ConfigOrigin origin = e.origin();
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (origin != null) {
      String prefix = origin.description() + ": ";
      if (message.startsWith(prefix)) message = message.substring(prefix.length());
    }
    // Typesafe wraps the real reason in extra words ("... (if you intended X to be part of a key ...)").
    message = message.replace("java.io.IOException: ", "").replace("java.io.FileNotFoundException: ", "");
    int hint = message.indexOf(" (if you intended");
    if (hint > 0) message = message.substring(0, hint);
    return at(origin, fallbackFile, null, message.strip());
  }

  /**
   * A substitution without a value ({@code ${warmup}}), at its origin: "no value for ${warmup}", and, when the
   * path names a key under {@code experiment} of {@code merged} (the file over the reference, unresolved), that a
   * substitution takes the full path ({@code ${experiment.warmup}}), as HOCON does.
   */
  public static ConfigProblem unresolved(ConfigException.UnresolvedSubstitution e, String fallbackFile, Config merged) {
    ConfigProblem p = of(e, fallbackFile);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{\\??([^}]+)}").matcher(p.message());
    if (!m.find()) return p;
    String path = m.group(1).strip();
    String message = "no value for " + m.group();
    try {
      if (!path.startsWith("experiment.") && merged.hasPathOrNull("experiment." + path)) {
        message += " (a substitution takes the full path: ${experiment." + path + "})";
      }
    } catch (ConfigException notAPath) {
      // the path runs through a value not resolved yet, or is no path: no hint
    }
    return new ConfigProblem(p.file(), p.line(), p.key(), message);
  }

  static String fileOf(ConfigOrigin origin, String fallbackFile) {
    if (origin.filename() != null) {
      String f = origin.filename();
      return f.startsWith("./") && f.length() > 2 ? f.substring(2) : f; // see ExperimentLoader: "./" is ours
    }
    if (origin.resource() != null) return origin.resource();
    if (origin.url() != null) return origin.url().toString();
    String d = origin.description();
    return d == null || d.isBlank() ? fallbackFile : d;
  }

  /** Problems in reading order: by file, then line (stable, so same-line problems keep their order). */
  public static List<ConfigProblem> sorted(List<ConfigProblem> problems) {
    List<ConfigProblem> out = new ArrayList<>(problems.size());
    for (ConfigProblem p : problems) {
      // models name files from HOCON origins too: drop the "./" the loader adds to bare names
      String f = p.file();
      out.add(f != null && f.startsWith("./") && f.length() > 2
          ? new ConfigProblem(f.substring(2), p.line(), p.key(), p.message()) : p);
    }
    out.sort(Comparator.comparing((ConfigProblem p) -> p.file() == null ? "" : p.file())
        .thenComparingInt(ConfigProblem::line));
    return out;
  }
}
