package org.cnemu.experiments.ui;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cnemu.experiments.report.TextTable;
import org.cnemu.experiments.run.Plan;
import org.cnemu.experiments.run.PlanRunner;
import org.cnemu.experiments.run.Summaries;

/**
 * The end table of a plan with more than one run: per point, the model's headline metrics with their mean
 * and 95% interval over the repetitions (for a comparison the flows' latency p50 and p99 too:
 * {@link org.cnemu.experiments.report.Metrics#flowLatencies}), and for a comparison each arm's ratio to its baseline with the
 * ratio's interval (paired by seed). One row per point and metric, so it stays narrow however many
 * metrics the model has. The numbers are those of summary.json.
 */
public final class PlanTable {
  private PlanTable() {}

  /** "metric mean, ..." for a point's line while the plan runs (the first three headline metrics). */
  public static String headline(PlanRunner.PointOutcome p) {
    Map<String, Object> stats = Summaries.pointStats(p);
    List<String> parts = new ArrayList<>();
    for (String k : names(List.of(p))) {
      if (parts.size() == 3) break;
      if (stats.get(k) instanceof Map<?, ?> s) parts.add(k + " " + num(s.get("mean")));
    }
    return parts.isEmpty() ? "ok" : String.join(", ", parts);
  }

  public static String render(PlanRunner.GroupOutcome g) {
    List<PlanRunner.PointOutcome> points = g.points();
    boolean sweep = g.group().kind() == Plan.Kind.SWEEP;
    boolean compare = g.group().compared() != null;
    List<Map<String, Object>> allStats = points.stream().map(Summaries::pointStats).toList();
    List<String> names = names(points);
    if (compare) {
      // a latency study compares a flow's latency, which no model calls a headline: the flows' p50/p99 too
      LinkedHashSet<String> all = new LinkedHashSet<>();
      for (Map<String, Object> st : allStats) all.addAll(st.keySet());
      for (String k : org.cnemu.experiments.report.Metrics.flowLatencies(all)) if (!names.contains(k)) names.add(k);
    }
    // a samples column when a percentile shown has its count (the count is what says whether it resolves)
    boolean samples = allStats.stream().anyMatch(st -> names.stream()
        .anyMatch(k -> st.get(k) instanceof Map<?, ?> s && s.get("samples") != null));
    List<String> header = new ArrayList<>();
    if (sweep) header.addAll(List.of("point", "values"));
    header.addAll(List.of("metric", "unit", "mean", "95% CI", "n"));
    if (samples) header.add("samples");
    if (compare) header.addAll(List.of("vs baseline", "95% CI"));
    SummaryTable.Table t = new SummaryTable.Table(header);
    int fewest = Integer.MAX_VALUE; // the fewest runs behind an interval shown
    boolean unresolved = false;
    for (int pi = 0; pi < points.size(); pi++) {
      PlanRunner.PointOutcome p = points.get(pi);
      Map<String, Object> stats = allStats.get(pi);
      Map<String, String> units = Summaries.units(p);
      int base = p.point().baseline();
      Map<String, Object> ratios = compare && base != p.point().index()
          ? Summaries.pointRatios(points.get(base), p) : Map.of();
      boolean first = true;
      for (String k : names) {
        if (!(stats.get(k) instanceof Map<?, ?> s)) continue;
        List<String> row = new ArrayList<>();
        if (sweep) {
          row.add(first ? p.point().dir() : "");
          row.add(first ? values(p.point().values()) : "");
        }
        row.add(k);
        row.add(units.getOrDefault(k, ""));
        // a percentile its samples cannot resolve: "-", with the note under the table (summary.json: null)
        boolean resolves = !s.containsKey("samples_to_resolve");
        unresolved |= !resolves;
        row.add(resolves ? num(s.get("mean")) : "-");
        // one run has no interval (summary.json gives the value as both ends): show none rather than a zero width
        boolean oneRun = s.get("n") instanceof Number c && c.intValue() < 2;
        row.add(oneRun || !resolves ? "-" : "[" + num(s.get("ci95_low")) + ", " + num(s.get("ci95_high")) + "]");
        if (!oneRun && resolves && s.get("n") instanceof Number c) fewest = Math.min(fewest, c.intValue());
        row.add(String.valueOf(s.get("n")));
        if (samples) row.add(s.get("samples") instanceof Number c ? String.format(Locale.ROOT, "%,d", c.longValue()) : "");
        if (compare) {
          if (base == p.point().index()) {
            row.add("baseline");
            row.add("");
          } else if (ratios.get(k) instanceof Map<?, ?> r && !(r.get("ratio") instanceof Number)) {
            unresolved = true;
            row.add("-");
            row.add("");
          } else if (ratios.get(k) instanceof Map<?, ?> r) {
            row.add(String.format(Locale.ROOT, "%.3f", ((Number) r.get("ratio")).doubleValue()));
            row.add(r.get("n") instanceof Number rn && rn.intValue() < 2 ? "-" : String.format(Locale.ROOT, "[%.3f, %.3f]", ((Number) r.get("ci95_low")).doubleValue(),
                ((Number) r.get("ci95_high")).doubleValue()));
          } else {
            row.add("-");
            row.add("");
          }
        }
        t.row(row);
        first = false;
      }
      if (first) {
        List<String> row = new ArrayList<>();
        if (sweep) {
          row.add(p.point().dir());
          row.add(values(p.point().values()));
        }
        row.add("FAILED");
        while (row.size() < header.size()) row.add("");
        t.row(row);
      }
    }
    StringWriter sw = new StringWriter();
    PrintWriter pw = new PrintWriter(sw);
    t.print(pw);
    String legend = RunDigest.latencyLegend(names);
    if (legend != null) pw.println(legend);
    if (unresolved) pw.println(SummaryTable.UNRESOLVED_NOTE);
    String note = org.cnemu.experiments.run.Stats.fewRunsNote(fewest);
    if (note != null) pw.println(note);
    pw.flush();
    return sw.toString();
  }

  /** Headline metrics over all points (the engine's event count when the model names none). */
  private static List<String> names(List<PlanRunner.PointOutcome> points) {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (PlanRunner.PointOutcome p : points) names.addAll(Summaries.headlines(p));
    if (names.isEmpty()) names.add("engine.events");
    return new ArrayList<>(names);
  }

  private static String values(Map<String, Object> values) {
    List<String> parts = new ArrayList<>();
    values.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(", ", parts);
  }

  static String num(Object o) {
    return TextTable.num(o);
  }
}
