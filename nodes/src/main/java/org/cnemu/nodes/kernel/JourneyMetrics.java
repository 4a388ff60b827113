package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cnemu.emulator.model.ModelMetric;
import org.cnemu.emulator.model.ModelMetric.Better;

/**
 * The comparable figures of a run's {@code journeys} section, so that sweeps and A/B summaries compare
 * where the latency goes. Per flow with sampled packets: {@code flow[ID].journey_e2e_mean_us} and
 * {@code flow[ID].journey_e2e_p99_us} (send to the application's read), and the share of the end-to-end
 * latency of its {@link #TOP_STAGES} largest stages, {@code flow[ID].journey_share_STAGE_pct} (queueing +
 * service; ties in path order). A handful per flow: the full breakdown is in results.json and the report.
 */
final class JourneyMetrics {
  private JourneyMetrics() {}

  /** Stages per flow given a share metric: the largest ones say where the latency goes. */
  static final int TOP_STAGES = 3;

  private static final Pattern NAME = Pattern.compile("flow\\[(.*)\\]\\.journey_(e2e_mean|e2e_p99|share_(\\w+))_(us|pct)");

  static List<ModelMetric> of(Map<String, Object> results) {
    List<ModelMetric> out = new ArrayList<>();
    if (!(results.get("journeys") instanceof Map<?, ?> j) || !(j.get("flows") instanceof List<?> flows)) return out;
    for (Object o : flows) {
      if (!(o instanceof Map<?, ?> f) || !(f.get("flow") instanceof String id)) continue;
      if (!(f.get("packets") instanceof Number n) || n.longValue() <= 0) continue;
      String k = "flow[" + id + "].journey_";
      if (f.get("e2e_mean_ns") instanceof Number mean) {
        out.add(ModelMetric.of(k + "e2e_mean_us", mean.doubleValue() / 1000, "us", Better.LOWER));
      }
      if (f.get("e2e_p99_ns") instanceof Number p99) {
        // over the flow's sampled packets, one end-to-end latency each
        out.add(ModelMetric.of(k + "e2e_p99_us", p99.doubleValue() / 1000, "us", Better.LOWER)
            .percentile(0.99, n.longValue()));
      }
      List<Map<?, ?>> stages = new ArrayList<>();
      if (f.get("stages") instanceof List<?> l) {
        for (Object s : l) if (s instanceof Map<?, ?> m && m.get("share") instanceof Number) stages.add(m);
      }
      // a stable sort: equal shares keep path order
      stages.sort(Comparator.comparingDouble((Map<?, ?> s) -> -((Number) s.get("share")).doubleValue()));
      for (Map<?, ?> s : stages.subList(0, Math.min(TOP_STAGES, stages.size()))) {
        // a larger share is neither good nor bad in itself: the end-to-end latency says which arm is better
        out.add(ModelMetric.of(k + "share_" + s.get("stage") + "_pct", ((Number) s.get("share")).doubleValue() * 100,
            "%", Better.NEITHER));
      }
    }
    return out;
  }

  /** A journey metric's name in words (no unit); null for any other name. */
  static String words(String metric) {
    Matcher m = NAME.matcher(metric);
    if (!m.matches()) return null;
    String flow = m.group(1);
    return switch (m.group(2)) {
      case "e2e_mean" -> "mean end-to-end latency of flow " + flow + "'s sampled packets";
      case "e2e_p99" -> "p99 end-to-end latency of flow " + flow + "'s sampled packets";
      default -> "share of flow " + flow + "'s end-to-end latency in " + m.group(3).replace('_', ' ');
    };
  }
}
