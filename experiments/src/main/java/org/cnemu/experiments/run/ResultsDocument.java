package org.cnemu.experiments.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.SimulationResult;

/**
 * Builds results.json in the field order of the results schema (docs/results-schema.md): identity,
 * config, engine, the packet sections, conservation, the model's own sections, and wall last.
 */
public final class ResultsDocument {
  /** Sections every results.json has (empty lists when the model has no packets). */
  public static final List<String> PACKET_SECTIONS = List.of("flows", "cores", "hosts", "drops");

  private ResultsDocument() {}

  public static Map<String, Object> complete(RunSpec spec, Map<String, Object> config, SimulationResult r,
      Map<String, Object> sections, Wall wall) {
    Map<String, Object> doc = head(spec, true);
    doc.put("config", config);
    Map<String, Object> engine = new LinkedHashMap<>();
    engine.put("events", r.events());
    engine.put("windows", r.windows());
    engine.put("messages", r.batches());
    engine.put("partitions", r.partitions());
    engine.put("pending_events", r.pendingEvents());
    engine.put("pending_packets", r.pendingPackets());
    engine.put("partition_wakeups", r.partitionWakeups());
    doc.put("engine", engine);
    for (String s : PACKET_SECTIONS) doc.put(s, sections.getOrDefault(s, List.of()));
    if (sections.containsKey("conservation")) doc.put("conservation", sections.get("conservation"));
    for (Map.Entry<String, Object> e : sections.entrySet()) {
      if (!doc.containsKey(e.getKey()) && !"wall".equals(e.getKey())) doc.put(e.getKey(), e.getValue());
    }
    doc.put("wall", wall.toMap());
    return doc;
  }

  /** A run that stopped early: says so at the top, with the reason; no statistics that could mislead. */
  public static Map<String, Object> failed(RunSpec spec, Map<String, Object> config, String error, Wall wall) {
    Map<String, Object> doc = head(spec, false);
    doc.put("error", error);
    doc.put("config", config);
    doc.put("wall", wall.toMap());
    return doc;
  }

  private static Map<String, Object> head(RunSpec spec, boolean complete) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("experiment", spec.experiment());
    doc.put("seed", spec.seed());
    doc.put("run", spec.run());
    doc.put("virtual_end_ns", spec.endNanos());
    doc.put("complete", complete);
    return doc;
  }

  /** Which run of which experiment. */
  public record RunSpec(String experiment, int run, long seed, long endNanos) {}
}
