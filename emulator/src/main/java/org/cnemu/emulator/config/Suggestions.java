package org.cnemu.emulator.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** "Did you mean" for misspelled keys. */
public final class Suggestions {
  private Suggestions() {}

  /** The candidate closest to {@code key} if it is close enough to be a typo, else null. */
  public static String closest(String key, Collection<String> candidates) {
    String k = key.toLowerCase(Locale.ROOT);
    // allow one edit for short keys, up to three for long ones
    int limit = Math.max(1, Math.min(3, (k.length() + 1) / 3));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) { // candidates iterate in a stable order, so ties are deterministic
      int d = distance(k, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return bestDistance <= limit ? best : null;
  }

  /** The shortest path (under {@code prefix}) whose last key equals {@code key}, ignoring case; null if none. */
  public static String findLeaf(String key, ConfigObject root, String prefix) {
    TreeMap<Integer, String> found = new TreeMap<>();
    find(key.toLowerCase(Locale.ROOT), root, prefix, found);
    return found.isEmpty() ? null : found.firstEntry().getValue();
  }

  private static void find(String key, ConfigObject obj, String prefix, TreeMap<Integer, String> found) {
    for (Map.Entry<String, ConfigValue> e : new TreeMap<>(obj).entrySet()) {
      String path = prefix + "." + e.getKey();
      if (e.getKey().toLowerCase(Locale.ROOT).equals(key)) found.putIfAbsent(path.length(), path);
      if (e.getValue().valueType() == ConfigValueType.OBJECT) find(key, (ConfigObject) e.getValue(), path, found);
    }
  }

  /** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("modle" -> "model" = 1). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
