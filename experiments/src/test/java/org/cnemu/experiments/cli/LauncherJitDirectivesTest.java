package org.cnemu.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * bin/cnemu's JIT directive (docs/cli.md, "Launcher settings"): which commands get it (its own function, run by
 * bash), and that this JVM loads the directive file and says nothing on stdout while it does.
 */
class LauncherJitDirectivesTest {
  private static final String FLAGS =
      "-XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile=d.json -XX:-DisplayVMOutput -XX:Tier3LoadFeedback=50";

  @Test
  void oneCommandJvmsThatReadAConfigGetTheDirectiveTheDaemonAndBenchDoNot() throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("d.json run x.conf", FLAGS);
    expected.put("d.json run x.conf --jobs 2", FLAGS);
    expected.put("d.json validate x.conf", FLAGS);
    expected.put("d.json suite", FLAGS);
    // long lived: C2 catches up with the start-up code's queue, and compiles what a served command runs once
    expected.put("d.json daemon start", "");
    expected.put("d.json daemon serve --warm-up 200", "");
    // the engine's own figures stay comparable with earlier rounds
    expected.put("d.json bench star --hosts 64", "");
    expected.put("d.json --version", "");
    expected.put("d.json", "");

    LauncherFunction.assertSets("jit_directives", "JIT_FLAGS", expected);
  }

  @Test
  void theDirectiveFileLoadsAndTheJvmPrintsNothingOfIt() throws Exception {
    Path file = Files.exists(Path.of("../bin/c2-exclude.json")) ? Path.of("../bin/c2-exclude.json")
        : Path.of("bin/c2-exclude.json");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(List.of(FLAGS.replace("d.json", file.toString()).split(" ")));
    cmd.addAll(List.of("-XX:+CompilerDirectivesPrint", "-XX:+DisplayVMOutput", "-version"));
    // with the VM's output back on, the JVM lists the directive it loaded: the file parses, and it excludes C2
    Process p = new ProcessBuilder(cmd).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.getErrorStream().readAllBytes();
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("compiler directives added"), out);
    assertTrue(out.contains("com/typesafe"), out);
    assertTrue(out.contains("Exclude:true"), out);

    cmd = new ArrayList<>(List.of(java));
    cmd.addAll(List.of(FLAGS.replace("d.json", file.toString()).split(" ")));
    cmd.add("-version");
    p = new ProcessBuilder(cmd).start();
    String quiet = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.getErrorStream().readAllBytes();
    assertEquals(0, p.waitFor());
    assertEquals("", quiet, "the launcher's flags leave a command's stdout to the command");
  }
}
