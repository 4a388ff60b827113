package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The paper suite's one report: {@code report.html} next to {@code suite.json} (written by
 * {@code run.Suite}). Self-contained (inline CSS, no scripts, no external references): measured figures
 * beside the published ones with their band and source, policy comparisons against vanilla, every
 * experiment with its status and a relative link to its own report.html.
 */
public final class SuiteReport {

  private SuiteReport() {}

  /** Reads {@code dir/suite.json}, writes {@code dir/report.html}, returns its path. */
  public static Path write(Path dir) throws IOException {
    JsonNode s = Json.read(dir.resolve("suite.json"));
    Path out = dir.resolve(Reports.REPORT_FILE);
    Files.writeString(out, html(dir, s), StandardCharsets.UTF_8);
    return out;
  }

  static String html(Path dir, JsonNode s) {
    String title = Json.text(s.get("title"));
    Html h = new Html().open(title.isEmpty() ? "cnemu suite" : title);
    h.h(1, title.isEmpty() ? "cnemu suite" : title);

    List<JsonNode> figures = Json.rows(s.get("figures"));
    List<JsonNode> experiments = Json.rows(s.get("experiments"));
    long inBand = figures.stream().filter(f -> "in band".equals(Json.text(f.get("status")))).count();
    long outBand = figures.stream().filter(f -> "out of band".equals(Json.text(f.get("status")))).count();
    long missing = figures.stream().filter(f -> "missing".equals(Json.text(f.get("status")))).count();
    long info = figures.stream().filter(f -> "info".equals(Json.text(f.get("status")))).count();
    long bad = experiments.stream().filter(e -> !"ok".equals(Json.text(e.get("status")))
        && !"skipped".equals(Json.text(e.get("status")))).count();
    if (bad > 0) h.div("banner bad", bad + " of " + experiments.size() + " experiments did not run to the end (see below).");
    if (outBand + missing > 0) {
      h.div("banner bad", outBand + " figures out of their band, " + missing + " not measured.");
    } else if (!figures.isEmpty()) {
      h.div("banner ok", "Every figure with a band is in it (" + inBand + ").");
    }

    h.h(2, "Summary");
    List<List<String>> sum = new ArrayList<>();
    sum.add(List.of("suite", Json.text(s.get("suite"))));
    sum.add(List.of("experiment files", Integer.toString(experiments.size())));
    sum.add(List.of("figures in band / out of band / not measured / information only",
        inBand + " / " + outBand + " / " + missing + " / " + info));
    JsonNode wall = s.path("wall");
    sum.add(List.of("wall time", Json.text(wall.get("seconds")) + " s (" + Json.text(wall.get("jobs")) + " at once, "
        + Json.text(wall.get("processors")) + " processors)"));
    sum.add(List.of("published figures", "docs/published-figures.md (see each source); bands H1..H8 and k5-100g of docs/calibration.md"));
    h.keyValues(sum);

    h.h(2, "Measured vs published");
    if (figures.isEmpty()) {
      h.p("muted", "No published figures configured.");
    } else {
      List<List<String>> rows = new ArrayList<>();
      List<String> classes = new ArrayList<>();
      for (JsonNode f : figures) {
        String status = Json.text(f.get("status"));
        JsonNode band = f.get("band");
        String bandText = band != null && band.isArray() && band.size() == 2
            ? Json.fmt(Json.num(band.get(0)), 3) + " – " + Json.fmt(Json.num(band.get(1)), 3) : "-";
        String measured = f.get("measured") == null || f.get("measured").isNull() ? "-"
            : Json.fmt(Json.num(f.get("measured")), 3);
        String dev = f.has("deviation_pct") ? String.format(java.util.Locale.ROOT, "%+.1f%%", f.get("deviation_pct").asDouble()) : "-";
        String note = "missing".equals(status) ? Json.text(f.get("missing")) : Json.text(f.get("measured_as"));
        rows.add(List.of(Json.text(f.get("id")), Json.text(f.get("title")), Json.text(f.get("profile")),
            Json.fmt(Json.num(f.get("published")), 3), bandText, measured, Json.text(f.get("unit")), dev, status,
            Json.text(f.get("source")), note));
        classes.add("out of band".equals(status) || "missing".equals(status) ? "hot" : null);
      }
      h.table(List.of("id", "figure", "profile", "published", "band", "measured", "unit", "vs published", "status",
          "source", "measured as"), rows,
          new boolean[] {true, true, true, false, false, false, true, false, true, true, true}, classes);
      h.p("muted", "Status: 'in band' / 'out of band' against the calibration band; 'info' = an absolute value shown "
          + "beside the published one without a band (the model is calibrated on ratios); 'missing' = an input "
          + "experiment did not run or lacks the metric.");
    }

    h.h(2, "Policy comparisons (each arm of a compare { } block against its baseline arm, same workload and seeds)");
    List<JsonNode> checks = Json.rows(s.get("policies"));
    List<JsonNode> sweeps = experiments.stream().filter(e -> !Json.text(e.get("compared")).isEmpty()).toList();
    if (checks.isEmpty() && sweeps.isEmpty()) {
      h.p("muted", "No policy comparison found (experiment files under experiments/policies/ are found when the suite runs).");
    }
    if (!checks.isEmpty()) {
      List<List<String>> rows = new ArrayList<>();
      List<String> classes = new ArrayList<>();
      for (JsonNode c : checks) {
        JsonNode holds = c.get("holds");
        String verdict = holds == null || holds.isNull() ? "-" : holds.asBoolean() ? "yes" : "NO";
        JsonNode ci = c.get("ratio_ci95");
        String ratio = c.get("ratio") == null || c.get("ratio").isNull() ? "-" : Json.fmt(Json.num(c.get("ratio")), 3)
            + (ci != null && ci.size() == 2 ? " [" + Json.fmt(ci.get(0).asDouble(), 3) + ", " + Json.fmt(ci.get(1).asDouble(), 3) + "]" : "");
        List<String> others = new ArrayList<>();
        c.path("ratios").fields().forEachRemaining(x -> others.add(x.getKey() + " " + Json.fmt(x.getValue().asDouble(), 3)));
        rows.add(List.of(Json.text(c.get("file")), Json.text(c.get("policy")) + " / " + Json.text(c.get("baseline_policy")),
            values(c.get("values")), Json.text(c.get("metric")), Json.fmt(Json.num(c.get("baseline")), 3),
            Json.fmt(Json.num(c.get("policy_value")), 3), ratio, Json.text(c.get("expect")), verdict,
            String.join(", ", others), Json.text(c.get("source"))));
        classes.add("NO".equals(verdict) ? "hot" : null);
      }
      h.table(List.of("file", "arm / baseline", "point", "metric", "baseline", "arm", "ratio [95% CI]", "expected",
          "holds", "ratios of the headline metrics", "source"), rows,
          new boolean[] {true, true, true, true, false, false, false, true, true, true, true}, classes);
    }
    for (JsonNode e : sweeps) pointsTable(h, e);

    h.h(2, "Experiments");
    List<List<String>> rows = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    StringBuilder links = new StringBuilder("<div class=\"wide\">\n<table>\n<thead><tr><th class=\"l\">file</th><th class=\"l\">experiment</th>"
        + "<th class=\"l\">kind</th><th class=\"l\">status</th><th>points</th><th class=\"l\">first headline metric (first point)</th>"
        + "<th>wall s</th><th class=\"l\">report</th></tr></thead>\n<tbody>\n");
    for (JsonNode e : experiments) {
      String status = Json.text(e.get("status"));
      boolean ok = "ok".equals(status) || "skipped".equals(status);
      links.append(ok ? "<tr>" : "<tr class=\"hot\">");
      links.append("<td class=\"l\">").append(Html.esc(Json.text(e.get("file")))).append("</td>");
      links.append("<td class=\"l\">").append(Html.esc(Json.text(e.get("experiment")))).append("</td>");
      links.append("<td class=\"l\">").append(Html.esc(Json.text(e.get("kind")))).append("</td>");
      String detail = status;
      if (e.has("error")) detail += ": " + Json.text(e.get("error"));
      if (e.has("problems")) {
        List<String> ps = new ArrayList<>();
        for (JsonNode p : e.get("problems")) ps.add(p.asText());
        detail += ": " + String.join("; ", ps);
      }
      links.append("<td class=\"l\" style=\"white-space:normal\">").append(Html.esc(detail)).append("</td>");
      List<JsonNode> pts = Json.rows(e.get("points"));
      links.append("<td>").append(pts.size()).append("</td>");
      String first = e.path("headline").size() > 0 ? e.path("headline").get(0).asText() : "";
      Double g = pts.isEmpty() || first.isEmpty() ? null : Json.num(pts.get(0).path("metrics").get(first));
      links.append("<td class=\"l\">").append(g == null ? "-" : Html.esc(first + " " + Json.fmt(g, 3))).append("</td>");
      links.append("<td>").append(Html.esc(Json.text(s.path("wall").path("experiments").get(Json.text(e.get("file"))))))
          .append("</td>");
      String report = Json.text(e.get("dir")) + "/" + Reports.REPORT_FILE;
      links.append("<td class=\"l\">");
      if (Files.isRegularFile(dir.resolve(report))) {
        links.append("<a href=\"").append(Html.esc(report)).append("\">").append(Html.esc(report)).append("</a>");
      } else {
        links.append("-");
      }
      links.append("</td></tr>\n");
    }
    h.raw(links.append("</tbody>\n</table>\n</div>\n").toString());
    if (rows.isEmpty() && classes.isEmpty() && experiments.isEmpty()) h.p("muted", "No experiment files matched.");

    h.h(2, "Files");
    h.raw("<p><a href=\"suite.json\">suite.json</a> (every measured figure, machine-readable)</p>\n");
    return h.close();
  }

  private static void pointsTable(Html h, JsonNode e) {
    List<JsonNode> pts = Json.rows(e.get("points"));
    if (pts.isEmpty()) return;
    h.h(3, Json.text(e.get("experiment")) + " (" + Json.text(e.get("file")) + ")");
    Set<String> keys = new LinkedHashSet<>();
    for (JsonNode p : pts) p.path("values").fieldNames().forEachRemaining(keys::add);
    // the model's headline metrics, in its order
    Set<String> metrics = new LinkedHashSet<>();
    for (JsonNode m : e.path("headline")) metrics.add(m.asText());
    List<String> header = new ArrayList<>(List.of("point"));
    header.addAll(keys);
    header.addAll(metrics);
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode p : pts) {
      List<String> row = new ArrayList<>(List.of(Json.text(p.get("dir"))));
      for (String k : keys) row.add(Json.text(p.path("values").get(k)));
      for (String m : metrics) row.add(Json.fmt(Json.num(p.path("metrics").get(m)), 3));
      rows.add(row);
    }
    h.table(header, rows, new boolean[] {true}, null);
  }

  private static String values(JsonNode values) {
    List<String> parts = new ArrayList<>();
    if (values != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> v = it.next();
        parts.add(v.getKey() + "=" + Json.text(v.getValue()));
      }
    }
    return String.join(", ", parts);
  }
}
