package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The young collection before a partitioned run, in a JVM of its own with the serial collector (the
 * launcher's) and a 32 MB young generation (a ~26 MB eden): the test JVM's collector (G1) has no eden of
 * a fixed size, so it is left out there.
 */
class EdenReserveTest {
  private static final long MB = 1 << 20;
  private static Map<String, Long> probe;

  /** Run in the child JVM: prints what each step saw, one "key value" per line. */
  public static final class Probe {
    private static volatile Object sink;

    private static long count(String collector) {
      for (GarbageCollectorMXBean c : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (c.getName().equals(collector)) return c.getCollectionCount();
      }
      return -1;
    }

    private static void allocate(long bytes) {
      for (long n = bytes / 1024; n > 0; n--) sink = new byte[1008]; // 1,024 bytes each with the array header
    }

    private static void print(String key, long value) {
      System.out.println(key + " " + value);
    }

    public static void main(String[] args) {
      EdenReserve r = new EdenReserve(EdenReserve.eden(), ManagementFactory.getGarbageCollectorMXBeans());
      System.gc(); // an empty eden to start from
      long young = count("Copy");
      long full = count("MarkSweepCompact");
      // a first run: nothing measured yet, so no collection before it, however full the eden
      EdenReserve.Start first = r.before(true);
      allocate(8 * MB);
      print("firstCollected", first.collected() ? 1 : 0);
      print("firstRunBytes", r.after(first));
      print("firstYoung", count("Copy") - young);
      // the eden filled to 4 MB short of its capacity: an 8 MB run would not fit, so a young collection now
      long room = first.edenCapacityBytes() - EdenReserve.eden().getUsage().getUsed();
      allocate(room - 4 * MB);
      young = count("Copy");
      EdenReserve.Start second = r.before(true);
      print("secondCollected", second.collected() ? 1 : 0);
      print("secondYoung", count("Copy") - young);
      print("secondUsedBytes", second.edenUsedBytes());
      allocate(8 * MB);
      print("secondRunBytes", r.after(second));
      // room for the run: no collection
      young = count("Copy");
      EdenReserve.Start third = r.before(true);
      print("thirdCollected", third.collected() ? 1 : 0);
      print("thirdYoung", count("Copy") - young);
      // the same room as the second time, switched off: measured only
      allocate(third.edenCapacityBytes() - EdenReserve.eden().getUsage().getUsed() - 4 * MB);
      young = count("Copy");
      EdenReserve.Start off = r.before(false);
      print("offCollected", off.collected() ? 1 : 0);
      print("offYoung", count("Copy") - young);
      print("full", count("MarkSweepCompact") - full);
    }
  }

  @BeforeAll
  static void runProbe() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-XX:+UseSerialGC",
        "-Xmn32m", "-Xms128m", "-Xmx128m", "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not end");
    assertEquals(0, p.exitValue(), out);
    probe = new TreeMap<>();
    for (String line : out.split("\n")) {
      String[] kv = line.trim().split(" ");
      if (kv.length == 2 && kv[1].matches("-?\\d+")) probe.put(kv[0], Long.parseLong(kv[1]));
    }
    assertEquals(12, probe.size(), out);
  }

  /**
   * The run allocates 8 MB of arrays; the eden's use counts the threads' allocation buffers when handed out,
   * not as filled, so what {@link EdenReserve#after} measured lies within 7-10 MB.
   */
  private static void assertMeasuredAsTheRunsEightMb(String key) {
    long bytes = probe.get(key);
    assertTrue(bytes >= 7 * MB && bytes < 10 * MB, key + " measured " + bytes);
  }

  @Test
  void theFirstRunOfAJvmIsOnlyMeasured() {
    assertEquals(0, probe.get("firstCollected"));
    assertEquals(0, probe.get("firstYoung"));
    assertMeasuredAsTheRunsEightMb("firstRunBytes");
  }

  @Test
  void aRunThatWouldNotFitInTheEdensRoomGetsOneYoungCollectionBeforeIt() {
    assertEquals(1, probe.get("secondCollected"));
    assertEquals(1, probe.get("secondYoung"));
    assertEquals(0, probe.get("full")); // young collections only, never System.gc()'s full one
    // the filling arrays die with the collection: the run starts in an eden holding at most the last one's buffer
    assertTrue(probe.get("secondUsedBytes") < 2 * MB, "eden used after the collection " + probe.get("secondUsedBytes"));
    assertMeasuredAsTheRunsEightMb("secondRunBytes");
  }

  @Test
  void aRunThatFitsGetsNone() {
    assertEquals(0, probe.get("thirdCollected"));
    assertEquals(0, probe.get("thirdYoung"));
  }

  @Test
  void switchedOffItOnlyMeasures() {
    assertEquals(0, probe.get("offCollected"));
    assertEquals(0, probe.get("offYoung"));
  }
}
