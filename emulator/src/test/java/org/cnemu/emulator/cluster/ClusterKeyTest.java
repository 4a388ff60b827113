package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key file read again with the same bytes gives the key this JVM decrypted already (the daemon reads the
 * key for every farmed command), while every read still checks the file: another key, or a file others may
 * read, is seen at once.
 */
class ClusterKeyTest {
  @Test
  void theSameFileGivesTheKeyDecryptedBeforeAndEveryReadStillChecksIt(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("key");
    ClusterKey first = ClusterKey.init(dir, false);
    assertSame(first, ClusterKey.load(dir));
    assertSame(first, ClusterKey.load(dir));

    Path file = ClusterKey.file(dir);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    ClusterKey.KeyException open = assertThrows(ClusterKey.KeyException.class, () -> ClusterKey.load(dir));
    assertTrue(open.getMessage().contains("readable by others"), open.getMessage());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

    ClusterKey replaced = ClusterKey.init(dir, true); // another key in the same file
    assertNotSame(first, replaced);
    assertNotEquals(first.fingerprint(), replaced.fingerprint());
    assertSame(replaced, ClusterKey.load(dir));
  }
}
