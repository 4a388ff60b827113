package org.cnemu.policies;

import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.Cores;
import org.cnemu.kernel.api.SettingsReader;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/**
 * mFlow (IPDPS'23): split one flow into micro-flows of {@code batch} consecutive packets, handed
 * round-robin to a set of cores at the split point (before pNIC GRO = AFTER_DRIVER, or after it =
 * AFTER_GRO); each micro-flow then runs every later stage (VXLAN, gro_cell, bridge, veth, backlog,
 * IP) on its core, so the heavy stages of one flow run in parallel; the host merges the micro-flows
 * back in order just before the transport (reorder buffer), so TCP sees no reordering.
 * {@code mflow-nomerge} is the same split without the merge, to show what reordering does to TCP.
 * Receive path, data skbs only (pure ACKs are not split).
 */
public final class MflowPolicy implements SteeringPolicy {
  public static final String NAME = "mflow";
  public static final String NAME_NOMERGE = "mflow-nomerge";

  /**
   * The settings block {@code experiment.steering-settings.mflow} (or {@code mflow-nomerge}); {@code cpus}
   * as written ([] = every core of the host).
   */
  public record Settings(Cores cpus, int batch, Boundary splitAt, boolean merge, long mergeTimeoutNanos) {
    static Parsed<Settings> parse(SettingsReader r) {
      Boundary at = r.oneOf("split-point").equals("before-gro")
          ? Boundary.AFTER_DRIVER : Boundary.AFTER_GRO;
      Settings s = new Settings(r.cores("cpus"), r.wholeNumber("batch"), at, r.flag("merge"),
          r.nanos("merge-timeout"));
      return r.result(() -> s);
    }
  }

  private final String name;
  private final Settings s;
  /** The splitting cores on this host. */
  private final int[] cpus;
  /** Per flow id: packets split so far (the micro-flow index is packets / batch). */
  private long[] packets = new long[16];

  public MflowPolicy(String name, Settings s, int hostCpus) {
    this.name = name;
    this.s = s;
    this.cpus = s.cpus().onHost(hostCpus);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int targetCpu(Boundary b, StageContext ctx) {
    if (b != s.splitAt() || ctx.transmit() || ctx.pureAck() || ctx.flowId() < 0) return ctx.cpu();
    int f = ctx.flowId();
    if (f >= packets.length) packets = java.util.Arrays.copyOf(packets, Math.max(f + 1, packets.length * 2));
    long n = packets[f];
    packets[f] = n + ctx.segments();
    long micro = n / s.batch();
    // start each flow at a core of its own (by hash) and go round-robin from there
    int start = Cpus.pick(Cpus.hash32(ctx.flowHash()), cpus.length);
    return cpus[(int) ((start + micro) % cpus.length)];
  }

  @Override
  public boolean mergeBeforeTransport() {
    return s.merge();
  }

  @Override
  public long mergeTimeoutNanos() {
    return s.mergeTimeoutNanos();
  }

  public static final class Provider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "mFlow (IPDPS'23): split a flow into micro-flows processed on several cores, merged in order before TCP";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader settings) {
      return Settings.parse(settings);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new MflowPolicy(NAME, settings, cpus);
    }
  }

  public static final class NoMergeProvider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return NAME_NOMERGE;
    }

    @Override
    public String description() {
      return "mFlow's micro-flow split without the in-order merge (shows what reordering does to TCP)";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader settings) {
      return Settings.parse(settings);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new MflowPolicy(NAME_NOMERGE, settings, cpus);
    }
  }
}
