package org.cnemu.experiments.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** RFC 4180 CSV: comma separated, CRLF-free ("\n" line ends), fields quoted only when they must be. */
final class Csv {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Csv(List<String> header) {
    this.header = List.copyOf(header);
  }

  void row(List<String> cells) {
    if (cells.size() != header.size()) throw new IllegalArgumentException("row has " + cells.size() + " cells, header " + header.size());
    rows.add(List.copyOf(cells));
  }

  int size() {
    return rows.size();
  }

  String render() {
    StringBuilder sb = new StringBuilder();
    line(sb, header);
    for (List<String> r : rows) line(sb, r);
    return sb.toString();
  }

  void write(Path file) throws IOException {
    Files.writeString(file, render(), StandardCharsets.UTF_8);
  }

  private static void line(StringBuilder sb, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) sb.append(',');
      sb.append(quote(cells.get(i)));
    }
    sb.append('\n');
  }

  static String quote(String s) {
    if (s == null) return "";
    boolean needs = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0
        || (!s.isEmpty() && (Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1))));
    return needs ? '"' + s.replace("\"", "\"\"") + '"' : s;
  }
}
