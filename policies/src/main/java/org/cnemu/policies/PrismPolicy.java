package org.cnemu.policies;

import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.Cores;
import org.cnemu.kernel.api.SettingsReader;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/**
 * PRISM (ICDCS'22): flows tagged high priority get their own queue at every stage (the host keeps
 * a high-priority queue beside each per-CPU gro_cell and backlog, drained first and without quota);
 * enqueuing high-priority work moves that NAPI instance to the head of the poll list, and
 * net_rx_action pops one instance at a time from the head ({@code POP_HEAD}, not splice-at-entry),
 * so high-priority work preempts at batch boundaries and a batch goes through all its stages before
 * the next low-priority batch ({@code prism-batch}). {@code prism-sync}: high-priority skbs run to
 * completion through all later stages at once (no gro_cell or backlog queueing). Optional
 * first-stage split: low-priority packets leave the pNIC poll for other cores right after the driver
 * and lose GRO, as in the real patch.
 */
public final class PrismPolicy implements SteeringPolicy {
  public static final String BATCH = "prism-batch";
  public static final String SYNC = "prism-sync";

  /**
   * The settings block {@code experiment.steering-settings.prism-batch} (or {@code prism-sync});
   * {@code splitCpus} as written ([] = every core of the host).
   */
  public record Settings(int minPriority, boolean splitLow, Cores splitCpus) {
    static Parsed<Settings> parse(SettingsReader r) {
      Settings s = new Settings(r.wholeNumber("min-priority"), r.flag("split-low-priority"), r.cores("split-cpus"));
      return r.result(() -> s);
    }
  }

  private final String name;
  private final boolean sync;
  private final Settings s;
  /** The cores low-priority packets are split to, on this host. */
  private final int[] splitCpus;

  public PrismPolicy(String name, boolean sync, Settings s, int hostCpus) {
    this.name = name;
    this.sync = sync;
    this.s = s;
    this.splitCpus = s.splitCpus().onHost(hostCpus);
  }

  @Override
  public String name() {
    return name;
  }

  private boolean hi(StageContext ctx) {
    return ctx.priority() >= s.minPriority();
  }

  @Override
  public int targetCpu(Boundary b, StageContext ctx) {
    if (b == Boundary.AFTER_DRIVER && s.splitLow() && !hi(ctx) && !ctx.transmit()) {
      return splitCpus[Cpus.pick(Cpus.hash32(ctx.flowHash()), splitCpus.length)];
    }
    return ctx.cpu();
  }

  @Override
  public boolean groAfterSplit(StageContext ctx) {
    return false; // the split low-priority packets lose GRO
  }

  @Override
  public boolean highPriority(Boundary b, StageContext ctx) {
    return hi(ctx);
  }

  @Override
  public boolean runToCompletion(Boundary b, StageContext ctx) {
    return sync && hi(ctx) && !ctx.transmit();
  }

  @Override
  public PollMode pollMode() {
    return PollMode.POP_HEAD;
  }

  @Override
  public boolean scheduleAtHead(boolean highPriorityWork) {
    return highPriorityWork;
  }

  public static final class BatchProvider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return BATCH;
    }

    @Override
    public String description() {
      return "PRISM (ICDCS'22) batch: high-priority queue per stage, head-of-list NAPI, preemption at batch boundaries";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader settings) {
      return Settings.parse(settings);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new PrismPolicy(BATCH, false, settings, cpus);
    }
  }

  public static final class SyncProvider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return SYNC;
    }

    @Override
    public String description() {
      return "PRISM (ICDCS'22) sync: high-priority packets run to completion through all stages, no queueing";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader settings) {
      return Settings.parse(settings);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new PrismPolicy(SYNC, true, settings, cpus);
    }
  }
}
