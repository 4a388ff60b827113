package org.cnemu.experiments.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading results files and turning their values into text, the same way every time. */
final class Json {
  /** Floats are kept as BigDecimal so that a value prints as it was written ("9.41", not "9.4100000001"). */
  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  static JsonNode read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such results file");
    try {
      JsonNode n = MAPPER.readTree(file.toFile());
      if (n == null || !n.isObject()) throw new IOException(file + ": not a JSON object");
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
  }

  static String pretty(JsonNode n) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (IOException e) {
      return String.valueOf(n);
    }
  }

  /** The elements of an array node, or nothing when the node is missing or not an array. */
  static List<JsonNode> array(JsonNode n) {
    List<JsonNode> out = new ArrayList<>();
    if (n != null && n.isArray()) n.forEach(out::add);
    return out;
  }

  /** Rows of a section: an array of objects, or an object of objects (then the key becomes {@code id}). */
  static List<JsonNode> rows(JsonNode section) {
    List<JsonNode> out = new ArrayList<>();
    if (section == null) return out;
    if (section.isArray()) {
      for (JsonNode r : section) if (r.isObject()) out.add(r);
    } else if (section.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = section.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isObject()) continue;
        var row = MAPPER.createObjectNode();
        row.put("id", e.getKey());
        row.setAll((com.fasterxml.jackson.databind.node.ObjectNode) e.getValue());
        out.add(row);
      }
    }
    return out;
  }

  /**
   * The scalar fields of an object, nested objects flattened with dots ({@code latency_us.p50}); arrays
   * are left out (they are series, written elsewhere).
   */
  static Map<String, JsonNode> flatten(JsonNode obj) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    flatten("", obj, out);
    return out;
  }

  private static void flatten(String prefix, JsonNode obj, Map<String, JsonNode> out) {
    if (obj == null || !obj.isObject()) return;
    Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = prefix + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) flatten(k + ".", v, out);
      else if (!v.isArray()) out.put(k, v);
    }
  }

  /** A number, or null when the node is missing, null or not numeric. */
  static Double num(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) return null;
    if (n.isNumber()) return n.doubleValue();
    if (n.isTextual()) {
      try {
        return Double.parseDouble(n.asText().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  static String text(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) return "";
    if (n.isNumber()) return number(n);
    if (n.isValueNode()) return n.asText();
    return n.toString();
  }

  /**
   * Numbers as written: integers plainly, decimals without exponent or trailing zeros, and binary
   * floating-point noise rounded away: at most {@link #SIGNIFICANT_DIGITS} significant digits, so a mean of
   * three 48.83 written as 48.830000000000005 reads 48.83.
   */
  static String number(JsonNode n) {
    if (n.isIntegralNumber()) return n.bigIntegerValue().toString();
    BigDecimal d = n.decimalValue();
    if (n.isDouble() || n.isFloat()) {
      double v = n.doubleValue();
      if (Double.isNaN(v) || Double.isInfinite(v)) return String.valueOf(v);
      d = BigDecimal.valueOf(v);
    }
    return plain(d.round(new java.math.MathContext(SIGNIFICANT_DIGITS, java.math.RoundingMode.HALF_EVEN)));
  }

  /** Digits a double carries in tables: 12 of its 15-17 keep every measured digit and drop the noise. */
  static final int SIGNIFICANT_DIGITS = 12;

  static String plain(BigDecimal d) {
    String s = d.stripTrailingZeros().toPlainString();
    return "-0".equals(s) ? "0" : s;
  }

  /** A double for tables: integral values plainly, others with up to {@code digits} decimals. */
  static String fmt(Double v, int digits) {
    if (v == null) return "-";
    if (Double.isNaN(v)) return "NaN";
    if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) (double) v);
    return plain(BigDecimal.valueOf(v).setScale(digits, java.math.RoundingMode.HALF_EVEN));
  }
}
