package org.cnemu.experiments.run;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes JSON files atomically: a reader sees the old file, no file, or the whole new one. */
public final class JsonFiles {
  public static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectWriter WRITER = MAPPER.writer(
      new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n")));

  private JsonFiles() {}

  /** Pretty JSON with "\n" line ends on every platform (byte-identical output is a promise). */
  public static String toJson(Object tree) throws IOException {
    return WRITER.writeValueAsString(tree) + "\n";
  }

  public static void writeAtomically(Path file, Object tree) throws IOException {
    writeAtomically(file, toJson(tree));
  }

  /** Writes {@code text} (UTF-8) atomically. */
  public static void writeAtomically(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // the temp file lives in the same folder so the rename never crosses file systems
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, text);
      shareable(tmp); // createTempFile makes it owner-only; results are read by the group like every other file
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> SHAREABLE =
      java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");

  /** rw-r--r--, the mode every result file has (where the file system has POSIX modes). */
  public static void shareable(Path file) throws IOException {
    if (Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
      Files.setPosixFilePermissions(file, SHAREABLE);
    }
  }
}
