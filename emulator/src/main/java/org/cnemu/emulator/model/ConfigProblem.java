package org.cnemu.emulator.model;

/**
 * One problem in an experiment file: where (file and line, when HOCON knows them), which key, and
 * what was expected. Printed one per line as {@code file:line: key: message}.
 */
public record ConfigProblem(String file, int line, String key, String message) {
  public String format() {
    StringBuilder sb = new StringBuilder();
    sb.append(file == null ? "<config>" : file);
    if (line > 0) sb.append(':').append(line);
    sb.append(": ");
    if (key != null && !key.isEmpty()) sb.append(key).append(": ");
    sb.append(message);
    return sb.toString();
  }
}
