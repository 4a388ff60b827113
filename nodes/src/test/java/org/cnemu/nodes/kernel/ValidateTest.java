package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.stream.Collectors;
import org.cnemu.emulator.model.ConfigProblem;
import org.junit.jupiter.api.Test;

class ValidateTest {
  private static List<ConfigProblem> validate(String body) {
    Config e = ConfigFactory.parseString("experiment { " + body + " }").withFallback(ConfigFactory.defaultReference())
        .resolve().getConfig("experiment");
    return KernelModels.problems(e);
  }

  private static String all(List<ConfigProblem> ps) {
    return ps.stream().map(ConfigProblem::format).collect(Collectors.joining("\n"));
  }

  @Test
  void calibrationFilesAreValid() {
    Config e = Calib.load("tcp-1flow-docker-overlay").getConfig("experiment");
    assertTrue(KernelModels.problems(e).isEmpty());
  }

  @Test
  void reportsModelRules() {
    assertTrue(all(validate("profile = nope")).contains("valid profiles: hotcloud19, k5-100g"));
    assertTrue(all(validate("profile = hotclod19")).contains("unknown profile 'hotclod19' (did you mean 'hotcloud19'?)"));
    assertTrue(all(validate("steering = falcn")).contains("unknown steering policy 'falcn' (did you mean 'falcon'?)"));
    assertTrue(all(validate("topology.stack = weird")).contains("unknown stack kind"));
    assertTrue(all(validate("steering = magic")).contains("valid policies:"));
    assertTrue(all(validate("topology.hosts { h1 { cpus = 64 } }")).contains("64 cores"));
    assertTrue(all(validate("workloads = [ { src = \"h9/c1\", dst = \"h2/c1\" } ]")).contains("unknown host 'h9'"));
  }

  @Test
  void reportsWorkloadRulesAtTheirKeys() {
    String topo = "duration = 10ms, topology { stack = native, host-count = 4, hosts { h3 { containers = [x] } } }, ";
    assertTrue(all(validate(topo + "workloads = [ { pattern = ring } ]"))
        .contains("workloads[0].pattern-container: no container 'c1' on host h3"), all(validate(topo + "workloads = [ { pattern = ring } ]")));
    assertTrue(all(validate(topo + "workloads = [ { pattern = ring, pattern-container = \"\" } ]")).isEmpty());
    assertTrue(all(validate(topo + "workloads = [ { pattern = random-pairs, pattern-container = \"\" } ]"))
        .contains("random-pairs makes pattern-count flows"));
    assertTrue(all(validate(topo + "workloads = [ { pattern = incast, pattern-count = 4, pattern-container = \"\", dst = h1 } ]"))
        .contains("incast of 4 senders, but only 3 other hosts"));
    assertTrue(all(validate(topo + "workloads = [ { pattern = ring, pattern-hosts = 9 } ]")).contains("9 hosts, but the topology has 4"));
    assertTrue(all(validate(topo + "workloads = [ { kind = ping-pong, size-distribution = empirical } ]"))
        .contains("size-values: an empirical distribution draws from size-values"));
    assertTrue(all(validate(topo + "workloads = [ { kind = ping-pong, size-distribution = empirical, size-values = [64B, 2MiB, 7] } ]"))
        .contains("size-values[1]: must be between 1B and 1MiB"));
    assertTrue(all(validate(topo + "workloads = [ { kind = ping-pong, size-distribution = empirical, size-values = [64B, 2MiB, 7] } ]"))
        .contains("size-values[2]: expected a size with a unit"));
    assertTrue(all(validate(topo + "workloads = [ { arrival = poisson } ]")).contains("poisson arrivals of an iperf flow need a rate"));
    assertTrue(all(validate(topo + "workloads = [ { kind = ping-pong, arrival = poisson } ]")).contains("need a request-rate"));
    assertTrue(all(validate(topo + "workloads = [ { fan-in = true } ]")).contains("give streams > 1 or a pattern"));
    assertTrue(all(validate(topo + "workloads = [ { pattern = all-to-all, pattern-container = \"\", streams = 2 } ]")).isEmpty());
    // a flow that starts after the end: what was got and what is expected, on one line
    assertTrue(all(validate(topo + "workloads = [ { src = h1, dst = h2, start = 20ms } ]")).contains(
        "workloads[0].start: the flow would start at 20ms, not before the end of the run (duration 10ms); expected a"
            + " start before 10ms or a longer duration"));
    // UDP with the default message-size (128KB, sized for TCP): the line names the default and a size that fits
    assertTrue(all(validate(topo + "workloads = [ { src = h1, dst = h2, protocol = udp } ]")).contains(
        "workloads[0].protocol: a UDP datagram carries at most 65507 B (65535 minus the IP and UDP headers), got"
            + " message-size 128KB (the default, sized for TCP); set message-size, e.g. 1472B"));
    assertTrue(all(validate(topo + "workloads = [ { src = h1, dst = h2, protocol = udp, message-size = 64KiB } ]"))
        .contains("workloads[0].message-size: a UDP datagram carries at most 65507 B (65535 minus the IP and UDP"
            + " headers), got message-size 64KiB"));
  }

  /**
   * Keys a workload sets that its pattern or kind never reads are refused at their line (a run would go without
   * them); the same keys left to the template's defaults, or used by the workload, are not.
   */
  @Test
  void keysTheWorkloadSetsButNeverReadsAreRefusedAtTheirLine() {
    String topo = "duration = 10ms, topology { stack = native, host-count = 4 },\n";
    List<ConfigProblem> p = validate(topo + "workloads = [ { pattern = all-to-all, pattern-container = \"\",\n"
        + " src = \"h1\",\n dst = \"h2\",\n pattern-count = 3 } ]");
    assertEquals(List.of("experiment.workloads[0].src@3", "experiment.workloads[0].dst@4",
        "experiment.workloads[0].pattern-count@5"), keysAndLines(p), all(p));
    assertEquals("pattern = \"all-to-all\" chooses every sender among its hosts, so src is unused: remove it (the"
        + " pattern's endpoints are pattern-container on each host), or remove the pattern for one src -> dst flow",
        p.get(0).message());
    assertEquals("pattern = \"all-to-all\" makes every ordered pair, so pattern-count is unused (it counts incast's"
        + " senders and random-pairs' flows): remove it, or set pattern-hosts to take fewer hosts", p.get(2).message());
    p = validate(topo + "workloads = [ { src = h1, dst = h2,\n think-time = 10us,\n key-size = 32B,\n pattern-hosts = 2 } ]");
    assertEquals(List.of("experiment.workloads[0].pattern-hosts@5", "experiment.workloads[0].key-size@4",
        "experiment.workloads[0].think-time@3"), keysAndLines(p), all(p));
    assertTrue(all(p).contains("workloads[0].think-time: an iperf flow sends message-size at rate, so think-time is"
        + " unused (it is for request-response and ping-pong): remove it, or set kind = \"request-response\" or"
        + " \"ping-pong\""), all(p));
    assertTrue(all(validate(topo + "workloads = [ { kind = ping-pong, src = h1, dst = h2, value-size = 1KB } ]"))
        .contains("workloads[0].value-size: a ping-pong message is message-size each way, so value-size (memcached's"
            + " GET/SET) is unused"));
    // used where they are set: no problem
    assertEquals(List.of(), validate(topo + "workloads = [ { pattern = incast, pattern-container = \"\", dst = h1,"
        + " pattern-count = 2 }, { kind = request-response, src = h1, dst = h2, key-size = 16B, think-time = 1us } ]"));
  }

  private static List<String> keysAndLines(List<ConfigProblem> ps) {
    return ps.stream().map(q -> q.key() + "@" + q.line()).toList();
  }

  /** No loopback path: two ends on one host must be two containers of a docker-overlay host. */
  @Test
  void refusesAFlowThatWouldHairpinThroughTheNic() {
    String two = "duration = 10ms, topology { host-count = 2, hosts { h1 { containers = [c1, c2] } }, stack = ";
    assertTrue(all(validate(two + "docker-overlay }, workloads = [ { src = \"h1/c1\", dst = \"h1/c1\" } ]"))
        .contains("workloads[0].dst: src and dst are the same endpoint 'h1/c1'"));
    assertTrue(all(validate(two + "native }, workloads = [ { src = h1, dst = h1 } ]"))
        .contains("src and dst are the same endpoint 'h1'"));
    assertTrue(all(validate(two + "native }, workloads = [ { src = \"h1/c1\", dst = \"h1/c2\" } ]"))
        .contains("both on host h1, whose stack is native"));
    assertTrue(all(validate(two + "linux-overlay }, workloads = [ { src = \"h1/c1\", dst = \"h1/c2\" } ]"))
        .contains("both on host h1, whose stack is linux-overlay"));
    // the bridge joins two containers of one host (FreeFlow's and vanilla's same-host arms)
    assertTrue(validate(two + "docker-overlay }, workloads = [ { src = \"h1/c1\", dst = \"h1/c2\" } ]").isEmpty());
    assertTrue(validate(two + "native }, workloads = [ { src = \"h1/c1\", dst = \"h2/c1\" } ]").isEmpty());
  }

  /** The kernel model has no traffic of its own: a file without a workload would run zero events. */
  @Test
  void refusesAnExperimentWithoutAWorkload() {
    assertTrue(all(validate("duration = 10ms")).contains("experiment.workloads: no workload: nothing would be sent"));
    assertTrue(all(validate("duration = 10ms, workloads = []")).contains("experiment.workloads: no workload"));
    assertTrue(validate("duration = 10ms, workloads = [ { src = \"h1/c1\", dst = \"h2/c1\" } ]").isEmpty());
  }

  /** Flow ids key results.json's flows and seed each flow's random streams: two flows may not share one. */
  @Test
  void refusesTwoWorkloadsWhoseFlowsShareAnId() {
    String t = "duration = 10ms, topology { stack = native, host-count = 4 }, ";
    assertTrue(all(validate(t + "workloads = [ { id = a, src = h1, dst = h2 }, { id = a, src = h2, dst = h1 } ]"))
        .contains("experiment.workloads[1].id: flow id 'a' is also a flow of workloads[0]"));
    // the default id of the second workload is w2
    assertTrue(all(validate(t + "workloads = [ { id = w2, src = h1, dst = h2 }, { src = h2, dst = h1 } ]"))
        .contains("workloads[1].id: flow id 'w2' is also a flow of workloads[0]"));
    assertTrue(all(validate(t + "workloads = [ { id = r, pattern = ring, pattern-container = \"\" },"
        + " { id = r-2, src = h1, dst = h3 } ]")).contains("workloads[1].id: flow id 'r-2' is also a flow of workloads[0]"));
    assertTrue(all(validate(t + "workloads = [ { id = a, streams = 2, src = h1, dst = h2 }, { id = a-s2, src = h3, dst = h4 } ]"))
        .contains("flow id 'a-s2'"));
    assertTrue(validate(t + "workloads = [ { id = a, streams = 2, src = h1, dst = h2 }, { id = b, kind = ping-pong,"
        + " src = h3, dst = h4 }, { src = h2, dst = h1 } ]").isEmpty());
  }
}
