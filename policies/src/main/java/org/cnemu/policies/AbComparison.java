package org.cnemu.policies;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A/B comparison of steering policies with common random numbers: one experiment, run once per
 * policy listed in {@code experiment.compare.steering} with everything else (workload, topology,
 * seed) unchanged, then a ratio table of every variant against the first (the baseline, usually
 * vanilla). Model-independent: it reads only the results.json maps the runs produce.
 *
 * <p>A CLI runs it as: {@code variants(experiment)} -> run each {@link Variant#experiment()} as a
 * normal single experiment (e.g. into {@code DIR/<label>/}) -> {@code table(labels, results)}.
 */
public final class AbComparison {
  private AbComparison() {}

  /** One arm: its label (the policy name) and the experiment block to run. */
  public record Variant(String label, Config experiment) {}

  /** Whether the experiment block asks for an A/B run (a non-empty {@code compare.steering}). */
  public static boolean isComparison(Config experiment) {
    return experiment.hasPath("compare.steering") && !experiment.getStringList("compare.steering").isEmpty();
  }

  /**
   * The arms of the comparison, in the listed order; each is the experiment block with
   * {@code steering} set to the arm's policy, {@code name} suffixed with it, and no compare block.
   *
   * @throws IllegalArgumentException when the list is empty or names a policy twice
   */
  public static List<Variant> variants(Config experiment) {
    List<String> names = experiment.hasPath("compare.steering") ? experiment.getStringList("compare.steering") : List.of();
    if (names.isEmpty()) throw new IllegalArgumentException("experiment.compare.steering is empty: nothing to compare");
    if (new LinkedHashSet<>(names).size() != names.size()) {
      throw new IllegalArgumentException("experiment.compare.steering lists a policy twice: " + names);
    }
    String base = experiment.hasPath("name") ? experiment.getString("name") : "ab";
    List<Variant> out = new ArrayList<>();
    for (String n : names) {
      Config e = experiment.withoutPath("compare")
          .withValue("steering", ConfigValueFactory.fromAnyRef(n))
          .withValue("name", ConfigValueFactory.fromAnyRef(base + "-" + n));
      out.add(new Variant(n, e));
    }
    return out;
  }

  /**
   * The headline metrics of one results.json map, in a stable order: per flow throughput (Gbps),
   * out-of-order segments, retransmits, for request-response / ping-pong connections transactions/s
   * and round-trip latency p50/p99 (us, client write to response read), one-way latency p50/p99 (us,
   * send to the application's read, from hosts[].steering);
   * per host busy cores, IRQs, NET_RX softirqs, cores that ran the flow's receive stages; total
   * drops; conservation balanced (1 = yes).
   */
  @SuppressWarnings("unchecked")
  public static LinkedHashMap<String, Double> metrics(Map<String, Object> results) {
    LinkedHashMap<String, Double> m = new LinkedHashMap<>();
    List<Map<String, Object>> flows = (List<Map<String, Object>>) results.getOrDefault("flows", List.of());
    List<Map<String, Object>> hosts = (List<Map<String, Object>>) results.getOrDefault("hosts", List.of());
    for (Map<String, Object> f : flows) {
      String id = String.valueOf(f.get("id"));
      put(m, "flow " + id + " throughput_gbps", f.get("throughput_gbps"));
      put(m, "flow " + id + " out_of_order", f.get("out_of_order"));
      put(m, "flow " + id + " retransmits", f.get("retransmits"));
      // request-response / ping-pong connections: message rate and round-trip latency at the client
      put(m, "flow " + id + " transactions_per_sec", f.get("transactions_per_sec"));
      if (f.get("latency_us") instanceof Map<?, ?> lat) {
        put(m, "flow " + id + " rtt_p50_us", lat.get("p50"));
        put(m, "flow " + id + " rtt_p99_us", lat.get("p99"));
      }
      for (Map<String, Object> h : hosts) {
        Map<String, Object> st = (Map<String, Object>) h.get("steering");
        if (st == null) continue;
        for (String p : new String[] {"p50", "p99"}) {
          Object v = st.get("owd_" + p + "_ns." + id);
          if (v instanceof Number n) m.put("flow " + id + " one_way_" + p + "_us", n.doubleValue() / 1000);
        }
        Object rc = st.get("rx_cores." + id);
        if (rc instanceof Number n) m.put("flow " + id + " rx_stage_cores@" + h.get("id"), n.doubleValue());
      }
    }
    for (Map<String, Object> h : hosts) {
      String id = String.valueOf(h.get("id"));
      put(m, "host " + id + " busy_cores", h.get("cpu_busy_cores"));
      put(m, "host " + id + " irqs", h.get("irqs"));
      Object s = h.get("softirqs");
      if (s instanceof Map<?, ?> sm) put(m, "host " + id + " NET_RX", sm.get("NET_RX"));
    }
    double drops = 0;
    for (Map<String, Object> d : (List<Map<String, Object>>) results.getOrDefault("drops", List.of())) {
      if (d.get("packets") instanceof Number n) drops += n.doubleValue();
    }
    m.put("drops", drops);
    Object c = results.get("conservation");
    if (c instanceof Map<?, ?> cm) m.put("conservation_balanced", Boolean.TRUE.equals(cm.get("balanced")) ? 1.0 : 0.0);
    return m;
  }

  private static void put(Map<String, Double> m, String k, Object v) {
    if (v instanceof Number n) m.put(k, n.doubleValue());
  }

  /** B/A for each metric of each arm against the first arm; null when undefined. */
  public static Double ratio(Double a, Double b) {
    if (a == null || b == null) return null;
    if (a == 0) return b == 0 ? 1.0 : null;
    return b / a;
  }

  /**
   * The ratio table: one row per metric (union over arms, first arm's order first), one value
   * column per arm, then one "arm/first" ratio column per other arm. Plain text, aligned, ends with
   * a newline.
   */
  public static String table(List<String> labels, List<Map<String, Object>> results) {
    if (labels.size() != results.size() || labels.isEmpty()) throw new IllegalArgumentException("one label per result");
    List<LinkedHashMap<String, Double>> ms = new ArrayList<>();
    LinkedHashSet<String> rows = new LinkedHashSet<>();
    for (Map<String, Object> r : results) {
      LinkedHashMap<String, Double> m = metrics(r);
      ms.add(m);
      rows.addAll(m.keySet());
    }
    List<String> head = new ArrayList<>();
    head.add("metric");
    head.addAll(labels);
    for (int i = 1; i < labels.size(); i++) head.add(labels.get(i) + "/" + labels.get(0));
    List<List<String>> cells = new ArrayList<>();
    cells.add(head);
    for (String row : rows) {
      List<String> line = new ArrayList<>();
      line.add(row);
      for (LinkedHashMap<String, Double> m : ms) line.add(fmt(m.get(row)));
      for (int i = 1; i < ms.size(); i++) {
        Double r = ratio(ms.get(0).get(row), ms.get(i).get(row));
        line.add(r == null ? "-" : String.format(Locale.ROOT, "%.3f", r));
      }
      cells.add(line);
    }
    int[] w = new int[head.size()];
    for (List<String> l : cells) for (int i = 0; i < l.size(); i++) w[i] = Math.max(w[i], l.get(i).length());
    StringBuilder sb = new StringBuilder();
    for (List<String> l : cells) {
      for (int i = 0; i < l.size(); i++) {
        String v = l.get(i);
        if (i == 0) sb.append(v).append(" ".repeat(w[i] - v.length()));
        else sb.append("  ").append(" ".repeat(w[i] - v.length())).append(v);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String fmt(Double v) {
    if (v == null) return "-";
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.valueOf(v.longValue());
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
