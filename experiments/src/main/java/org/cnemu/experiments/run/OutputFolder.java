package org.cnemu.experiments.run;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cnemu.experiments.report.Reports;

/**
 * The results folder of a plan, owned by the runner while it runs: a lock file naming the owner (pid and
 * host) keeps a second run out, and every result an earlier run left behind is removed before the first
 * job starts, so an interrupted rerun never leaves old results that look like this run's.
 */
public final class OutputFolder implements AutoCloseable {
  public static final String LOCK_FILE = ".cnemu.lock";
  /** Folders a run writes: repetitions and sweep points. Nothing else is ever removed. */
  private static final Pattern RUN_DIR = Pattern.compile("run-[0-9]+|point-[0-9]{3,}");
  /** Files a run writes and a rerun rewrites (and the report layer's, {@link Reports#OUTPUT_FILE}). */
  private static final Pattern RESULT_FILE = Pattern.compile("results\\.json|summary\\.json|suite\\.json");
  /** Temp files of an atomic write that a killed JVM left behind. */
  private static final Pattern TEMP_FILE = Pattern.compile("\\..*\\.tmp");

  /** Another run owns the folder, or it cannot be created: the command refuses (exit 2). */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  private final Path lock;

  private OutputFolder(Path lock) {
    this.lock = lock;
  }

  /**
   * Creates {@code root} if needed and takes its lock. A lock whose owner is this host's dead process is
   * stale and taken over; a live owner (or one on another host, which cannot be checked) refuses.
   *
   * @param shown the folder as the user named it, for the message
   */
  public static OutputFolder lock(Path root, String shown) throws IOException {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      // a file on the way (--out /dev/null/x), no permission, a read-only file system: bad input, nothing ran
      String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
          : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
          : e instanceof java.nio.file.FileAlreadyExistsException ? "a file of that name is in the way"
          : e instanceof java.nio.file.NoSuchFileException ? "no such folder" : e.getClass().getSimpleName();
      throw new Refused(shown + ": cannot create the results folder (" + reason + "); choose another --out");
    }
    Path lock = root.resolve(LOCK_FILE);
    String host = host();
    long pid = ProcessHandle.current().pid();
    String me = "pid " + pid + " host " + host + "\n";
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        Files.writeString(lock, me, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        JsonFiles.shareable(lock);
        return new OutputFolder(lock);
      } catch (FileAlreadyExistsException e) {
        String owner;
        try {
          owner = Files.readString(lock, StandardCharsets.UTF_8).strip();
        } catch (IOException gone) {
          continue; // released meanwhile
        }
        String[] f = owner.split("\\s+");
        long ownerPid = f.length >= 4 && f[0].equals("pid") ? parse(f[1]) : -1;
        String ownerHost = f.length >= 4 ? f[3] : "";
        boolean alive = ownerPid < 0 || !ownerHost.equals(host) || ProcessHandle.of(ownerPid).map(ProcessHandle::isAlive)
            .orElse(false);
        if (alive) {
          throw new Refused(shown + " is in use by another cnemu run (" + (owner.isEmpty() ? "unknown owner" : owner)
              + "); wait for it to finish or choose another --out (remove " + LOCK_FILE + " only if that run is gone)");
        }
        Files.deleteIfExists(lock); // its owner died: stale
      }
    }
    throw new Refused(shown + ": could not take " + LOCK_FILE);
  }

  /**
   * Removes what an earlier run left in {@code dir}: results.json, summary.json, suite.json, the report
   * layer's files (report.html, its CSV tables and plots), every {@code run-N/} and {@code point-NNN/}
   * folder, and temp files of interrupted writes (any depth).
   */
  public static void clean(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (Files.isDirectory(p) && !Files.isSymbolicLink(p) && RUN_DIR.matcher(name).matches()) {
          deleteTree(p);
        } else if (Files.isRegularFile(p) && (RESULT_FILE.matcher(name).matches() || Reports.OUTPUT_FILE.matcher(name).matches()
            || TEMP_FILE.matcher(name).matches())) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> all = Files.walk(p)) {
      for (Path x : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
    }
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(lock);
  }

  private static long parse(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
