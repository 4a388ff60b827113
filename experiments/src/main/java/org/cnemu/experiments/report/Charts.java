package org.cnemu.experiments.report;

import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The XChart plots of a report, each saved as PNG and SVG. */
final class Charts {
  static {
    // Reports are written by servers and tests: never try to open a display.
    if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
  }

  /** Colours by mpstat category, as in the usual stacked-utilization figures. */
  static final Map<String, Color> CATEGORY_COLORS = Map.of(
      "usr", new Color(0x4C72B0), "sys", new Color(0xDD8452), "irq", new Color(0xC44E52),
      "soft", new Color(0x8172B3), "idle", new Color(0xDDDDDD));
  static final List<String> CATEGORIES = List.of("usr", "sys", "irq", "soft", "idle");
  static final Color[] PALETTE = {new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C), new Color(0xD62728),
      new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F), new Color(0xBCBD22),
      new Color(0x17BECF)};

  /** A plot written to disk; {@code png} is kept to embed it in report.html. */
  record Plot(String base, String title, byte[] png) {}

  private Charts() {}

  /**
   * {@code -Dcnemu.report.profile=true}: one stderr line per chart with the writing thread's CPU time for the
   * PNG (drawing and encoding), the SVG, and its compaction and writing (docs/benchmarks.md, "Writing the report").
   */
  private static final boolean PROFILE = Boolean.getBoolean("cnemu.report.profile");
  private static final java.lang.management.ThreadMXBean THREADS =
      PROFILE ? java.lang.management.ManagementFactory.getThreadMXBean() : null;

  static Plot save(Path dir, String base, String title, Chart<?, ?> chart) throws IOException {
    long startNanos = PROFILE ? THREADS.getCurrentThreadCpuTime() : 0;
    byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    long pngNanos = PROFILE ? THREADS.getCurrentThreadCpuTime() : 0;
    Files.write(dir.resolve(base + ".png"), png);
    ByteArrayOutputStream svg = new ByteArrayOutputStream(256 * 1024);
    VectorGraphicsEncoder.saveVectorGraphic(chart, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    long svgNanos = PROFILE ? THREADS.getCurrentThreadCpuTime() : 0;
    // compacted as bytes: the SVG is UTF-8, whose multi-byte sequences never hold an ASCII digit or dot
    Files.write(dir.resolve(base + ".svg"), compactSvg(svg.toByteArray()));
    if (PROFILE) {
      long endNanos = THREADS.getCurrentThreadCpuTime();
      System.err.printf(java.util.Locale.ROOT, "chart-cpu %s/%s png=%d svg=%d compact+write=%d us%n", dir.getFileName(), base,
          (pngNanos - startNanos) / 1000, (svgNanos - pngNanos) / 1000, (endNanos - svgNanos) / 1000);
    }
    return new Plot(base, title, png);
  }

  /**
   * XChart draws every letter as an outline path with six-decimal coordinates: a tenth of a pixel is plenty (about
   * 40 % smaller; the bulk of a chart's SVG is its text, so charts keep labels few). Every run of a digit, a dot and
   * two or more digits keeps its first three characters (the regex {@code (\d\.\d)\d+ -> $1}, leftmost and
   * non-overlapping), done on the UTF-8 bytes in one pass, whose multi-byte sequences never hold an ASCII digit or
   * dot: no decoding, matcher copies or encoding (docs/benchmarks.md "Writing the report").
   */
  static byte[] compactSvg(byte[] svg) {
    byte[] out = svg.clone();
    int n = svg.length;
    int w = 0;
    int i = 0;
    while (i < n) {
      // a digit, a dot, two or more digits: keep the first three, drop the rest of the run
      if (i + 3 < n && isDigit(svg[i]) && svg[i + 1] == '.' && isDigit(svg[i + 2]) && isDigit(svg[i + 3])) {
        out[w++] = svg[i];
        out[w++] = '.';
        out[w++] = svg[i + 2];
        i += 4;
        while (i < n && isDigit(svg[i])) i++;
      } else {
        out[w++] = svg[i++];
      }
    }
    return java.util.Arrays.copyOf(out, w);
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /** One bar per host/core, stacked usr/sys/irq/soft/idle: a saturated core is a bar without grey. */
  static CategoryChart coreUtilization(List<String> labels, Map<String, List<Double>> byCategory) {
    // at most the page's width (1200 px): a wider PNG is shrunk in report.html and its text with it
    int width = Math.max(800, Math.min(1200, 220 + 16 * labels.size()));
    CategoryChart c = new CategoryChartBuilder().width(width).height(480).title("CPU time per core by mpstat category")
        .xAxisTitle("host/core").yAxisTitle("share of the core's time (%)").build();
    style(c.getStyler());
    c.getStyler().setStacked(true);
    c.getStyler().setOverlapped(false);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setYAxisMax(100.0);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    if (labels.size() > 12) c.getStyler().setXAxisLabelRotation(90);
    for (String cat : CATEGORIES) {
      CategorySeries s = c.addSeries(cat, labels, byCategory.get(cat));
      s.setFillColor(CATEGORY_COLORS.get(cat));
    }
    return c;
  }

  /**
   * CPU used per host in cores (the sum over its cores of each category's share), stacked by mpstat
   * category, idle left out: a topology too large for one bar per core.
   */
  static CategoryChart hostCpu(String title, List<String> hosts, Map<String, List<Double>> coresByCategory) {
    int width = Math.max(800, Math.min(1200, 220 + 34 * hosts.size()));
    CategoryChart c = new CategoryChartBuilder().width(width).height(480).title(title)
        .xAxisTitle("host").yAxisTitle("CPU used (cores)").build();
    style(c.getStyler());
    c.getStyler().setXAxisTickMarkSpacingHint(14); // a label under every bar
    c.getStyler().setStacked(true);
    c.getStyler().setOverlapped(false);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    if (hosts.size() > 12) c.getStyler().setXAxisLabelRotation(90);
    for (String cat : CATEGORIES) {
      if (cat.equals("idle")) continue;
      c.addSeries(cat, hosts, coresByCategory.get(cat)).setFillColor(CATEGORY_COLORS.get(cat));
    }
    return c;
  }

  /** Busy share (100 - idle, %) of each core of each host: rows are hosts, columns cores. */
  static HeatMapChart coreHeatmap(String title, List<String> hosts, int cores, double[][] busyPct) {
    HeatMapChart c = new HeatMapChartBuilder().width(Math.max(700, Math.min(1400, 260 + 34 * cores)))
        .height(Math.max(300, 140 + 20 * hosts.size())).title(title).xAxisTitle("core").yAxisTitle("host").build();
    c.getStyler().setBaseFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    c.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setChartTitleBoxVisible(false);
    c.getStyler().setPlotBorderColor(new Color(0x999999));
    c.getStyler().setMin(0);
    c.getStyler().setMax(100);
    c.getStyler().setRangeColors(new Color[] {new Color(0xF4F4F4), new Color(0xFDD49E), new Color(0xFC8D59),
        new Color(0xB30000)});
    c.getStyler().setShowValue(false);
    c.getStyler().setYAxisTickMarkSpacingHint(12); // every host's name on its row
    c.getStyler().setXAxisTickMarkSpacingHint(14);
    c.getStyler().setHeatMapDecimalValueFormatter(v -> Json.fmt(v, 0) + " %");
    List<Integer> xs = new ArrayList<>();
    for (int k = 0; k < cores; k++) xs.add(k);
    // XChart draws the first y category at the bottom: reverse, so the busiest host is the top row
    List<String> ys = new ArrayList<>(hosts);
    java.util.Collections.reverse(ys);
    List<Number[]> cells = new ArrayList<>();
    for (int h = 0; h < hosts.size(); h++) {
      for (int k = 0; k < cores; k++) {
        if (!Double.isNaN(busyPct[h][k])) cells.add(new Number[] {k, hosts.size() - 1 - h, busyPct[h][k]});
      }
    }
    c.addSeries("busy %", xs, ys, cells);
    return c;
  }

  /** Throughput of each flow over virtual time. */
  static XYChart throughputOverTime(String title, Map<String, double[][]> seriesByFlow) {
    XYChart c = new XYChartBuilder().width(900).height(480).title(title)
        .xAxisTitle("virtual time (ms)").yAxisTitle("throughput (Gbit/s)").build();
    style(c.getStyler());
    c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    int i = 0;
    for (Map.Entry<String, double[][]> e : seriesByFlow.entrySet()) {
      XYSeries s = c.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
      Color col = PALETTE[i++ % PALETTE.length];
      s.setLineColor(col);
      s.setMarkerColor(col);
      s.setMarker(e.getValue()[0].length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
    }
    return c;
  }

  /** Latency CDF per flow: fraction of transactions at or below each latency (log latency axis). */
  static XYChart latencyCdf(Map<String, double[][]> cdfByFlow) {
    XYChart c = new XYChartBuilder().width(900).height(480).title("Latency CDF per flow (virtual time)")
        .xAxisTitle("latency (log scale)").yAxisTitle("transactions at or below (%)").build();
    style(c.getStyler());
    c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
    c.getStyler().setXAxisLogarithmic(true);
    // a tick at every 1, 2 and 5 of each decade, labelled with its unit ("50 us", "2 ms")
    c.getStyler().setXAxisLogarithmicDecadeOnly(false);
    c.getStyler().setXAxisTickLabelsFormattingFunction(Charts::microsLogTick);
    c.getStyler().setYAxisTickLabelsFormattingFunction(v -> Json.fmt(v * 100, 0));
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setYAxisMax(1.0);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    int i = 0;
    for (Map.Entry<String, double[][]> e : cdfByFlow.entrySet()) {
      XYSeries s = c.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
      Color col = PALETTE[i++ % PALETTE.length];
      s.setLineColor(col);
      s.setMarkerColor(col);
      s.setMarker(SeriesMarkers.NONE);
    }
    return c;
  }

  /** A log-axis tick in microseconds: labelled only at 1, 2 and 5 of a decade, in us, ms or s. */
  static String microsLogTick(Double us) {
    if (us == null || !(us > 0)) return "";
    double decade = Math.pow(10, Math.floor(Math.log10(us) + 1e-9));
    double lead = us / decade;
    if (Math.abs(lead - Math.rint(lead)) > 1e-6 || !(Math.rint(lead) == 1 || Math.rint(lead) == 2 || Math.rint(lead) == 5)) {
      return "";
    }
    if (us >= 1e6) return Json.fmt(us / 1e6, 3) + " s";
    if (us >= 1e3) return Json.fmt(us / 1e3, 3) + " ms";
    return Json.fmt(us, 3) + " us";
  }

  /** Goodput of each flow, sorted from the lowest: one point per flow, for runs with too many flows for bars. */
  static XYChart throughputSorted(List<Double> gbps) {
    List<Double> sorted = new ArrayList<>(gbps);
    sorted.sort(null);
    double[] x = new double[sorted.size()];
    double[] y = new double[sorted.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
      y[i] = sorted.get(i);
    }
    XYChart c = new XYChartBuilder().width(900).height(480)
        .title("Throughput of each of the " + x.length + " flows, lowest first")
        .xAxisTitle("flows, sorted by throughput").yAxisTitle("throughput (Gbit/s)").build();
    style(c.getStyler());
    c.getStyler().setLegendVisible(false);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
    XYSeries s = c.addSeries("throughput", x, y);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(PALETTE[0]);
    return c;
  }

  /** Goodput of each flow as bars (when the results carry no time series). */
  static CategoryChart throughputBars(List<String> flows, List<Double> gbps) {
    int width = Math.max(700, Math.min(2400, 220 + 40 * flows.size()));
    CategoryChart c = new CategoryChartBuilder().width(width).height(480).title("Throughput (goodput) per flow")
        .xAxisTitle("flow").yAxisTitle("throughput (Gbit/s)").build();
    style(c.getStyler());
    c.getStyler().setLegendVisible(false);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setLabelsVisible(flows.size() <= 16);
    if (flows.size() > 12) c.getStyler().setXAxisLabelRotation(90);
    c.addSeries("throughput", flows, gbps).setFillColor(PALETTE[0]);
    return c;
  }

  /** Latency percentiles (p50, p90, ...) per flow, grouped by percentile. */
  static CategoryChart latencyPercentiles(List<String> percentiles, Map<String, List<Double>> byFlow) {
    CategoryChart c = new CategoryChartBuilder().width(900).height(480).title("Latency percentiles per flow (virtual time)")
        .xAxisTitle("percentile").yAxisTitle("latency (us)").build();
    style(c.getStyler());
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setLabelsVisible(byFlow.size() <= 4);
    int i = 0;
    for (Map.Entry<String, List<Double>> e : byFlow.entrySet()) {
      c.addSeries(e.getKey(), percentiles, e.getValue()).setFillColor(PALETTE[i++ % PALETTE.length]);
    }
    return c;
  }

  /** One line of a sweep plot: a group of points sharing the values of the other swept keys. */
  record SweepLine(String name, double[] x, double[] mean, double[] low, double[] high) {}

  /**
   * A metric against a numeric swept key: the mean as a line with markers, the 95% interval as a shaded
   * band in the line's colour (a polygon over the interval's bounds, not in the legend).
   */
  static XYChart sweep(String metric, String key, List<SweepLine> lines) {
    String label = Metrics.label(metric);
    String title = capitalize(Metrics.words(metric)) + " vs " + key;
    XYChart c = new XYChartBuilder().width(sweepWidth(title, lines)).height(460).title(title)
        .xAxisTitle(key).yAxisTitle(label + ": mean, 95% CI").build();
    style(c.getStyler());
    c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setLegendVisible(lines.size() > 1);
    int i = 0;
    List<String> used = new ArrayList<>();
    for (SweepLine l : lines) {
      Color col = PALETTE[i++ % PALETTE.length];
      String name = unique(used, l.name().isEmpty() ? metric : l.name());
      int n = l.x().length;
      if (n > 1) { // the band first, so the line is drawn over it
        double[] bx = new double[2 * n];
        double[] by = new double[2 * n];
        for (int k = 0; k < n; k++) {
          bx[k] = l.x()[k];
          by[k] = l.high()[k];
          bx[2 * n - 1 - k] = l.x()[k];
          by[2 * n - 1 - k] = l.low()[k];
        }
        XYSeries b = c.addSeries(unique(used, name + " 95% CI"), bx, by);
        b.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        b.setFillColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 56));
        b.setLineColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 0));
        b.setMarker(SeriesMarkers.NONE);
        b.setShowInLegend(false);
      }
      XYSeries s = c.addSeries(name, l.x(), l.mean(), n > 1 ? null : halfWidths(l));
      s.setLineColor(col);
      s.setMarkerColor(col);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    c.getStyler().setErrorBarsColorSeriesColor(true);
    return c;
  }

  /**
   * A metric against a categorical swept key (e.g. the steering policy; {@code x} of each line = index
   * into {@code categories}): grouped bars of the means, one colour per line, the 95% interval as
   * whiskers; a bar is missing where its group lacks a category.
   */
  static CategoryChart sweepCategorical(String metric, String key, List<SweepLine> lines, List<String> categories) {
    String label = Metrics.label(metric);
    String title = capitalize(Metrics.words(metric)) + " vs " + key;
    CategoryChart c = new CategoryChartBuilder().width(sweepWidth(title, lines)).height(460).title(title)
        .xAxisTitle(key).yAxisTitle(label + ": mean, 95% CI").build();
    style(c.getStyler());
    c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Bar);
    c.getStyler().setOverlapped(false);
    c.getStyler().setErrorBarsColorSeriesColor(true);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setLegendVisible(lines.size() > 1);
    if (categories.size() > 8) c.getStyler().setXAxisLabelRotation(45);
    int i = 0;
    List<String> used = new ArrayList<>();
    for (SweepLine l : lines) {
      Color col = PALETTE[i++ % PALETTE.length];
      List<Double> y = new ArrayList<>();
      List<Double> err = new ArrayList<>();
      for (int k = 0; k < categories.size(); k++) {
        y.add(null);
        err.add(null);
      }
      double[] half = halfWidths(l);
      for (int k = 0; k < l.x().length; k++) {
        y.set((int) l.x()[k], l.mean()[k]);
        err.set((int) l.x()[k], half[k]);
      }
      CategorySeries s = c.addSeries(unique(used, l.name().isEmpty() ? metric : l.name()), categories, y, err);
      s.setLineColor(col);
      s.setMarkerColor(col);
      s.setFillColor(col);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    double top = 0;
    boolean negative = false;
    for (SweepLine l : lines) {
      for (int k = 0; k < l.mean().length; k++) {
        top = Math.max(top, Math.max(l.mean()[k], l.high()[k]));
        negative |= l.mean()[k] < 0 || l.low()[k] < 0;
      }
    }
    if (!negative) valueAxis(c.getStyler(), top);
    return c;
  }

  /**
   * A bar chart's value axis from 0 to a round figure just above its tallest bar or whisker, in plain digits:
   * bars of one height (every arm at 100,000 transactions/s) gave XChart's axis two ticks, 0 and "1E5".
   */
  static void valueAxis(org.knowm.xchart.style.AxesChartStyler s, double tallest) {
    if (!(tallest > 0) || Double.isInfinite(tallest)) return;
    double step = Math.pow(10, Math.floor(Math.log10(tallest)) - 1); // a tenth of the figure's magnitude
    s.setYAxisMin(0.0);
    s.setYAxisMax(Math.ceil(tallest * 1.05 / step) * step);
    if (tallest >= 1000) s.setYAxisDecimalPattern("#,##0");
  }

  /** Room beside the plot for the y axis, its title and tick labels, and around the legend (px, measured on charts). */
  private static final int SWEEP_AXIS_PX = 90;
  private static final int SWEEP_LEGEND_PAD_PX = 50;
  private static final int SWEEP_MIN_PLOT_PX = 420;

  /**
   * A sweep chart's width: 800 px unless its legend (outside, on the right) and its title need more, at most the
   * report page's 1200 px. XChart centres the title over the plot area, which a legend of long labels (two or three
   * swept keys: "workloads.0.message-size=16KB, steering=prism-batch") narrows below the title's width: the title's
   * first letters were cut off ("ceivers busy cores per Gbit/s vs ...").
   */
  static int sweepWidth(String title, List<SweepLine> lines) {
    java.awt.font.FontRenderContext frc = new java.awt.font.FontRenderContext(null, true, true);
    Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    double legend = 0;
    if (lines.size() > 1) {
      for (SweepLine l : lines) legend = Math.max(legend, base.getStringBounds(l.name(), frc).getWidth());
      legend += SWEEP_LEGEND_PAD_PX;
    }
    double titlePx = base.deriveFont(Font.BOLD, 15f).getStringBounds(title, frc).getWidth();
    double plot = Math.max(SWEEP_MIN_PLOT_PX, titlePx + 20);
    return (int) Math.max(800, Math.min(1200, Math.ceil(SWEEP_AXIS_PX + plot + legend)));
  }

  private static double[] halfWidths(SweepLine l) {
    double[] err = new double[l.mean().length];
    for (int k = 0; k < err.length; k++) err[k] = Math.max(0, (l.high()[k] - l.low()[k]) / 2);
    return err;
  }

  static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  static String unique(List<String> used, String name) {
    String n = name;
    for (int k = 2; used.contains(n); k++) n = name + " #" + k;
    used.add(n);
    return n;
  }

  static void style(AxesChartStyler s) {
    Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    s.setBaseFont(base);
    s.setChartTitleFont(base.deriveFont(Font.BOLD, 15f));
    s.setAxisTitleFont(base.deriveFont(13f));
    s.setAxisTickLabelsFont(base.deriveFont(11f));
    s.setLegendFont(base.deriveFont(12f));
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotGridLinesColor(new Color(0xE5E5E5));
    s.setLegendBorderColor(new Color(0xCCCCCC));
    s.setChartTitleBoxVisible(false);
    s.setPlotBorderColor(new Color(0x999999));
    s.setSeriesColors(PALETTE);
    s.setLocale(java.util.Locale.ROOT);
    s.setAntiAlias(true);
    s.setTextAntiAlias(true);
  }
}
