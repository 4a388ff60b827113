package org.cnemu.policies;

import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SettingsReader;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/** Linux without RPS/RFS: RSS picks the queue, every later softirq stage runs on the IRQ core. */
public final class VanillaPolicy implements SteeringPolicy {
  public static final String NAME = "vanilla";

  /** Vanilla has no settings. */
  public record Settings() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int targetCpu(Boundary boundary, StageContext ctx) {
    return ctx.cpu();
  }

  public static final class Provider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "RSS only: every softirq stage of a flow on the core that took the IRQ (Linux default)";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader settings) {
      return Parsed.of(new Settings());
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new VanillaPolicy();
    }
  }
}
