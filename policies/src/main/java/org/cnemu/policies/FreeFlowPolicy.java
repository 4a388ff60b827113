package org.cnemu.policies;

import com.typesafe.config.Config;
import java.util.Set;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.ParsedSettings;
import org.cnemu.kernel.api.SettingsReader;
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
    static ParsedSettings<Settings> parse(Config c) {
      SettingsReader r = new SettingsReader(c, Set.of());
      long ms = 1_000_000;
      int slots = r.wholeNumber("ring-slots", 1, 1 << 20);
      int slotBytes = (int) r.bytes("slot-size", 64, 1 << 20);
      int push = r.wholeNumber("push-line-transfers", 0, 64);
      int pop = r.wholeNumber("pop-line-transfers", 0, 64);
      boolean nic = r.oneOf("monitor", "core", "nic").equals("nic");
      long monitorRequest = r.nanos("monitor-request", 1, ms);
      long doorbell = r.nanos("doorbell-cost", 1, ms);
      int batch = r.wholeNumber("doorbell-batch", 1, 1024);
      long nicRequest = r.nanos("nic-request", 1, ms);
      long pcie = r.nanos("pcie-latency", 1, ms);
      return r.result(() -> new Settings(new SharedMemorySpec(slots, slotBytes, push, pop, nic, monitorRequest, doorbell,
          batch, nicRequest, pcie)));
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

  public static final class Provider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "FreeFlow (NSDI'19)-style: same-host containers over a shared-memory ring + monitor (core or SmartNIC); overlay across hosts";
    }

    @Override
    public ParsedSettings<Settings> parse(Config settings, Set<Integer> hostCpus) {
      return Settings.parse(settings);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new FreeFlowPolicy(settings);
    }
  }
}
