package org.cnemu.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * A sweep chart's title is never cut off: XChart centres it over the plot area, which a legend of long labels
 * (three swept keys) made narrower than the title. Measured on the drawn PNG, as a reader sees it.
 */
class SweepChartWidthTest {
  private static List<Charts.SweepLine> lines(int count, double... x) {
    List<Charts.SweepLine> lines = new ArrayList<>();
    String[] sizes = {"1KB", "4KB", "8KB", "16KB", "64KB"};
    for (int i = 0; i < count; i++) {
      double[] mean = {0.7 - 0.01 * i, 0.4, 0.2, 0.1};
      double[] low = {0.3, 0.3, 0.1, 0.09};
      double[] high = {1.1, 0.5, 0.3, 0.11};
      lines.add(new Charts.SweepLine("workloads.0.message-size=" + sizes[i / 2] + ", steering="
          + (i % 2 == 0 ? "vanilla" : "prism-batch"), x, mean, low, high));
    }
    return lines;
  }

  /** The leftmost column with a dark pixel among the title's rows (the top 40 px). */
  private static int titleLeftPx(Chart<?, ?> chart) {
    BufferedImage img = BitmapEncoder.getBufferedImage(chart);
    for (int x = 0; x < img.getWidth(); x++) {
      for (int y = 0; y < 40; y++) {
        int rgb = img.getRGB(x, y);
        int lum = ((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF);
        if (lum < 3 * 128) return x;
      }
    }
    return img.getWidth();
  }

  @Test
  void aLongLegendWidensTheChartSoTheTitleFits() {
    Chart<?, ?> c = Charts.sweep("receivers.busy_cores_per_gbps", "workloads.0.rate (Gbps)", lines(10, 2, 5, 10, 20));
    int left = titleLeftPx(c);
    assertTrue(left >= 20, "the title starts inside the picture, at x = " + left);
    assertTrue(c.getWidth() > 800, "wider than the default for a legend of long labels: " + c.getWidth());
    assertTrue(c.getWidth() <= 1200, "never wider than the report page: " + c.getWidth());

    // categorical x: each line's x are indices into the categories
    Chart<?, ?> bars = Charts.sweepCategorical("flow[tcp].one_way_p50_us", "workloads.0.rate", lines(10, 0, 1, 2, 3),
        List.of("2Gbps", "5Gbps", "10Gbps", "20Gbps"));
    assertTrue(titleLeftPx(bars) >= 20, "the bar chart's title too, at x = " + titleLeftPx(bars));
  }

  @Test
  void oneLineKeepsTheDefaultWidth() {
    assertEquals(800, Charts.sweep("total.throughput_gbps", "rate", lines(1, 2, 5, 10, 20)).getWidth());
  }
}
