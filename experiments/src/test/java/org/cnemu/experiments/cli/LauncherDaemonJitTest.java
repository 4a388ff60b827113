package org.cnemu.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * bin/cnemu's C2 thresholds for the resident daemon (docs/cli.md, "Launcher settings"): its own function, run by
 * bash on command lines. The daemon's JVM takes the launcher's flags of `daemon start` (DaemonCommand), so these
 * are the daemon's; every other command keeps the JDK's.
 */
class LauncherDaemonJitTest {
  private static final String TEN_TIMES = "-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000"
      + " -XX:Tier4CompileThreshold=150000 -XX:Tier4BackEdgeThreshold=400000";

  @Test
  void theDaemonsC2ThresholdsAreTenTimesTheJdksAndNoOtherCommandsAre() throws Exception {
    Path script = Files.exists(Path.of("../bin/cnemu")) ? Path.of("../bin/cnemu") : Path.of("bin/cnemu");
    Matcher f = Pattern.compile("(?ms)^daemon_jit\\(\\) \\{.*?^}\n").matcher(Files.readString(script));
    assertTrue(f.find(), "no daemon_jit in " + script);
    StringBuilder bash = new StringBuilder("set -euo pipefail\n").append(f.group());
    String[] lines = {"daemon start", "daemon start --warm-up 0", "run x.conf", "run x.conf --jobs 2", "validate x.conf",
        "suite s.conf", "bench star", ""};
    for (String line : lines) bash.append("daemon_jit ").append(line).append("; echo \"[$JIT_FLAGS]\"\n");
    Process p = new ProcessBuilder("bash", "-c", bash.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertEquals("[" + TEN_TIMES + "]\n[" + TEN_TIMES + "]\n" + "[]\n".repeat(6), out);
  }
}
