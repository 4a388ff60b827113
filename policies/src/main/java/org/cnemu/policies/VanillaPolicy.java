package org.cnemu.policies;

import com.typesafe.config.Config;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/** Linux without RPS/RFS: RSS picks the queue, every later softirq stage runs on the IRQ core. */
public final class VanillaPolicy implements SteeringPolicy {
  public static final String NAME = "vanilla";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int targetCpu(Boundary boundary, StageContext ctx) {
    return ctx.cpu();
  }

  public static final class Provider implements SteeringPolicyProvider {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "RSS only: every softirq stage of a flow on the core that took the IRQ (Linux default)";
    }

    @Override
    public SteeringPolicy create(Config settings, int cpus, String hostId) {
      return new VanillaPolicy();
    }
  }
}
