package org.cnemu.experiments.run;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text of a job's results.json exactly as written, wherever the job ran (in this JVM or on a cluster
 * node), and the document read from that text: summaries, tables and reports use the results as they are on
 * disk, so a local plan's folder and a farmed one's are the same. What the runner needs of every job
 * ({@code complete}, {@code error}, {@code wall}) comes from one streaming pass over the text that builds
 * nothing else; the whole document is parsed from the same text only when something asks for it (a
 * summary, the end-of-run table, a report), and once.
 */
public final class ResultsText {
  private final String text;
  private final boolean complete;
  private final String error;
  private final Wall wall;
  private Map<String, Object> document;

  private ResultsText(String text, boolean complete, String error, Wall wall) {
    this.text = text;
    this.complete = complete;
    this.error = error;
    this.wall = wall;
  }

  /**
   * The results document in {@code json}, or null when the text is none: not a JSON object, malformed
   * anywhere (every token is read), or without a boolean {@code complete} at its top level.
   */
  static ResultsText of(String json) {
    Boolean complete = null;
    boolean hasError = false;
    Object error = null;
    Object wall = null;
    try (JsonParser p = JsonFiles.MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "complete" -> complete = v == JsonToken.VALUE_TRUE ? Boolean.TRUE
              : v == JsonToken.VALUE_FALSE ? Boolean.FALSE : skip(p);
          case "error" -> {
            hasError = true;
            error = JsonFiles.MAPPER.readValue(p, Object.class);
          }
          case "wall" -> wall = JsonFiles.MAPPER.readValue(p, Object.class);
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT) return null;
    } catch (IOException e) {
      return null;
    }
    if (complete == null) return null;
    // as the document's reader would say it: a missing error is "incomplete", a JSON null "null"
    String why = complete ? null : hasError ? String.valueOf(error) : "incomplete";
    return new ResultsText(json, complete, why, Wall.of(wall));
  }

  /** Skips a value that is not what the field needs (and answers null: the field stays unknown). */
  private static Boolean skip(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }

  /** The text as written to results.json. */
  public String text() {
    return text;
  }

  public boolean complete() {
    return complete;
  }

  /** Why the run is incomplete; null when complete. */
  public String error() {
    return error;
  }

  public Wall wall() {
    return wall;
  }

  /** Whether {@link #document} has been asked for (for tests). */
  synchronized boolean parsed() {
    return document != null;
  }

  /** The whole document, parsed from {@link #text} on first use (the same reading as a results file's). */
  @SuppressWarnings("unchecked")
  public synchronized Map<String, Object> document() {
    if (document == null) {
      try {
        document = JsonFiles.MAPPER.readValue(text, LinkedHashMap.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // cannot happen: of() read every token of the same text
      }
    }
    return document;
  }
}
