package org.cnemu.experiments.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * bin/cnemu's transparent huge pages for the daemon's heap (docs/cli.md, "Launcher settings"): its own function,
 * run by bash on the kernel's THP mode line and command lines.
 */
class LauncherHugePagesTest {

  @Test
  void theDaemonsHeapGetsTransparentHugePagesWhereTheKernelGrantsThemOnRequest() throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    // the daemon, where the kernel gives huge pages to a heap that asks for them (madvise) or to every one
    expected.put("'always [madvise] never' daemon start", "-XX:+UseTransparentHugePages");
    expected.put("'[always] madvise never' daemon start", "-XX:+UseTransparentHugePages");
    expected.put("'always [madvise] never' daemon serve --warm-up 200", "-XX:+UseTransparentHugePages");
    // THP off or unknown: nothing (the JVM would warn that it cannot have them)
    expected.put("'always madvise [never]' daemon start", "");
    expected.put("'' daemon start", "");
    // other commands: a fresh JVM of one command keeps the JVM's default
    expected.put("'always [madvise] never' run x.conf", "");
    expected.put("'always [madvise] never' run x.conf --jobs 2", "");
    expected.put("'always [madvise] never' validate x.conf", "");
    expected.put("'always [madvise] never'", "");

    LauncherFunction.assertSets("huge_pages", "HUGE_FLAGS", expected);
  }
}
