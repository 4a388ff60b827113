package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upper bound of what a parsed file's substitutions expand to, computed before HOCON resolves
 * them: a few lines like {@code b = ${a}${a}${a}${a}} nested eight deep expand to 16 million
 * characters, and one level more exhausts the heap. The bound works on the unresolved values as they
 * render ({@code ${a}${a}}, a merge of definitions as {@code "x",${a}${a}}): each reference counts the
 * bound of its target (a value of this file, else the reference default or environment variable it
 * falls back to), a reference to the key being defined counts that key's previous definition.
 */
final class Expansion {
  /** Above this many characters (after substitution) a file is refused. */
  static final long MAX_CHARS = 8L << 20;
  private static final long CAP = Long.MAX_VALUE / 4;
  private static final Pattern REF = Pattern.compile("\\$\\{\\??([^}]*)\\}");

  private final ConfigObject root;
  private final Config reference;
  private final Map<String, Long> memo = new HashMap<>();
  private final Set<String> inProgress = new HashSet<>();

  private Expansion(ConfigObject root, Config reference) {
    this.root = root;
    this.reference = reference;
  }

  /** The first top-level-or-deeper key whose value expands beyond {@link #MAX_CHARS}, or null. */
  static String tooLarge(ConfigObject root, Config reference) {
    Expansion x = new Expansion(root, reference);
    return x.find(new ArrayList<>(), root);
  }

  private String find(List<String> path, ConfigValue v) {
    if (!path.isEmpty() && size(ConfigUtil.joinPath(path), v) <= MAX_CHARS) return null;
    if (v instanceof ConfigObject o && isPlain(o)) {
      for (Map.Entry<String, ConfigValue> e : new java.util.TreeMap<>(o).entrySet()) {
        List<String> p = new ArrayList<>(path);
        p.add(e.getKey());
        String deeper = find(p, e.getValue());
        if (deeper != null) return deeper;
      }
      return path.isEmpty() ? null : ConfigUtil.joinPath(path);
    }
    return path.isEmpty() ? null : ConfigUtil.joinPath(path);
  }

  /** Plain objects and lists hold their children; anything else renders as one (unresolved) value. */
  private static boolean isPlain(ConfigValue v) {
    return v.getClass().getSimpleName().startsWith("Simple");
  }

  /** Upper bound of the characters value {@code v} at {@code path} expands to. */
  private long size(String rawPath, ConfigValue v) {
    String path = normal(rawPath);
    Long known = memo.get(path);
    if (known != null) return known;
    if (!inProgress.add(path)) return 0; // a cycle: HOCON reports it when resolving
    long n;
    try {
      if (v instanceof ConfigObject o && isPlain(o)) {
        n = 2;
        for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
          n = add(n, e.getKey().length() + 2 + size(path + "." + ConfigUtil.quoteString(e.getKey()), e.getValue()));
        }
      } else if (v instanceof ConfigList l && isPlain(l)) {
        n = 2;
        for (int i = 0; i < l.size(); i++) n = add(n, 1 + size(path + "." + i, l.get(i)));
      } else {
        n = rendered(path, v.render(ConfigRenderOptions.concise()));
      }
    } finally {
      inProgress.remove(path);
    }
    memo.put(path, n);
    return n;
  }

  /**
   * A rendered unresolved value: a merge of definitions ({@code a,b,c}, oldest first) where each
   * definition may refer to the previous one, or a single concatenation of literals and references.
   */
  private long rendered(String path, String text) {
    long previous = 0;
    for (String definition : topLevelPieces(text)) {
      long n = 0;
      int literal = definition.length();
      Matcher m = REF.matcher(definition);
      while (m.find()) {
        literal -= m.group().length();
        String target = m.group(1).strip();
        n = add(n, samePath(target, path) ? previous : target(target));
      }
      previous = add(n, literal);
    }
    return previous;
  }

  private static boolean samePath(String ref, String path) {
    return normal(ref).equals(path);
  }

  /** One spelling per path (a."b" and a.b are the same key). */
  private static String normal(String path) {
    try {
      return ConfigUtil.joinPath(ConfigUtil.splitPath(path));
    } catch (RuntimeException e) {
      return path;
    }
  }

  /** Bound of the value a reference names: in this file, else the reference defaults or the environment. */
  private long target(String ref) {
    List<String> parts;
    try {
      parts = ConfigUtil.splitPath(ref);
    } catch (RuntimeException e) {
      return 0;
    }
    ConfigValue v = root;
    for (int i = 0; i < parts.size(); i++) {
      if (!(v instanceof ConfigObject o)) break;
      ConfigValue child = o.get(parts.get(i));
      if (child == null) {
        v = null;
        break;
      }
      if (!isPlain(child) && i < parts.size() - 1) {
        // a merge or reference above the target: bound by the whole of it
        return size(ConfigUtil.joinPath(parts.subList(0, i + 1)), child);
      }
      v = child;
    }
    if (v != null) return size(ConfigUtil.joinPath(parts), v);
    try {
      if (reference.hasPathOrNull(ref)) return reference.getValue(ref).render(ConfigRenderOptions.concise()).length();
    } catch (RuntimeException e) {
      // not a path of the reference
    }
    String env = System.getenv(ref);
    return env == null ? 0 : env.length();
  }

  /** Splits {@code text} at commas outside quotes, brackets and braces (a merge renders as its definitions). */
  static List<String> topLevelPieces(String text) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '\\') i++;
        else if (c == '"') quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(text.substring(start, i));
        start = i + 1;
      }
    }
    out.add(text.substring(start));
    return out;
  }

  private static long add(long a, long b) {
    return Math.min(CAP, a + b);
  }
}
