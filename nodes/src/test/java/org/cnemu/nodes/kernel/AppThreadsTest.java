package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/**
 * A host's {@code app_threads} in results.json: its app threads, written only when they outnumber its cores (threads
 * are pinned to their cores for the whole run, so the run summary names such a host). A fan-in server and a
 * request-response connection's two directions share one thread, so they count once.
 */
class AppThreadsTest {
  private static Calib.Run run(String workload) {
    Config e = ConfigFactory.parseString("experiment {\n name = t, seed = 1, model = kernel, profile = hotcloud19,\n"
            + " steering = vanilla, warmup = 0ms, duration = 200us,\n"
            + " topology { stack = native, host-count = 2, hosts { h1 { cpus = 2 }, h2 { cpus = 2 } } },\n"
            + " workloads = [ { src = \"h1/c1\", dst = \"h2/c1\", start-jitter = 0us, " + workload + " } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
    return Calib.run(e, 1, 1);
  }

  @Test
  void aHostWithMoreAppThreadsThanCoresReportsThem() {
    Calib.Run r = run("protocol = udp, message-size = 1472B, rate = 1Gbps, streams = 3");
    assertEquals(3, r.host("h1").get("app_threads"), "three senders on two cores");
    assertEquals(3, r.host("h2").get("app_threads"), "three readers on two cores");
    Calib.Run fanIn = run("protocol = udp, message-size = 1472B, rate = 1Gbps, streams = 3, fan-in = true");
    assertEquals(3, fanIn.host("h1").get("app_threads"));
    assertFalse(fanIn.host("h2").containsKey("app_threads"), "one server thread: the key is not written");
    Calib.Run rr = run("kind = request-response, streams = 2");
    assertFalse(rr.host("h1").containsKey("app_threads"), "two connections, a thread each, on two cores");
    assertFalse(rr.host("h2").containsKey("app_threads"));
  }
}
