package org.cnemu.emulator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Cluster keys for tests: made once per test JVM (keytool takes about a second), deleted at exit. */
public final class TestKeys {
  private static Path shared;
  private static Path other;

  private TestKeys() {}

  /** The key folder the tests' clusters share. */
  public static synchronized Path shared() {
    if (shared == null) shared = make("shared");
    return shared;
  }

  /** A second, different key: a node with it must be refused by nodes with {@link #shared()}. */
  public static synchronized Path other() {
    if (other == null) other = make("other");
    return other;
  }

  public static ClusterSecurity sharedSecurity() {
    try {
      return ClusterSecurity.withKey(ClusterKey.load(shared()));
    } catch (ClusterKey.KeyException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static Path make(String name) {
    try {
      Path parent = Files.createTempDirectory("cnemu-test-key-");
      Path dir = parent.resolve(name);
      ClusterKey.init(dir, false);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try (var files = Files.walk(parent)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
          // a temp folder
        }
      }));
      return dir;
    } catch (IOException | ClusterKey.KeyException e) {
      throw new UncheckedIOException(new IOException("cannot make a test cluster key: " + e.getMessage(), e));
    }
  }
}
