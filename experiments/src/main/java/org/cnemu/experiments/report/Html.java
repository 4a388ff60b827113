package org.cnemu.experiments.report;

import java.util.Base64;
import java.util.List;

/** A tiny HTML writer: everything that is not markup goes through {@link #esc}. */
final class Html {
  static final String CSS = String.join("\n",
      "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}",
      "h1{font-size:1.6em;margin-bottom:4px}h2{font-size:1.25em;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}",
      "h3{font-size:1.05em;margin-top:20px}",
      "table{border-collapse:collapse;margin:8px 0;font-size:0.92em}",
      "th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}th{white-space:normal}",
      ".wide{overflow-x:auto}",
      "th{background:#f3f3f3}td.l,th.l{text-align:left}",
      "table.arms th,table.arms td{white-space:normal}table.arms td.n{min-width:6em}",
      "table.arms td.arm{background:#fff;vertical-align:top;white-space:nowrap}",
      "tr.hot td{background:#fde2e1}tr.good td{background:#e3f6e8}tr.total td{font-weight:bold;background:#fafafa}",
      ".banner{padding:12px 16px;border-radius:4px;margin:12px 0;font-weight:bold}",
      ".bad{background:#fde2e1;color:#9b1c1c;border:2px solid #c0392b}",
      ".ok{background:#e3f6e8;color:#1e6b34;border:1px solid #6fbf84}",
      ".flag{display:inline-block;padding:1px 8px;border-radius:3px;font-weight:bold}",
      ".flag.yes{background:#e3f6e8;color:#1e6b34}.flag.no{background:#fde2e1;color:#9b1c1c}",
      ".muted{color:#777}figure{margin:16px 0}figcaption{color:#555;font-size:0.9em}",
      "img{max-width:100%;border:1px solid #eee}",
      "pre{background:#f7f7f7;padding:12px;overflow:auto;font-size:0.85em;max-height:600px}",
      "details summary{cursor:pointer;font-weight:bold;margin:8px 0}");

  private final StringBuilder sb = new StringBuilder();

  Html open(String title) {
    sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(esc(title)).append("</title>\n<style>\n").append(CSS).append("\n</style>\n</head>\n<body>\n");
    return this;
  }

  String close() {
    sb.append("</body>\n</html>\n");
    return sb.toString();
  }

  Html h(int level, String text) {
    sb.append("<h").append(level).append('>').append(esc(text)).append("</h").append(level).append(">\n");
    return this;
  }

  Html p(String cls, String text) {
    sb.append("<p").append(cls == null ? "" : " class=\"" + esc(cls) + "\"").append('>').append(esc(text)).append("</p>\n");
    return this;
  }

  /** Raw markup: callers must have escaped the text inside. */
  Html raw(String markup) {
    sb.append(markup);
    return this;
  }

  Html div(String cls, String text) {
    sb.append("<div class=\"").append(esc(cls)).append("\">").append(esc(text)).append("</div>\n");
    return this;
  }

  /**
   * A table; {@code left[i]} left-aligns column i (text columns), {@code rowClasses} (nullable, per row,
   * entries nullable) adds a class to a row.
   */
  Html table(List<String> header, List<List<String>> rows, boolean[] left, List<String> rowClasses) {
    // a table wider than the page scrolls on its own, and the page keeps the window's width
    sb.append("<div class=\"wide\">\n<table>\n<thead><tr>");
    for (int i = 0; i < header.size(); i++) {
      boolean l = left != null && i < left.length && left[i];
      sb.append("<th").append(l ? " class=\"l\"" : "").append('>').append(breakable(header.get(i))).append("</th>");
    }
    sb.append("</tr></thead>\n<tbody>\n");
    for (int r = 0; r < rows.size(); r++) {
      String cls = rowClasses == null ? null : rowClasses.get(r);
      sb.append(cls == null ? "<tr>" : "<tr class=\"" + esc(cls) + "\">");
      List<String> row = rows.get(r);
      for (int i = 0; i < row.size(); i++) sb.append(cell("td", row.get(i), left != null && i < left.length && left[i]));
      sb.append("</tr>\n");
    }
    sb.append("</tbody>\n</table>\n</div>\n");
    return this;
  }

  /** {@code text} escaped, with a break opportunity after each '.' and '_' (column names such as softirqs.NET_RX). */
  static String breakable(String text) {
    return esc(text).replace(".", ".<wbr>").replace("_", "_<wbr>");
  }

  /** A two-column key/value table. */
  Html keyValues(List<List<String>> rows) {
    return table(List.of("field", "value"), rows, new boolean[] {true, false}, null);
  }

  Html image(String alt, byte[] png, String caption) {
    sb.append("<figure><img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png)).append("\">");
    if (caption != null) sb.append("<figcaption>").append(esc(caption)).append("</figcaption>");
    sb.append("</figure>\n");
    return this;
  }

  /** Opens a folded block (closed until clicked); {@link #foldClose} ends it. */
  Html foldOpen(String summary) {
    sb.append("<details><summary>").append(esc(summary)).append("</summary>\n");
    return this;
  }

  Html foldClose() {
    sb.append("</details>\n");
    return this;
  }

  Html details(String summary, String preformatted) {
    sb.append("<details><summary>").append(esc(summary)).append("</summary>\n<pre>").append(esc(preformatted))
        .append("</pre>\n</details>\n");
    return this;
  }

  private static String cell(String tag, String text, boolean left) {
    return "<" + tag + (left ? " class=\"l\"" : "") + ">" + esc(text) + "</" + tag + ">";
  }

  static String esc(String s) {
    if (s == null) return "";
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') out.append("&#xFFFD;");
          else out.append(c);
        }
      }
    }
    return out.toString();
  }
}
