package org.cnemu.experiments.daemon;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
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
 *
 * <p>Walking the checkout takes 5-30 ms per command (~560 entries, a stat each), more than any other
 * fixed cost of a served run. A {@link #watching} check walks only when something changed: it watches
 * every folder the walk visits, and the class path's folders (inotify, through a {@link WatchService}),
 * and while no event arrived since a walk that found the build current, the build is still current.
 */
final class BuildCheck implements AutoCloseable {
  private static final Set<String> PRUNED = Set.of(".git", "target", "results");

  private final Path root;
  private final Path target;
  private final List<String> classpathAtStart;
  /** The watch of the checkout and class path, or null: every check walks. */
  private final Changes changes;
  /** The last walk found the build current, and visited no folder the watch did not know before. */
  private boolean current;
  /** Walks so far (tests: a watched check that saw no change does not walk). */
  private int walks;

  /**
   * @param root the checkout (bin/cnemu's ROOT), or null when the daemon does not run from one (the class
   *     path is then the only identity checked)
   * @param classpathAtStart {@link DaemonState#currentClasspath()} when the daemon started
   */
  BuildCheck(Path root, List<String> classpathAtStart) {
    this(root, classpathAtStart, null);
  }

  private BuildCheck(Path root, List<String> classpathAtStart, Changes changes) {
    this.root = root;
    this.target = root == null ? null : root.resolve("experiments").resolve("target");
    this.classpathAtStart = List.copyOf(classpathAtStart);
    this.changes = changes;
  }

  /**
   * The same check, which walks only after a change under a watched folder (or when the watch cannot be
   * set up or trusted: then every time, as {@link #BuildCheck(Path, List)}). {@link #close} ends the watch.
   */
  BuildCheck watching() {
    Changes c = Changes.open();
    if (c == null) return this;
    for (String entry : classpathAtStart) {
      // a jar rebuilt, added or removed shows in its folder; a folder entry in itself
      Path p = Path.of(entry.split(" ", 3)[2]).toAbsolutePath();
      if (p.getParent() != null) c.register(p.getParent());
      if (Files.isDirectory(p)) c.register(p);
    }
    if (target != null) c.register(target); // the build stamp and lib/
    return new BuildCheck(root, classpathAtStart, c);
  }

  @Override
  public void close() {
    if (changes != null) changes.close();
  }

  synchronized int walks() {
    return walks;
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
    return new BuildCheck(root, cp).watching();
  }

  /** Null when the build is current; else why not (for the daemon's log). */
  synchronized String stale() {
    // first: the events up to now are taken, so that a change during the walk below shows next time
    boolean quiet = changes != null && changes.nothingChanged();
    if (current && quiet) return null;
    boolean[] newFolders = {false};
    String why = walk(newFolders);
    // a folder first seen in this walk may have changed between its listing and its watch: walk once more
    current = why == null && !newFolders[0];
    return why;
  }

  private String walk(boolean[] newFolders) {
    walks++;
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
          if (!dir.equals(root) && PRUNED.contains(dir.getFileName().toString())) return FileVisitResult.SKIP_SUBTREE;
          if (changes != null && changes.register(dir)) newFolders[0] = true;
          return FileVisitResult.CONTINUE;
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

  /**
   * The folders' changes since the last question, through one inotify queue. A change made before a
   * command was sent is in the kernel's queue before the command arrives, but Java's watch service moves
   * events to its keys on a thread of its own: so each question first makes an event of its own (a new
   * file in a private folder on the same queue) and waits until that one comes through; the queue keeps
   * order, so every earlier event has come through too.
   */
  static final class Changes implements AutoCloseable {
    /** Longer than this for our own event to come through: the answer is "changed" (the caller walks). */
    static final long SYNC_TIMEOUT_NANOS = 50_000_000L;

    private final WatchService service;
    private final Path syncDir;
    private final WatchKey syncKey;
    private final Set<Path> watched = new java.util.HashSet<>();
    /** A folder could not be watched (no inotify watches left?): every answer is "changed". */
    private boolean blind;
    private long syncs;

    private Changes(WatchService service, Path syncDir, WatchKey syncKey) {
      this.service = service;
      this.syncDir = syncDir;
      this.syncKey = syncKey;
    }

    /** The private folder's name: this prefix, the daemon's pid, a dash and a random part. */
    static final String PREFIX = "cnemu-daemon-watch-";

    /**
     * A watch, or null when none can be set up (no inotify instance left: the caller walks every time).
     * First removes the folders of daemons that are gone ({@link #removeStale}).
     */
    static Changes open() {
      WatchService ws = null;
      Path dir = null;
      try {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeStale(tmp);
        ws = java.nio.file.FileSystems.getDefault().newWatchService();
        dir = Files.createTempDirectory(tmp, PREFIX + ProcessHandle.current().pid() + "-");
        return new Changes(ws, dir, dir.register(ws, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE));
      } catch (IOException | RuntimeException e) {
        try {
          if (ws != null) ws.close();
          if (dir != null) Files.deleteIfExists(dir);
        } catch (IOException ignored) {
          // nothing more to undo
        }
        return null;
      }
    }

    /**
     * Deletes the private folders in {@code tmp} whose daemon process is gone: a daemon that was killed
     * (SIGKILL, a crash) does not close its watch. Folders of a live process, of another user (not
     * listable: they are private) or without a pid in their name are left alone.
     */
    static void removeStale(Path tmp) {
      try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, PREFIX + "*")) {
        for (Path d : ds) {
          String rest = d.getFileName().toString().substring(PREFIX.length());
          int dash = rest.indexOf('-');
          if (dash <= 0 || !rest.substring(0, dash).chars().allMatch(Character::isDigit)) continue;
          long pid;
          try {
            pid = Long.parseLong(rest.substring(0, dash));
          } catch (NumberFormatException e) {
            continue;
          }
          if (ProcessHandle.of(pid).isPresent()) continue;
          try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
            for (Path f : files) Files.deleteIfExists(f);
            Files.deleteIfExists(d);
          } catch (IOException | RuntimeException e) {
            // another user's, or taken meanwhile: leave it
          }
        }
      } catch (IOException | RuntimeException e) {
        // no temporary folder to list: nothing to clean
      }
    }

    /** Watches {@code dir}; true when it was not watched before. */
    synchronized boolean register(Path dir) {
      if (!watched.add(dir)) return false;
      try {
        dir.register(service, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE,
            java.nio.file.StandardWatchEventKinds.ENTRY_DELETE, java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY);
      } catch (IOException | RuntimeException e) {
        blind = true;
      }
      return true;
    }

    /**
     * Whether no watched folder saw an event (a file created, deleted, written or touched; an overflow of
     * the queue) since the last call; takes every event up to now.
     */
    synchronized boolean nothingChanged() {
      if (blind) return false;
      String mine = "sync-" + (++syncs);
      try {
        Files.createFile(syncDir.resolve(mine));
        Files.deleteIfExists(syncDir.resolve("sync-" + (syncs - 1)));
      } catch (IOException e) {
        blind = true;
        return false;
      }
      boolean changed = false;
      boolean synced = false;
      long deadline = System.nanoTime() + SYNC_TIMEOUT_NANOS;
      try {
        while (true) {
          WatchKey k = synced ? service.poll()
              : service.poll(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
          if (k == null) return synced && !changed; // all taken, or our event late: walk
          for (java.nio.file.WatchEvent<?> e : k.pollEvents()) {
            if (k != syncKey) changed = true;
            else if (mine.equals(String.valueOf(e.context()))) synced = true;
          }
          if (!k.reset() && k != syncKey) changed = true; // a watched folder is gone
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (java.nio.file.ClosedWatchServiceException e) {
        blind = true;
        return false;
      }
    }

    @Override
    public synchronized void close() {
      try {
        service.close();
        Files.deleteIfExists(syncDir.resolve("sync-" + syncs));
        Files.deleteIfExists(syncDir);
      } catch (IOException ignored) {
        // a temporary folder left behind: nothing to report
      }
    }
  }
}
