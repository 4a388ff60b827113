package org.cnemu.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * bin/cnemu's choice of the young generation (docs/cli.md, "Launcher settings"): its own function, run by bash
 * on command lines and RAM sizes.
 */
class LauncherYoungGenerationTest {

  private static final long GIB_IN_KIB = 1024L * 1024;

  @Test
  void aJvmThatSimulatesOnTwoThreadsGetsALargerYoungGeneration() throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    long ram = 24 * GIB_IN_KIB;
    // two or more threads, seen on the command line: an eighth of the default maximum heap, at most 512 MiB
    expected.put(ram + " run x.conf --jobs 2", "-Xmn512m -Xms1024m");
    expected.put(ram + " run x.conf -j 3 --quiet", "-Xmn512m -Xms1024m");
    expected.put(ram + " run x.conf --jobs=4", "-Xmn512m -Xms1024m");
    expected.put(ram + " run x.conf --partitions 2 --threads 2", "-Xmn512m -Xms1024m");
    expected.put(ram + " run x.conf --partitions=2", "-Xmn512m -Xms1024m");
    expected.put(ram + " suite s.conf --jobs 2", "-Xmn512m -Xms1024m");
    expected.put(ram + " daemon start", "-Xmn512m -Xms1024m");
    expected.put(8 * GIB_IN_KIB + " run x.conf --jobs 2", "-Xmn256m -Xms512m");
    // one thread, or not known before Java runs: the JVM's sizing
    expected.put(ram + " run x.conf", "");
    expected.put(ram + " run x.conf --jobs 1 --partitions 1", "");
    expected.put(ram + " run x.conf --jobs=1", "");
    expected.put(ram + " validate x.conf --jobs 2", "");
    expected.put(ram + " run x.conf --jobs 99999999999999999999", "");
    // too little RAM for more than the JVM's own ~126 MiB, or RAM unknown
    expected.put(3 * GIB_IN_KIB + " run x.conf --jobs 2", "");
    expected.put("0 daemon start", "");

    StringBuilder bash = new StringBuilder("set -euo pipefail\nunset JAVA_OPTS\n").append(LauncherFunction.source("young_generation"));
    for (String line : expected.keySet()) bash.append("young_generation ").append(line).append("; echo \"[$YOUNG_FLAGS]\"\n");
    // heap sizes of the user's own keep the JVM's sizing
    for (String opts : List.of("-Xmx2g", "-Dx=1 -Xmn64m", "-XX:MaxRAMPercentage=50", "-Xms1g")) {
      bash.append("JAVA_OPTS='").append(opts).append("' young_generation ").append(ram)
          .append(" run x.conf --jobs 2; echo \"[$YOUNG_FLAGS]\"\n");
    }
    List<String> want = new ArrayList<>();
    for (String v : expected.values()) want.add("[" + v + "]");
    for (int i = 0; i < 4; i++) want.add("[]");

    assertEquals(String.join("\n", want) + "\n", LauncherFunction.run(bash.toString()));
  }
}
