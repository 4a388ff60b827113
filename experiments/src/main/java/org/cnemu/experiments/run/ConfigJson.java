package org.cnemu.experiments.run;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The resolved experiment block as plain maps and lists, for results.json. */
public final class ConfigJson {
  /**
   * Keys left out of results.json's {@code config}: how a run was executed, not what it computed.
   * Keeping them out is what makes results byte-identical across thread counts and output folders.
   */
  public static final List<String> EXECUTION_KEYS = List.of("engine.threads", "output");

  private ConfigJson() {}

  /** Keys sorted at every level so the output never depends on file order or hash order. */
  public static Map<String, Object> of(Config experiment) {
    Config c = experiment;
    for (String key : EXECUTION_KEYS) c = c.withoutPath(key);
    @SuppressWarnings("unchecked")
    Map<String, Object> sorted = (Map<String, Object>) sort(c.root().unwrapped());
    return sorted;
  }

  private static Object sort(Object v) {
    if (v instanceof Map<?, ?> m) {
      TreeMap<String, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), sort(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object x : l) out.add(sort(x));
      return out;
    }
    return v;
  }
}
