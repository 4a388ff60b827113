package org.cnemu.experiments.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's build check applies bin/cnemu's needs_build rules to a checkout. */
class BuildCheckTest {
  @TempDir
  Path root;

  private static final FileTime BUILT = FileTime.fromMillis(1_700_000_000_000L);

  /** A checkout built at BUILT, with sources older than the build. */
  private BuildCheck checkout() throws IOException {
    Files.createDirectories(root.resolve("experiments/target/lib"));
    Path stamp = root.resolve("experiments/target/.cnemu-build-stamp");
    Files.writeString(stamp, "");
    Files.setLastModifiedTime(stamp, BUILT);
    for (String f : List.of("pom.xml", "nodes/pom.xml", "nodes/src/main/java/A.java", "cluster-config/a.conf", "docs/x.md")) {
      old(f);
    }
    return new BuildCheck(root, DaemonState.currentClasspath());
  }

  private void old(String f) throws IOException {
    write(f, BUILT.toMillis() - 60_000);
  }

  private void newer(String f) throws IOException {
    write(f, BUILT.toMillis() + 1);
  }

  private void write(String f, long mtimeMillis) throws IOException {
    Path p = root.resolve(f);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "x");
    Files.setLastModifiedTime(p, FileTime.fromMillis(mtimeMillis));
  }

  @Test
  void aCurrentBuildIsFresh() throws IOException {
    assertNull(checkout().stale());
  }

  @Test
  void aSourcePomOrClusterConfigNewerThanTheBuildMakesItStale() throws IOException {
    for (String f : List.of("nodes/src/main/java/A.java", "devices/src/test/resources/new.conf", "nodes/pom.xml",
        "cluster-config/a.conf")) {
      BuildCheck c = checkout();
      newer(f);
      String why = c.stale();
      assertTrue(why != null && why.startsWith(root.resolve(f) + " is newer"), f + ": " + why);
      old(f);
    }
  }

  @Test
  void filesThatAreNoSourceOfTheBuildAreIgnored() throws IOException {
    BuildCheck c = checkout();
    // bin/cnemu's find prunes .git, target and results, and looks only at src/, pom.xml, cluster-config/
    for (String f : List.of("docs/x.md", "README.md", "nodes/target/src/Gen.java", ".git/src/x", "results/src/x",
        "experiments/target/classes/pom.xml")) {
      newer(f);
    }
    assertNull(c.stale());
  }

  @Test
  void noBuildOrAChangedClassPathIsStale() throws IOException {
    BuildCheck c = checkout();
    Files.delete(root.resolve("experiments/target/.cnemu-build-stamp"));
    assertTrue(c.stale().startsWith("no complete build"), c.stale());
    BuildCheck other = new BuildCheck(null, List.of("1 2 /nowhere/cnemu-experiments-0.jar"));
    assertEquals("a class-path entry changed since the daemon started", other.stale());
    assertNull(new BuildCheck(null, DaemonState.currentClasspath()).stale());
  }
  @Test
  void aWatchedCheckWalksOnlyAfterAChangeAndSeesEveryChangeAtOnce() throws IOException {
    checkout().close();
    try (BuildCheck c = new BuildCheck(root, DaemonState.currentClasspath()).watching()) {
      assertNull(c.stale());
      assertNull(c.stale()); // the first walk met every folder for the first time: one more
      int walks = c.walks();
      for (int i = 0; i < 20; i++) assertNull(c.stale());
      assertEquals(walks, c.walks(), "a check walked although nothing changed");
      // every kind of change is seen by the very next check: an edit, a touch alone, a new file in a new
      // folder, a file that is no source (walks, finds the build current), a rebuilt stamp
      newer("nodes/src/main/java/A.java");
      assertTrue(c.stale().endsWith("A.java is newer than the build"), c.stale());
      old("nodes/src/main/java/A.java");
      assertNull(c.stale());
      Files.setLastModifiedTime(root.resolve("nodes/src/main/java/A.java"), FileTime.fromMillis(BUILT.toMillis() + 5));
      assertTrue(c.stale().endsWith("A.java is newer than the build"), c.stale());
      old("nodes/src/main/java/A.java");
      assertNull(c.stale());
      assertNull(c.stale());
      newer("policies/src/main/java/p/New.java");
      assertTrue(c.stale().endsWith("New.java is newer than the build"), c.stale());
      Files.delete(root.resolve("policies/src/main/java/p/New.java"));
      walks = c.walks();
      assertNull(c.stale());
      newer("docs/y.md");
      assertNull(c.stale());
      assertTrue(c.walks() > walks, "a change under a watched folder did not make the check walk");
      Files.delete(root.resolve("experiments/target/.cnemu-build-stamp"));
      assertTrue(c.stale().startsWith("no complete build"), c.stale());
    }
  }

  @Test
  void binCnemusOwnNeedsBuildAgreesOnEveryCase() throws Exception {
    // The same rule lives twice (the launcher's bash, the daemon's Java): run the script's own functions on the
    // same trees, one of them a checkout under a folder named src (whose every file used to count as a source).
    Path script = Files.exists(Path.of("../bin/cnemu")) ? Path.of("../bin/cnemu") : Path.of("bin/cnemu");
    Matcher f = Pattern.compile("(?ms)^find_jar\\(\\) \\{.*?^}\n.*?^needs_build\\(\\) \\{.*?^}\n")
        .matcher(Files.readString(script));
    assertTrue(f.find(), "no find_jar/needs_build in " + script);
    String functions = f.group();
    Path under = root;
    for (Path checkout : List.of(root.resolve("plain"), root.resolve("home/src/cnemu"))) {
      root = checkout;
      for (String touched : List.of("", "nodes/src/main/java/A.java", "devices/src/test/resources/new.conf",
          "nodes/pom.xml", "cluster-config/a.conf", "docs/x.md", "README.md", "experiments/a.conf",
          "nodes/target/src/Gen.java", ".git/src/x", "results/src/x", "src/top.txt")) {
        BuildCheck c = checkout();
        old("experiments/target/cnemu-experiments-0.jar"); // the launcher also wants the jar
        if (!touched.isEmpty()) newer(touched);
        boolean java = c.stale() != null;
        String bash = "set -u\nROOT='" + checkout + "'\nTARGET=\"$ROOT/experiments/target\"\n"
            + "STAMP=\"$TARGET/.cnemu-build-stamp\"\n" + functions + "if needs_build; then echo stale; else echo current; fi\n";
        Process p = new ProcessBuilder("bash", "-c", bash).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        assertEquals(java ? "stale" : "current", out, checkout + ", touched '" + touched + "': " + c.stale());
        boolean source = touched.contains("/src/") && !touched.contains("target/") && !touched.startsWith(".git/")
            && !touched.startsWith("results/") || touched.endsWith("pom.xml") || touched.startsWith("cluster-config/");
        assertEquals(source, java, checkout + ", touched '" + touched + "'");
        if (!touched.isEmpty()) old(touched);
      }
    }
    root = under;
  }

  @Test
  void aKilledDaemonsWatchFolderIsRemovedByTheNextDaemon() throws Exception {
    // a process that has ended (and been reaped): its pid names no live process
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path tmp = root.resolve("tmp");
    Path stale = tmp.resolve(BuildCheck.Changes.PREFIX + gone.pid() + "-123");
    Path live = tmp.resolve(BuildCheck.Changes.PREFIX + ProcessHandle.current().pid() + "-456");
    Path other = tmp.resolve(BuildCheck.Changes.PREFIX + "789"); // no pid in the name (an older daemon's)
    for (Path d : List.of(stale, live, other)) {
      Files.createDirectories(d);
      Files.writeString(d.resolve("sync-3"), "");
    }
    BuildCheck.Changes.removeStale(tmp);
    assertTrue(Files.notExists(stale), "the gone process's folder is left");
    assertTrue(Files.exists(live.resolve("sync-3")));
    assertTrue(Files.exists(other.resolve("sync-3")));
  }
}
