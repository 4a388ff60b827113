package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code journeys} section of results.json: per flow with sampled packets, their end-to-end latency
 * and, per stage in path order, how many of them passed it, where it ran, the queueing before it and the
 * service in it (p50, p99, exact sums and means, ns) and its share of the end-to-end latency. The stages'
 * sums add up to the end-to-end sum exactly.
 */
final class JourneyResults {
  private JourneyResults() {}

  static Map<String, Object> section(Spec spec, Collection<HostResults.HostReport> hosts) {
    TreeMap<Integer, JourneyRecorder.FlowJourneys> byFlow = new TreeMap<>();
    long overlaps = 0;
    for (HostResults.HostReport h : hosts) {
      for (JourneyRecorder.FlowJourneys f : h.journeys()) byFlow.put(f.flow(), f);
      if (h.journeys().length > 0) overlaps += h.journeys()[0].overlaps(); // the host's count, in each of its flows
    }
    List<Object> flows = new ArrayList<>();
    for (JourneyRecorder.FlowJourneys f : byFlow.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("flow", spec.flows.get(f.flow()).id());
      m.put("packets", f.packets());
      m.put("e2e_p50_ns", f.e2eP50());
      m.put("e2e_p99_ns", f.e2eP99());
      m.put("e2e_mean_ns", f.e2eSum() / Math.max(1, f.packets()));
      m.put("e2e_sum_ns", f.e2eSum());
      List<Object> stages = new ArrayList<>();
      long[] r = f.rows();
      for (int i = 0; i < r.length / JourneyRecorder.ROW; i++) {
        int o = i * JourneyRecorder.ROW;
        long n = r[o + 1];
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("stage", Journeys.NAMES[(int) r[o]]);
        s.put("packets", n);
        s.put("where", f.cores()[i]);
        s.put("wait_p50_ns", r[o + 4]);
        s.put("wait_p99_ns", r[o + 5]);
        s.put("service_p50_ns", r[o + 6]);
        s.put("service_p99_ns", r[o + 7]);
        s.put("wait_mean_ns", r[o + 2] / Math.max(1, n));
        s.put("service_mean_ns", r[o + 3] / Math.max(1, n));
        s.put("wait_sum_ns", r[o + 2]);
        s.put("service_sum_ns", r[o + 3]);
        s.put("share", f.e2eSum() <= 0 ? 0.0 : Math.round((r[o + 2] + r[o + 3]) * 10000.0 / f.e2eSum()) / 10000.0);
        stages.add(s);
      }
      m.put("stages", stages);
      flows.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sample_every", spec.journeyEvery);
    out.put("first", spec.journeyFirst);
    out.put("stage_overlaps", overlaps);
    out.put("flows", flows);
    return out;
  }
}
