package org.cnemu.policies;

import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.SettingsReader;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/**
 * Linux RFS (get_rps_cpu with rps_sock_flow_table): steer a flow to the core of its last recvmsg;
 * the flow moves only when its old core has dequeued past the flow's last enqueue there
 * (input_queue_head >= last_qtail), so per-flow order is kept. Without a recorded core, RPS hashing.
 */
public final class RfsPolicy extends RpsPolicy {
  public static final String NAME = "rfs";

  /**
   * The settings block {@code experiment.steering-settings.rfs}: RPS's, plus the size of
   * rps_sock_flow_table (rounded down to a power of two, as the kernel does).
   */
  public record Settings(RpsPolicy.Settings rps, int flowEntries) {}

  private final int mask;
  private final int[] flowCpu;
  private final long[] lastQtail;

  public RfsPolicy(Settings s, int cpus) {
    super(s.rps(), cpus);
    int size = Integer.highestOneBit(Math.max(1, s.flowEntries()));
    mask = size - 1;
    flowCpu = new int[size];
    lastQtail = new long[size];
    java.util.Arrays.fill(flowCpu, -1);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int targetCpu(Boundary boundary, StageContext ctx) {
    if (!active(boundary)) return ctx.cpu();
    int slot = ctx.flowHash() & mask;
    int desired = ctx.lastRecvCpu();
    if (desired < 0 || desired >= ctx.cpus()) desired = map[scale(ctx.flowHash(), map.length)];
    int cur = flowCpu[slot];
    if (cur != desired && cur >= 0 && ctx.backlogDequeued(cur) < lastQtail[slot]) {
      desired = cur; // old core still holds packets of this flow: keep order
    }
    flowCpu[slot] = desired;
    lastQtail[slot] = ctx.backlogEnqueued(desired) + ctx.segments();
    return desired;
  }

  public static final class Provider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "Linux RFS: steer each flow to the core of its last recvmsg, moving only when the old queue drained";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader r) {
      Settings s = new Settings(RpsPolicy.Settings.read(r), r.wholeNumber("flow-entries"));
      return r.result(() -> s);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new RfsPolicy(settings, cpus);
    }
  }
}
