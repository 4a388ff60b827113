package org.cnemu.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ratio table of two results folders ({@code bin/cnemu compare DIR_A DIR_B}).
 *
 * <p>A folder is read as a run when it holds {@code results.json} (a path to a results.json or
 * summary.json file works too), else as a sweep or a repeated point when it holds {@code summary.json}.
 * Runs are compared by {@link Metrics}; sweeps point by point (points matched by their swept values),
 * on the metric means. Rows: every metric of A in A's order, then those only B has, each with its unit as the
 * model that wrote the results gives it ({@link Metrics#described}; a summary's {@code metric_info}).
 */
public final class Compare {
  private Compare() {}

  /**
   * One metric: its unit (A's, else B's; "" when neither gives one), its value in A and B (null when absent there)
   * and B/A (null when undefined).
   */
  public record Row(String metric, String unit, Double a, Double b, Double ratio) {}

  /**
   * A folder's figures: point label -> metric -> value (a run is one point labelled ""; null for a percentile its
   * samples cannot resolve), and metric -> unit.
   */
  private record Loaded(Map<String, Map<String, Double>> points, Map<String, String> units, boolean unresolved) {}

  /**
   * The comparison; {@code labelA}/{@code labelB} are the folders as given; {@code unresolved}: a percentile of A
   * or B had fewer samples than it needs and shows "-".
   */
  public record Table(String labelA, String labelB, List<Row> rows, boolean unresolved) {
    /** The row of a metric, or null. */
    public Row row(String metric) {
      for (Row r : rows) if (r.metric().equals(metric)) return r;
      return null;
    }
  }

  /**
   * Compares two results folders.
   *
   * @throws NoSuchFileException when a folder holds neither results.json nor summary.json
   * @throws IOException when a file cannot be read or is not JSON
   */
  public static Table compare(Path dirA, Path dirB) throws IOException {
    Loaded la = load(dirA);
    Loaded lb = load(dirB);
    Map<String, Map<String, Double>> a = la.points();
    Map<String, Map<String, Double>> b = lb.points();
    List<Row> rows = new ArrayList<>();
    boolean single = a.size() == 1 && b.size() == 1;
    Set<String> pointKeys = new LinkedHashSet<>(a.keySet());
    pointKeys.addAll(b.keySet());
    for (String point : pointKeys) {
      Map<String, Double> ma = single ? a.values().iterator().next() : a.getOrDefault(point, Map.of());
      Map<String, Double> mb = single ? b.values().iterator().next() : b.getOrDefault(point, Map.of());
      String prefix = single || point.isEmpty() ? "" : "[" + point + "] ";
      Set<String> names = new LinkedHashSet<>(ma.keySet());
      names.addAll(mb.keySet());
      for (String n : names) {
        Double va = ma.get(n);
        Double vb = mb.get(n);
        rows.add(new Row(prefix + n, la.units().getOrDefault(n, lb.units().getOrDefault(n, "")), va, vb, ratio(va, vb)));
      }
      if (single) break;
    }
    return new Table(dirA.toString(), dirB.toString(), List.copyOf(rows), la.unresolved() || lb.unresolved());
  }

  /** B/A; 1 when both are 0, infinite when only A is 0, null when either is missing. */
  static Double ratio(Double a, Double b) {
    if (a == null || b == null) return null;
    if (a == 0) return b == 0 ? 1.0 : (b > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY);
    return b / a;
  }

  /**
   * An aligned plain-text table: metric, unit, A, B, B/A; absent values as "-". A and B in the run and sweep
   * tables' number format ({@link TextTable#num}), the ratio to 3 decimals as theirs. Ends with a newline.
   */
  public static String format(Table t) {
    TextTable tt = new TextTable("metric", "unit", "A", "B", "B/A").align(1, TextTable.Align.LEFT);
    for (Row r : t.rows()) {
      tt.row(r.metric(), r.unit(), TextTable.num(r.a()), TextTable.num(r.b()), r.ratio() == null ? "-" : ratioText(r.ratio()));
    }
    return "A: " + t.labelA() + "\nB: " + t.labelB() + "\n\n" + tt.render() + (t.unresolved() ? Metrics.UNRESOLVED_NOTE + "\n" : "");
  }


  private static String ratioText(double r) {
    if (Double.isInfinite(r)) return r > 0 ? "inf" : "-inf";
    return String.format(java.util.Locale.ROOT, "%.3f", r);
  }

  /** Point label -> metrics, with their units; a run is one point labelled "". */
  private static Loaded load(Path p) throws IOException {
    Path results;
    Path summary;
    if (Files.isRegularFile(p)) {
      boolean isSummary = p.getFileName().toString().equals(Reports.SUMMARY_FILE);
      results = isSummary ? null : p;
      summary = isSummary ? p : null;
    } else {
      results = p.resolve(Reports.RESULTS_FILE);
      summary = p.resolve(Reports.SUMMARY_FILE);
    }
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    Map<String, String> units = new LinkedHashMap<>();
    if (results != null && Files.isRegularFile(results)) {
      Map<String, Double> m = new LinkedHashMap<>();
      boolean unresolved = false;
      for (org.cnemu.emulator.model.ModelMetric x : Metrics.described(Json.read(results))) {
        // as the run's table shows it: the p999 of 150 samples is their largest, not a p999, and a ratio of two
        // such maxima is no ratio of percentiles (summary.json already gives such a mean as null)
        m.put(x.name(), x.resolved() ? x.value() : null);
        unresolved |= !x.resolved();
        units.put(x.name(), x.unit());
      }
      out.put("", m);
      return new Loaded(out, units, unresolved);
    }
    if (summary != null && Files.isRegularFile(summary)) {
      SweepData d = SweepData.of(Json.read(summary));
      for (SweepData.Point pt : d.points()) {
        Map<String, Double> m = new LinkedHashMap<>();
        pt.metrics().forEach((k, st) -> {
          if (st.meanValue() != null) m.put(k, st.meanValue());
        });
        String label = pt.values().isEmpty() ? pt.dir() : d.label(pt);
        out.merge(d.points().size() == 1 ? "" : label, m, (x, y) -> x);
      }
      d.info().forEach((k, i) -> units.put(k, i.unit()));
      boolean unresolved = d.points().stream().anyMatch(pt -> pt.metrics().values().stream()
          .anyMatch(st -> st.meanValue() == null));
      return new Loaded(out, units, unresolved);
    }
    throw new NoSuchFileException(p.toString(), null, "neither " + Reports.RESULTS_FILE + " nor " + Reports.SUMMARY_FILE + " here");
  }
}
