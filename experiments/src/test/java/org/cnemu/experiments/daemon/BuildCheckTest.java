package org.cnemu.experiments.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
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
}
