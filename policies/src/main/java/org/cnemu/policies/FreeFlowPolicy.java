package org.cnemu.policies;

import com.typesafe.config.Config;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.SharedMemorySpec;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/**
 * FreeFlow (NSDI'19)-style kernel bypass: two containers on the same host exchange data through a
 * lockless single-producer single-consumer shared-memory ring (copy in, copy out; no kernel stage,
 * no IRQ); socket/connect/accept go through per-container request/event queues to a monitor on a
 * dedicated core, or offloaded to a programmable NIC with doorbell batching. Flows between hosts
 * take the overlay path, where this policy steers like vanilla. The ring and monitor are the host
 * model's ({@code ShmPath}); this policy only decides which flows use them and with what parameters.
 */
public final class FreeFlowPolicy implements SteeringPolicy {
  public static final String NAME = "freeflow";

  /** The settings block {@code experiment.steering-settings.freeflow}. */
  public record Settings(SharedMemorySpec channel) {
    static Settings of(Config c) {
      return new Settings(new SharedMemorySpec(c.getInt("ring-slots"), (int) c.getBytes("slot-size").longValue(),
          c.getInt("push-line-transfers"), c.getInt("pop-line-transfers"), c.getString("monitor").equals("nic"),
          c.getDuration("monitor-request").toNanos(), c.getDuration("doorbell-cost").toNanos(),
          c.getInt("doorbell-batch"), c.getDuration("nic-request").toNanos(), c.getDuration("pcie-latency").toNanos()));
    }
  }

  private final Settings s;

  public FreeFlowPolicy(Settings s) {
    this.s = s;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int targetCpu(Boundary boundary, StageContext ctx) {
    return ctx.cpu(); // kernel path (cross-host flows): vanilla
  }

  @Override
  public SharedMemorySpec sharedMemory(boolean sameHost, int flowId) {
    return sameHost ? s.channel() : null;
  }

  public static final class Provider implements SteeringPolicyProvider {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "FreeFlow (NSDI'19)-style: same-host containers over a shared-memory ring + monitor (core or SmartNIC); overlay across hosts";
    }

    @Override
    public SteeringPolicy create(Config settings, int cpus, String hostId) {
      String m = settings.getString("monitor");
      if (!m.equals("core") && !m.equals("nic")) {
        throw new IllegalArgumentException("freeflow.monitor must be core or nic, got " + m);
      }
      return new FreeFlowPolicy(Settings.of(settings));
    }
  }
}
