package org.cnemu.experiments.daemon;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The state file of a running daemon: how to reach it (loopback port), the secret a client must present,
 * its pid, and the identity of the build it runs (every class-path entry with its mtime and size, so a
 * rebuilt jar makes it stale). One file per user, mode 600 in a private folder (see {@link #ensurePrivateDir}):
 * {@code $CNEMU_DAEMON_DIR}, else {@code $XDG_RUNTIME_DIR/cnemu}, else {@code $HOME/.cache/cnemu}.
 *
 * <p>Format, one {@code key=value} per line (bin/cnemu's bash client reads it): {@code port}, {@code token},
 * {@code pid}, {@code start} (the pid's start time, field 22 of {@code /proc/PID/stat}, so that a pid reused by
 * another process after the daemon died is told apart; absent where there is no /proc), {@code launch} (the launcher's JVM settings, so JAVA_OPTS=-Xmx4g does not silently reuse a
 * daemon started without it) and one {@code cp=<mtime s> <size> <path>} per class-path entry, in class-path
 * order; the first is the cnemu-experiments jar. The cp lines are exactly what {@code stat -c '%Y %s %n'}
 * prints for those paths.
 */
public record DaemonState(int port, String token, long pid, long startTicks, String launch, List<String> classpath) {
  public static final String FILE = "daemon.state";
  public static final String LOG = "daemon.log";

  /** The per-user folder of the state file and the daemon's log. */
  public static Path dir() {
    return dir(System.getenv());
  }

  static Path dir(Map<String, String> env) {
    String explicit = env.get("CNEMU_DAEMON_DIR");
    if (explicit != null && !explicit.isBlank()) return Path.of(explicit);
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isBlank()) return Path.of(runtime, "cnemu");
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return Path.of(home, ".cache", "cnemu");
  }

  /** This JVM's class path as identity lines ({@code <mtime s> <size> <path>}). */
  public static List<String> currentClasspath() {
    List<String> out = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (entry.isEmpty()) continue;
      Path p = Path.of(entry);
      try {
        out.add(Files.getLastModifiedTime(p).to(TimeUnit.SECONDS) + " " + Files.size(p) + " " + entry);
      } catch (IOException e) {
        out.add("0 0 " + entry); // a missing entry: never equal to what stat prints, so clients treat it as stale
      }
    }
    return out;
  }

  /** The class path is still the one the daemon was started from (no entry rebuilt, none added or removed). */
  public boolean matchesCurrentBuild() {
    return classpath.equals(currentClasspath());
  }

  public String format() {
    StringBuilder b = new StringBuilder();
    b.append("port=").append(port).append('\n');
    b.append("token=").append(token).append('\n');
    b.append("pid=").append(pid).append('\n');
    if (startTicks >= 0) b.append("start=").append(startTicks).append('\n');
    b.append("launch=").append(launch == null ? "" : launch).append('\n');
    // last, the jar first: bin/cnemu's client reads the file up to its first cp line only
    for (String cp : classpath) b.append("cp=").append(cp).append('\n');
    return b.toString();
  }

  public static DaemonState parse(String text) {
    int port = -1;
    long pid = -1;
    long start = -1;
    String token = null;
    String launch = "";
    List<String> cp = new ArrayList<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) continue;
      String k = line.substring(0, eq);
      String v = line.substring(eq + 1);
      switch (k) {
        case "port" -> port = Integer.parseInt(v);
        case "token" -> token = v;
        case "pid" -> pid = Long.parseLong(v);
        case "start" -> start = Long.parseLong(v);
        case "launch" -> launch = v;
        case "cp" -> cp.add(v);
        default -> { } // written by a newer cnemu: ignore
      }
    }
    if (port <= 0 || token == null || pid <= 0) throw new IllegalArgumentException("incomplete daemon state file");
    return new DaemonState(port, token, pid, start, launch, List.copyOf(cp));
  }

  /**
   * The start time of process {@code pid} in clock ticks since boot (field 22 of /proc/PID/stat), or -1
   * when unknown (no such process, no /proc). The process name (field 2) may hold spaces and parentheses,
   * hence counting from its last ')'.
   */
  public static long startTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return Long.parseLong(rest[22 - 3]); // rest[0] is field 3
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The process of this state still runs, and is the same process (not a later one given the same pid). */
  public boolean alive() {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return false;
    return startTicks < 0 || startTicks(pid) == startTicks;
  }

  /** A daemon folder that is not private to this user: used by no daemon command, and never changed. */
  public static final class UnsafeDirException extends IOException {
    UnsafeDirException(String message) {
      super(message);
    }
  }

  /**
   * Makes sure {@code dir} is this user's private folder: creates it with mode 700 if missing; an existing
   * one is used only if this user owns it and no one else may read, write or enter it. An existing folder
   * is never chmod-ed: {@code CNEMU_DAEMON_DIR=/tmp} must not turn /tmp private (nor a shared folder's
   * token readable by its group).
   */
  public static void ensurePrivateDir(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // ours, just created: the umask may have removed owner bits, never added others
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // created meanwhile by someone else: checked below like any existing folder
      }
    }
    if (!Files.isDirectory(dir)) throw new UnsafeDirException("daemon folder " + dir + " is not a folder");
    String owner = Files.getOwner(dir).getName();
    String me = System.getProperty("user.name");
    if (!owner.equals(me)) {
      throw new UnsafeDirException("daemon folder " + dir + " belongs to " + owner + ", not " + me
          + "; set CNEMU_DAEMON_DIR to a folder of your own (it is created with mode 700)");
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    for (PosixFilePermission p : perms) {
      if (!p.name().startsWith("OWNER_")) {
        throw new UnsafeDirException("daemon folder " + dir + " has mode " + PosixFilePermissions.toString(perms)
            + ": other users may read or write it; use a private folder (chmod 700 it yourself, or set "
            + "CNEMU_DAEMON_DIR to a new one)");
      }
    }
  }

  /** The state in {@code dir}, or null when there is none (or it cannot be read, or the folder is not private). */
  public static DaemonState read(Path dir) {
    Path f = dir.resolve(FILE);
    try {
      ensureExistingPrivate(dir);
      return parse(Files.readString(f, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Writes the state atomically: a mode-600 temporary file in a mode-700 folder, moved into place, so a
   * client never reads half a file and no other user can read the token.
   */
  public void write(Path dir) throws IOException {
    ensurePrivateDir(dir);
    Path tmp = Files.createTempFile(dir, FILE, ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(tmp, format(), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void ensureExistingPrivate(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) throw new java.nio.file.NoSuchFileException(dir.toString());
    ensurePrivateDir(dir); // exists: checks only, creates and changes nothing
  }

  /** Deletes the state file if it is still this daemon's (a newer daemon may have replaced it). */
  public void deleteIfOurs(Path dir) {
    DaemonState now = read(dir);
    if (now != null && now.token.equals(token)) {
      try {
        Files.deleteIfExists(dir.resolve(FILE));
      } catch (IOException ignored) {
        // nothing useful to do while shutting down; a stale file is ignored by clients (dead pid)
      }
    }
  }
}
