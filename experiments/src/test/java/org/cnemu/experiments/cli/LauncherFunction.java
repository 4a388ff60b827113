package org.cnemu.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One shell function of bin/cnemu, taken from the script itself and run by bash: the launcher's settings' tests. */
final class LauncherFunction {
  private LauncherFunction() {}

  /** The text of function {@code name} in bin/cnemu (from its {@code name() {} line to the closing brace). */
  static String source(String name) throws IOException {
    Path script = Files.exists(Path.of("../bin/cnemu")) ? Path.of("../bin/cnemu") : Path.of("bin/cnemu");
    Matcher f = Pattern.compile("(?ms)^" + Pattern.quote(name) + "\\(\\) \\{.*?^}\n").matcher(Files.readString(script));
    assertTrue(f.find(), "no " + name + " in " + script);
    return f.group();
  }

  /** Runs {@code bash} with bash -c and returns what it printed; it must exit 0. */
  static String run(String bash) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", bash).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  /**
   * Runs function {@code name} once per key of {@code expected} (its arguments, shell words) and asserts that each call
   * leaves {@code variable} set to the key's value, in order.
   */
  static void assertSets(String name, String variable, Map<String, String> expected) throws IOException, InterruptedException {
    StringBuilder bash = new StringBuilder("set -euo pipefail\n").append(source(name));
    StringBuilder want = new StringBuilder();
    for (Map.Entry<String, String> e : expected.entrySet()) {
      bash.append(name).append(' ').append(e.getKey()).append("; echo \"[$").append(variable).append("]\"\n");
      want.append('[').append(e.getValue()).append("]\n");
    }
    assertEquals(want.toString(), run(bash.toString()));
  }
}
