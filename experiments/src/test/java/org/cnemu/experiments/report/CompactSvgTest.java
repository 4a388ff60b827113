package org.cnemu.experiments.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;

/**
 * The byte-level SVG compaction the report writes with must give exactly the bytes of the regex over the decoded
 * text (the report's SVG files unchanged): on the edges of the pattern, on non-ASCII text, and on a real chart.
 */
class CompactSvgTest {
  /** The reference: the regex the report applied to the decoded text before the byte version. */
  private static final Pattern LONG_DECIMAL = Pattern.compile("(\\d\\.\\d)\\d+");

  private static byte[] byRegex(String svg) {
    return LONG_DECIMAL.matcher(svg).replaceAll("$1").getBytes(StandardCharsets.UTF_8);
  }

  private static void assertSame(String svg) {
    byte[] expected = byRegex(svg);
    assertArrayEquals(expected, Charts.compactSvg(svg.getBytes(StandardCharsets.UTF_8)), svg);
  }

  @Test
  void edgesOfThePatternMatchTheRegex() {
    for (String s : List.of("", "1", "1.", "1.2", "1.23", "1.234567", "12.3456", "1.2.345", "0.000001 9.99999",
        "a1.23b", "M1.234567,2.345678L3.1 4.55", ".123", "1..234", "9.8765", "x1.23", "1.23x1.2345",
        "1.2345.6789", "-0.123456e-7")) {
      assertSame(s);
    }
  }

  @Test
  void nonAsciiTextIsUntouched() {
    assertSame("<text>µs 1.23456 – °C ü 7.891011</text>");
  }

  @Test
  void aRealChartsSvgComesOutByteIdenticalAndSmaller() throws Exception {
    Map<String, double[][]> series = new LinkedHashMap<>();
    series.put("f1", new double[][] {{0.1, 1.7, 3.3333, 5}, {1.234567, 2.5, 9.87654321, 4}});
    XYChart c = Charts.throughputOverTime("throughput (µs test)", series);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VectorGraphicsEncoder.saveVectorGraphic(c, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    String svg = out.toString(StandardCharsets.UTF_8);
    byte[] compact = Charts.compactSvg(out.toByteArray());
    assertArrayEquals(byRegex(svg), compact);
    assertTrue(compact.length < out.size() * 0.8, compact.length + " of " + out.size());
  }
}
