package org.cnemu.policies;

import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
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
    static Parsed<Settings> parse(SettingsReader r) {
      int slots = r.wholeNumber("ring-slots");
      int slotBytes = (int) r.bytes("slot-size");
      int push = r.wholeNumber("push-line-transfers");
      int pop = r.wholeNumber("pop-line-transfers");
      boolean nic = r.oneOf("monitor").equals("nic");
      long monitorRequest = r.nanos("monitor-request");
      long doorbell = r.nanos("doorbell-cost");
      int batch = r.wholeNumber("doorbell-batch");
      long nicRequest = r.nanos("nic-request");
      long pcie = r.nanos("pcie-latency");
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
    public Parsed<Settings> parse(SettingsReader settings) {
      return Settings.parse(settings);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new FreeFlowPolicy(settings);
    }
  }
}
