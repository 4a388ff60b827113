package org.cnemu.experiments.daemon;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;

/**
 * Whether the daemon still runs the checkout's current build, asked before each served command. It
 * replaces two per-command checks of bin/cnemu's client (a {@code find} over the checkout and a
 * {@code stat} of every class-path entry): forking them costs more per command than walking the same
 * entries in the warm daemon (docs/benchmarks.md). The rules are bin/cnemu's
 * {@code needs_build} (keep the two in step): the build stamp, the jar and lib/ exist, and no file under
 * the checkout (skipping {@code .git}, {@code target}, {@code results}) whose path contains {@code /src/},
 * named {@code pom.xml}, or under {@code cluster-config/}, is newer than the stamp; plus: no class-path
 * entry changed since the daemon started (its state file's {@code cp} lines).
 */
final class BuildCheck {
  private static final Set<String> PRUNED = Set.of(".git", "target", "results");

  private final Path root;
  private final Path target;
  private final List<String> classpathAtStart;

  /**
   * @param root the checkout (bin/cnemu's ROOT), or null when the daemon does not run from one (the class
   *     path is then the only identity checked)
   * @param classpathAtStart {@link DaemonState#currentClasspath()} when the daemon started
   */
  BuildCheck(Path root, List<String> classpathAtStart) {
    this.root = root;
    this.target = root == null ? null : root.resolve("experiments").resolve("target");
    this.classpathAtStart = List.copyOf(classpathAtStart);
  }

  /**
   * The check of this JVM: the checkout is the one whose {@code experiments/target} holds the first
   * class-path entry (the cnemu-experiments jar, as bin/cnemu starts the daemon); null root otherwise.
   */
  static BuildCheck ofThisJvm() {
    List<String> cp = DaemonState.currentClasspath();
    Path root = null;
    if (!cp.isEmpty()) {
      Path jar = Path.of(cp.get(0).split(" ", 3)[2]).toAbsolutePath();
      Path t = jar.getParent();
      if (jar.getFileName().toString().startsWith("cnemu-experiments-") && t != null && t.endsWith("experiments/target")) {
        root = t.getParent().getParent();
      }
    }
    return new BuildCheck(root, cp);
  }

  /** Null when the build is current; else why not (for the daemon's log). */
  String stale() {
    if (!DaemonState.currentClasspath().equals(classpathAtStart)) return "a class-path entry changed since the daemon started";
    if (root == null) return null;
    Path stamp = target.resolve(".cnemu-build-stamp");
    if (!Files.isRegularFile(stamp) || !Files.isDirectory(target.resolve("lib"))) return "no complete build in " + target;
    try {
      FileTime built = Files.getLastModifiedTime(stamp);
      Path[] newer = new Path[1];
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return !dir.equals(root) && PRUNED.contains(dir.getFileName().toString())
              ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (!attrs.isRegularFile() || PRUNED.contains(file.getFileName().toString())) return FileVisitResult.CONTINUE;
          if (source(file) && attrs.lastModifiedTime().compareTo(built) > 0) {
            newer[0] = file;
            return FileVisitResult.TERMINATE;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE; // find reports and goes on; an unreadable file is no source of the build
        }
      });
      return newer[0] == null ? null : newer[0] + " is newer than the build";
    } catch (IOException e) {
      return "cannot check the build: " + e.getMessage();
    }
  }

  /**
   * bin/cnemu's {@code -path './*}{@code /src/*' -o -name pom.xml -o -path './cluster-config/*'}, from the
   * checkout's root: a checkout under a folder named src must not count every file as a source.
   */
  private boolean source(Path file) {
    Path rel = root.relativize(file);
    return rel.toString().contains("/src/") || file.getFileName().toString().equals("pom.xml")
        || rel.startsWith("cluster-config");
  }
}
