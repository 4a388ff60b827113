package org.cnemu.nodes.kernel;

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
    return new KernelModelProvider().validate(e);
  }

  private static String all(List<ConfigProblem> ps) {
    return ps.stream().map(ConfigProblem::format).collect(Collectors.joining("\n"));
  }

  @Test
  void calibrationFilesAreValid() {
    Config e = Calib.load("tcp-1flow-docker-overlay").getConfig("experiment");
    assertTrue(new KernelModelProvider().validate(e).isEmpty());
  }

  @Test
  void reportsModelRules() {
    assertTrue(all(validate("profile = nope")).contains("valid profiles: hotcloud19, k5-100g"));
    assertTrue(all(validate("topology.stack = weird")).contains("unknown stack kind"));
    assertTrue(all(validate("steering = magic")).contains("valid policies:"));
    assertTrue(all(validate("topology.hosts { h1 { cpus = 64 } }")).contains("64 cores"));
    assertTrue(all(validate("workloads = [ { src = \"h9/c1\", dst = \"h2/c1\" } ]")).contains("unknown host 'h9'"));
  }
}
