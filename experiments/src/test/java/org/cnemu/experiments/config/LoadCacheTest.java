package org.cnemu.experiments.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.cnemu.experiments.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loader keeps its last valid loads (the resident daemon serves the same file again without parsing
 * it), and never answers from them for a file, an include or overrides that changed.
 */
class LoadCacheTest {
  @TempDir
  Path dir;

  private static String phold() throws IOException {
    return Files.readString(TestFiles.phold());
  }

  private static Config set(String key, Object value) {
    return Overrides.of(List.of(), List.of(key + "=" + value)).config();
  }

  /** The same object, i.e. taken from the cache (the message stays short: these print whole configs). */
  private static void assertSame(Object expected, Object actual) {
    assertTrue(expected == actual, "loaded again, not taken from the cache");
  }

  private static void assertNotSame(Object unexpected, Object actual, String... why) {
    assertTrue(unexpected != actual, why.length > 0 ? why[0] : "taken from the cache");
  }

  @Test
  void theSameBytesAndOverridesAreLoadedOnce() throws IOException {
    ExperimentLoader loader = new ExperimentLoader();
    Path f = Files.writeString(dir.resolve("a.conf"), phold());
    LoadedExperiment first = loader.load(f, ConfigFactory.empty(), null);
    assertTrue(first.ok(), first.problems().toString());
    assertSame(first, loader.load(f, ConfigFactory.empty(), null));
    assertSame(loader.load(f, set("experiment.seed", 3), null), loader.load(f, set("experiment.seed", 3), null));
    // read from another folder by the same relative name: another file, another load
    Files.createDirectories(dir.resolve("other"));
    Files.writeString(dir.resolve("other/a.conf"), phold());
    LoadedExperiment fromOther = loader.load(Path.of("a.conf"), ConfigFactory.empty(), dir.resolve("other"));
    assertNotSame(first, fromOther);
    assertSame(fromOther, loader.load(Path.of("a.conf"), ConfigFactory.empty(), dir.resolve("other")));
  }

  @Test
  void aChangedFileIsLoadedAgainEvenWithTheSameSizeAndTime() throws IOException {
    ExperimentLoader loader = new ExperimentLoader();
    Path f = Files.writeString(dir.resolve("a.conf"), phold());
    FileTime t = Files.getLastModifiedTime(f);
    assertEquals(42, loader.load(f, ConfigFactory.empty(), null).spec().settings().seed());
    Files.writeString(f, phold().replace("seed = 42", "seed = 43"));
    Files.setLastModifiedTime(f, t);
    assertEquals(43, loader.load(f, ConfigFactory.empty(), null).spec().settings().seed());
  }

  @Test
  void changedOverridesAreLoadedAgain() throws IOException {
    ExperimentLoader loader = new ExperimentLoader();
    Path f = Files.writeString(dir.resolve("a.conf"), phold());
    assertEquals(5, loader.load(f, set("experiment.seed", 5), null).spec().settings().seed());
    assertEquals(6, loader.load(f, set("experiment.seed", 6), null).spec().settings().seed());
    assertEquals(42, loader.load(f, ConfigFactory.empty(), null).spec().settings().seed());
  }

  @Test
  void aFileWithIncludesIsNeverTakenFromTheCache() throws IOException {
    ExperimentLoader loader = new ExperimentLoader();
    Path seed = Files.writeString(dir.resolve("seed.conf"), "experiment.seed = 11\n");
    Path f = Files.writeString(dir.resolve("a.conf"), phold() + "\ninclude \"seed.conf\"\n");
    assertEquals(11, loader.load(f, ConfigFactory.empty(), null).spec().settings().seed());
    Files.writeString(seed, "experiment.seed = 12\n"); // the including file is unchanged
    assertEquals(12, loader.load(f, ConfigFactory.empty(), null).spec().settings().seed());
    // an include that did not exist at the first load (refused) and exists now
    Path g = Files.writeString(dir.resolve("b.conf"), phold() + "\ninclude \"later.conf\"\n");
    assertTrue(!loader.load(g, ConfigFactory.empty(), null).ok());
    Files.writeString(dir.resolve("later.conf"), "experiment.seed = 13\n");
    assertEquals(13, loader.load(g, ConfigFactory.empty(), null).spec().settings().seed());
  }

  @Test
  void invalidFilesAreNotKeptAndOnlyTheLastFewAre() throws IOException {
    ExperimentLoader loader = new ExperimentLoader();
    Path bad = Files.writeString(dir.resolve("bad.conf"), phold().replace("seed = 42", "seed = -1x"));
    LoadedExperiment e = loader.load(bad, ConfigFactory.empty(), null);
    assertTrue(!e.ok());
    assertNotSame(e, loader.load(bad, ConfigFactory.empty(), null));
    Path f = Files.writeString(dir.resolve("a.conf"), phold());
    LoadedExperiment first = loader.load(f, ConfigFactory.empty(), null);
    for (int i = 0; i < ExperimentLoader.CACHED_LOADS; i++) loader.load(f, set("experiment.seed", i), null);
    assertNotSame(first, loader.load(f, ConfigFactory.empty(), null), "the oldest load is dropped");
  }
}
