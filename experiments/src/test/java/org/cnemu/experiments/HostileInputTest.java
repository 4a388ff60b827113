package org.cnemu.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of malformed and hostile experiment files: each one must be refused by {@code validate}
 * with exit code 2 and a line {@code file:line: key: message} naming the key, and no stack trace.
 * Every case here passed {@code validate} (or hung it, or threw) before the key domains, the kernel
 * model's cross-key checks and limits, and the bounded reading of files existed.
 */
class HostileInputTest {
  @TempDir
  Path dir;

  /** A valid two-host Docker-overlay kernel experiment; {@code line7} is line 7, inside the experiment block. */
  static String kernel(String line7) {
    return String.join("\n",
        "experiment {",
        "  name = \"h\"",
        "  duration = 2ms",
        "  model = \"kernel\"",
        "  topology { stack = \"docker-overlay\", host-count = 2 }",
        "  workloads = [ { src = \"h1/c1\", dst = \"h2/c1\" } ]",
        "  " + line7,
        "}", "");
  }

  /** A valid PHOLD experiment; {@code line4} is line 4, inside the experiment block. */
  static String phold(String line4) {
    return String.join("\n", "experiment {", "  name = \"p\"", "  duration = 1ms", "  " + line4, "}", "");
  }

  static String w(String extra) {
    return "workloads = [ { src = \"h1/c1\", dst = \"h2/c1\", " + extra + " } ]";
  }

  static Arguments k(String line7, String key) {
    return Arguments.of(line7, kernel(line7), key, 7);
  }

  static Arguments p(String line4, String key) {
    return Arguments.of(line4, phold(line4), key, 4);
  }

  static Stream<Arguments> corpus() {
    List<Arguments> c = new ArrayList<>(List.of(
        // profile overrides the kernel divides by or loops over
        k("overrides.kernel.gro-max-segs = 0", "experiment.overrides.kernel.gro-max-segs"),
        k("overrides.kernel.napi-weight = 0", "experiment.overrides.kernel.napi-weight"),
        k("overrides.kernel.netdev-budget = 0", "experiment.overrides.kernel.netdev-budget"),
        k("overrides.kernel.max-softirq-restart = 0", "experiment.overrides.kernel.max-softirq-restart"),
        k("overrides.kernel.min-rto = 0ms", "experiment.overrides.kernel.min-rto"),
        k("overrides.kernel.tcp-rmem-default = 8MiB", "experiment.overrides.kernel.tcp-rmem-default"),
        k("overrides.nic.ring = 0", "experiment.overrides.nic.ring"),
        k("overrides.nic.ring-refill-bulk = 2048", "experiment.overrides.nic.ring-refill-bulk"),
        k("overrides.nic.queues = 0", "experiment.overrides.nic.queues"),
        k("overrides.nic.tx-frames = 0", "experiment.overrides.nic.tx-frames"),
        k("overrides.nic.mtu = 0B", "experiment.overrides.nic.mtu"),
        k("overrides.nic.mtu = 65536B", "experiment.overrides.nic.mtu"),
        k("overrides.nic.adaptive-rx.pkt-rate-high = 400000", "experiment.overrides.nic.adaptive-rx.pkt-rate-high"),
        k("overrides.cpus = 0", "experiment.overrides.cpus"),
        k("overrides.costs.irq = 0ns", "experiment.overrides.costs.irq"),
        k("overrides.costs.driver-rx = 10s", "experiment.overrides.costs.driver-rx"),
        // workloads
        k(w("message-size = 0B"), "experiment.workloads[0].message-size"),
        k(w("protocol = \"udp\", message-size = 100KB"), "experiment.workloads[0].message-size"),
        k(w("protocol = \"udp\""), "experiment.workloads[0].protocol"),
        k(w("protocol = \"sctp\""), "experiment.workloads[0].protocol"),
        k(w("protocol = \"TCP\""), "experiment.workloads[0].protocol"),
        k(w("priority = \"urgent\""), "experiment.workloads[0].priority"),
        k(w("kind = \"bulk\""), "experiment.workloads[0].kind"),
        k(w("congestion-control = \"bbr\""), "experiment.workloads[0].congestion-control"),
        k(w("src-cpu = 999"), "experiment.workloads[0].src-cpu"),
        k(w("dst-cpu = 20"), "experiment.workloads[0].dst-cpu"),
        k(w("src-cpu = -2"), "experiment.workloads[0].src-cpu"),
        k(w("streams = 0"), "experiment.workloads[0].streams"),
        k(w("start = 5ms"), "experiment.workloads[0].start"),
        k(w("key-size = 0B"), "experiment.workloads[0].key-size"),
        k(w("value-size = 2MiB"), "experiment.workloads[0].value-size"),
        k(w("get-ratio = 1.5"), "experiment.workloads[0].get-ratio"),
        k(w("rate = 100Tbps"), "experiment.workloads[0].rate"),
        k("workloads = [ { src = \"h1/c1\", dst = \"h2/c9\" } ]", "experiment.workloads[0].dst"),
        k("workloads = [ { src = \"h1/c1/x\", dst = \"h2/c1\" } ]", "experiment.workloads[0].src"),
        k("workloads = [ { src = \"h1/c1\", dst = \"h9/c1\" } ]", "experiment.workloads[0].dst"),
        k("workloads = [ { src = \"h1/c1\", dst = \"h2/c1\", streams = 60000 }, { src = \"h1/c1\", dst = \"h2/c1\", "
            + "streams = 60000 } ]", "experiment.workloads"),
        // topology
        k("topology.link.delay = 0us", "experiment.topology.link.delay"),
        k("topology.link.rate = -1Gbps", "experiment.topology.link.rate"),
        k("topology.link.queue = 1000B", "experiment.topology.link.queue"),
        k("topology.host-count = 100000000", "experiment.topology.host-count"),
        k("topology.host-count = 200000", "experiment.topology.host-count"),
        k("topology { fabric = \"leaf-spine\", leaf-spine { leaves = 100000, hosts-per-leaf = 100000 } }",
            "experiment.topology.leaf-spine.hosts-per-leaf"),
        k("topology { fabric = \"leaf-spine\", leaf-spine { leaves = 65536, hosts-per-leaf = 65536 } }",
            "experiment.topology.leaf-spine.hosts-per-leaf"),
        k("topology.leaf-spine.uplink.rate = 0bps", "experiment.topology.leaf-spine.uplink.rate"),
        k("topology.fabric = \"ring\"", "experiment.topology.fabric"),
        k("topology.stack = \"docker\"", "experiment.topology.stack"),
        k("topology.hosts.h1.cpus = 5000", "experiment.topology.hosts.h1.cpus"),
        k("topology.hosts.h1.stack = \"dpdk\"", "experiment.topology.hosts.h1.stack"),
        k("topology.hosts.h1.nic.ring-size = -4", "experiment.topology.hosts.h1.nic.ring-size"),
        // the host-level checks name a host by its quoted key, as every TopologyChecks problem does
        k("profile = \"k5-100g\", topology.hosts.h1.nic.ring-size = 4",
            "experiment.topology.hosts.\"h1\".nic.ring-size"),
        k("throughput-interval = 0ms", "experiment.throughput-interval"),
        k("duration = 3600s, throughput-interval = 1us", "experiment.throughput-interval"),
        // engine
        k("engine.partitions = 100000", "experiment.engine.partitions"),
        k("engine.partitions = 4", "experiment.engine.partitions"),
        k("engine.threads = 100000", "experiment.engine.threads"),
        k("engine.placement = \"random\"", "experiment.engine.placement"),
        k("runs = 3000000000", "experiment.runs"),
        k("runs = 0", "experiment.runs"),
        k("seed = -1", "experiment.seed"),
        k("warmup = 5ms", "experiment.warmup"),
        k("limits.hosts = 0", "experiment.limits.hosts"),
        // steering
        k("steering = \"mflow\", steering-settings.mflow.batch = 0", "experiment.steering-settings.mflow.batch"),
        k("steering-settings.mflow.split-point = \"middle\"", "experiment.steering-settings.mflow.split-point"),
        k("steering-settings.falcon.load-threshold = 0", "experiment.steering-settings.falcon.load-threshold"),
        k("steering-settings.freeflow.monitor = \"gpu\"", "experiment.steering-settings.freeflow.monitor"),
        k("steering-settings.rps.boundaries = [\"EVERYWHERE\"]", "experiment.steering-settings.rps.boundaries[0]"),
        k("steering = \"rps\", steering-settings.rps.cpus = [50]", "experiment.steering-settings.rps.cpus"),
        k("steering-settings.rps.cpus = [-1]", "experiment.steering-settings.rps.cpus[0]"),
        // one bad setting per policy that has settings, each refused by the policy's own parse (the core lists: by
        // that alone, against each host's core count)
        k("steering = \"rfs\", steering-settings.rfs.flow-entries = 0", "experiment.steering-settings.rfs.flow-entries"),
        k("steering = \"falcon\", steering-settings.falcon.cpus = [40]", "experiment.steering-settings.falcon.cpus"),
        k("steering = \"falcon\", steering-settings.falcon.tick = 0ms", "experiment.steering-settings.falcon.tick"),
        k("steering = \"falcon\", steering-settings.falcon.tick = 10", "experiment.steering-settings.falcon.tick"),
        k("steering-settings.freeflow.slot-size = 2MiB", "experiment.steering-settings.freeflow.slot-size"),
        k("steering = \"mflow-nomerge\", steering-settings.mflow-nomerge.cpus = [20, 30]",
            "experiment.steering-settings.mflow-nomerge.cpus"),
        k("steering = \"prism-batch\", steering-settings.prism-batch.split-cpus = [64]",
            "experiment.steering-settings.prism-batch.split-cpus"),
        k("steering = \"prism-sync\", steering-settings.prism-sync.min-priority = 2",
            "experiment.steering-settings.prism-sync.min-priority"),
        k("steering = \"freeflow\", steering-settings.freeflow.doorbell-batch = 0",
            "experiment.steering-settings.freeflow.doorbell-batch"),
        k("topology.hosts.h2.cpus = 4, steering = \"rps\", steering-settings.rps.cpus = [6, 8]",
            "experiment.steering-settings.rps.cpus"),
        k("compare.steering = [vanilla, nosuch]", "experiment.compare.steering[1]"),
        k("compare.steering = [1, vanilla]", "experiment.compare.steering[0]"),
        k("steering = \"nosuch\"", "experiment.steering"),
        k("profile = \"nosuch\"", "experiment.profile"),
        // PHOLD
        p("phold.lps = 0", "experiment.phold.lps"),
        p("phold { lps = 10000000, population = 1000000 }", "experiment.phold.population"),
        p("engine.partitions = 100, phold.lps = 64", "experiment.engine.partitions"),
        p("phold.lookahead = 0ns", "experiment.phold.lookahead"),
        p("phold.remote = 2", "experiment.phold.remote"),
        p("sweep { seed = [" + range(101) + "], phold.population = [" + range(101) + "] }", "experiment.sweep"),
        // experiment files may not change the security posture
        pekko("pekko.remote.artery.canonical.port = 25599", "pekko.remote.artery.canonical.port"),
        pekko("pekko.remote.artery.canonical.hostname = \"0.0.0.0\"", "pekko.remote.artery.canonical.hostname"),
        pekko("pekko.remote.artery.bind.hostname = \"0.0.0.0\"", "pekko.remote.artery.bind.hostname"),
        pekko("pekko.remote.artery.transport = tcp", "pekko.remote.artery.transport"),
        pekko("pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication = off",
            "pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"),
        pekko("pekko.actor.allow-java-serialization = on", "pekko.actor.allow-java-serialization"),
        pekko("pekko.actor.serialization-bindings { \"java.lang.Object\" = java }",
            "pekko.actor.serialization-bindings.\"java.lang.Object\""),
        pekko("pekko.actor.provider = cluster", "pekko.actor.provider"),
        pekko("pekko { remote { \"artery.canonical\" { port = 1 } } }", "pekko.remote.\"artery.canonical\".port"),
        pekko("pekko.remote.artery.advanced.tcp.outbound-client-hostname = \"10.0.0.1\"",
            "pekko.remote.artery.advanced.tcp.outbound-client-hostname"),
        pekko("pekko.actor.default-dispatcher.throughput = null", "pekko.actor.default-dispatcher.throughput"),
        pekko("kamon.prometheus.embedded-server.hostname = \"0.0.0.0\"", "kamon.prometheus.embedded-server.hostname"),
        pekko("kamon.prometheus.embedded-server.port = 9095", "kamon.prometheus.embedded-server.port"),
        pekko("kamon.status-page.listen.hostname = \"0.0.0.0\"", "kamon.status-page.listen.hostname"),
        pekko("kamon.modules.status-page.enabled = yes", "kamon.modules.status-page.enabled"),
        pekko("kamon = 5", "kamon")));
    return c.stream();
  }

  /** A valid PHOLD file with {@code line2} (a top-level pekko/kamon key) at line 2. */
  static Arguments pekko(String line2, String key) {
    return Arguments.of(line2, "experiment.name = \"x\"\n" + line2 + "\n", key, 2);
  }

  static String range(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ", ").append(i);
    return sb.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void refusedWithTheKeyAndLine(String name, String text, String key, int line) throws IOException {
    Path f = TestFiles.write(dir, "e.conf", text);
    TestFiles.CliRun r = TestFiles.cli("validate", f.toString());
    assertEquals(2, r.code(), () -> "accepted or failed differently: " + r.out() + r.err());
    String prefix = f + ":" + line + ": " + (key == null ? "" : key + ": ");
    assertTrue(r.err().lines().anyMatch(l -> l.startsWith(prefix)), () -> "no line starting '" + prefix + "' in:\n" + r.err());
    assertNoStackTrace(r);
  }

  static void assertNoStackTrace(TestFiles.CliRun r) {
    String all = r.out() + r.err();
    assertFalse(all.contains("\tat ") || all.contains("Exception") || all.contains("Error:"), all);
  }

  /** The shipped examples and the allowed tuning keys still pass: the checks refuse only what cannot run. */
  @Test
  void tuningKeysAndValidEdgesPass() throws IOException {
    String[] ok = {
        "experiment.name = \"x\"\npekko.actor.default-dispatcher.throughput = 10\n"
            + "pekko.remote.artery.advanced.outbound-message-queue-size = 30000\n"
            + "pekko.actor.default-dispatcher.fork-join-executor { parallelism-max = 4 }\npekko.loglevel = ERROR\n"
            + "kamon.metric.tick-interval = 1s\nkamon.metric.factory.default-settings.histogram.significant-value-digits = 2\n"
            + "kamon { }\npekko { }\n",
        kernel("engine.partitions = 3"),
        kernel("topology.link.delay = 1ns"),
        kernel(w("src-cpu = 19, dst-cpu = -1")),
        kernel(w("protocol = \"udp\", message-size = 65507B")),
        kernel("topology.host-count = 100000, limits.hosts = 100000"),
        kernel("topology.host-count = 200000, limits.hosts = 200000"),
        kernel("topology.hosts.h1.containers = [c1, c2], workloads = [ { src = \"h1/c2\", dst = \"h2\" } ]"),
        kernel("compare.steering = [vanilla, mflow], steering-settings.mflow.batch = 1"),
        phold("phold { lps = 1, population = 1 }"),
        phold("output.dir = \"target/\"${experiment.name}\"-\"${experiment.name}"),
    };
    for (String text : ok) {
      Path f = TestFiles.write(dir, "ok.conf", text);
      TestFiles.CliRun r = TestFiles.cli("validate", f.toString());
      assertEquals(0, r.code(), () -> text + "\n" + r.err());
    }
  }

  /** Files that must not be read at all, or whose structure would overflow the parser's stack. */
  @Test
  void unreadableFilesAreRefusedInOneLine() throws Exception {
    List<String[]> cases = new ArrayList<>();
    cases.add(new String[] {"/dev/zero", "/dev/zero: not a regular file"});
    Path deep = TestFiles.write(dir, "deep.conf", "experiment {" + " a {".repeat(100_000) + "}".repeat(100_001) + "\n");
    cases.add(new String[] {deep.toString(), deep + ":1: braces and brackets nested more than 64 levels deep"});
    Path path = TestFiles.write(dir, "path.conf", "experiment." + "a.".repeat(20_000) + "b = 1\n");
    cases.add(new String[] {path.toString(), path + ": nested too deeply to read"});
    Path big = TestFiles.write(dir, "big.conf", "experiment.name = x\n" + "#".repeat(5 << 20) + "\n");
    cases.add(new String[] {big.toString(), big + ": file of "});
    Path incZero = TestFiles.write(dir, "inczero.conf", "include file(\"/dev/zero\")\nexperiment.name = x\n");
    cases.add(new String[] {incZero.toString(), "/dev/zero: not a regular file"});
    Path incBig = TestFiles.write(dir, "incbig.conf", "include \"big.conf\"\nexperiment.name = x\n");
    cases.add(new String[] {incBig.toString(), big + ": file of "});
    Path incUrl = TestFiles.write(dir, "incurl.conf", "include url(\"http://127.0.0.1:1/x.conf\")\nexperiment.name = x\n");
    cases.add(new String[] {incUrl.toString(), incUrl + ": include of http://127.0.0.1:1/x.conf: an experiment includes"
        + " local files only"});
    Path incUrl2 = TestFiles.write(dir, "incurl2.conf", "include \"http://127.0.0.1:1/y.conf\"\nexperiment.name = x\n");
    cases.add(new String[] {incUrl2.toString(), incUrl2 + ": include of http://127.0.0.1:1/y.conf"});
    Path fifo = dir.resolve("fifo.conf");
    boolean haveFifo = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0;
    if (haveFifo) {
      cases.add(new String[] {fifo.toString(), fifo + ": not a regular file"});
      Path incFifo = TestFiles.write(dir, "incfifo.conf", "include \"fifo.conf\"\nexperiment.name = x\n");
      cases.add(new String[] {incFifo.toString(), fifo + ": not a regular file"});
    }
    cases.add(new String[] {dir.toString(), dir + ": is a directory"});
    // substitutions that expand exponentially ("billion laughs"): refused before HOCON resolves them
    StringBuilder laughs = new StringBuilder("experiment.x.a = \"xxxxxxxx\"\n");
    for (char c = 'b'; c <= 'i'; c++) {
      laughs.append("experiment.x.").append(c).append(" = ").append(("${experiment.x." + (char) (c - 1) + "}").repeat(8))
          .append('\n');
    }
    Path l = TestFiles.write(dir, "laughs.conf", laughs.toString());
    cases.add(new String[] {l.toString(), l + ":8: experiment.x.h: its substitutions (${...}) expand to more than"});
    Path doubling = TestFiles.write(dir, "doubling.conf", "experiment.name = \"x\"\n"
        + "experiment.name = ${experiment.name}${experiment.name}\n".repeat(40));
    cases.add(new String[] {doubling.toString(), doubling + ":"});
    for (String[] c : cases) {
      TestFiles.CliRun r = TestFiles.cli("validate", c[0]);
      assertEquals(2, r.code(), () -> c[0] + ": " + r.out() + r.err());
      assertTrue(r.err().startsWith(c[1]), () -> "expected '" + c[1] + "...', got:\n" + r.err());
      assertEquals(2, r.err().lines().count(), r.err()); // the problem and "1 problem"
      assertNoStackTrace(r);
    }
    assertTrue(haveFifo || !Files.exists(fifo));
  }
}
