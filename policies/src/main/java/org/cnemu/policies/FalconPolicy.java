package org.cnemu.policies;

import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.Cores;
import org.cnemu.kernel.api.SettingsReader;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/**
 * Falcon (EuroSys'21): (1) softirq pipelining: at each netif_rx hand-off (VXLAN gro_cell, veth
 * backlog) the next stage runs on {@code cpus[hash32(flow_hash + ifindex) mod n]}, so the stages of
 * one flow land on different cores (each device has its own ifindex) while each stage of a flow
 * stays on one core (no reordering); (2) softirq splitting: the pNIC stage hands packets over before
 * GRO (driver on the IRQ core, GRO and the rest elsewhere); (3) dynamic balancing: every
 * {@code tick} each core's load is an EWMA {@code L = (w L + busy%) / (w + 1)}; Falcon is active
 * only while the average load of its cores is under {@code threshold}, and a stage whose hashed
 * core is at or over it is rehashed once. Only received skbs are steered: the prototype (Linux 5.4.64,
 * net/core/dev.c netif_rx_internal) steers an skb only when its mlx5 receive path marked it
 * (skb->is_udp / is_tcp, set by set_packet_type in en_rx.c); a socket's skb is zeroed at allocation, so
 * the sender's veth netif_rx takes the stock path to its own CPU's backlog ({@link StageContext#transmit}).
 */
public final class FalconPolicy implements SteeringPolicy {
  public static final String NAME = "falcon";

  /**
   * The settings block {@code experiment.steering-settings.falcon}; {@code cpus} as written ([] = every core
   * of the host).
   */
  public record Settings(Cores cpus, boolean pipelining, boolean splitting, long tickNanos, int ewmaWeight,
      double thresholdPercent, boolean balancing) {
    static Parsed<Settings> parse(SettingsReader r) {
      Settings s = new Settings(r.cores("cpus"), r.flag("pipelining"), r.flag("splitting"),
          r.nanos("tick"), r.wholeNumber("ewma-weight"), r.number("load-threshold"),
          r.flag("balancing"));
      return r.result(() -> s);
    }
  }

  private final Settings s;
  /** The cores stages may be placed on, on this host. */
  private final int[] cpus;
  private final double[] load; // EWMA per host core, percent
  private final long[] lastBusy;
  private boolean active = true;
  long ticks;

  public FalconPolicy(Settings s, int hostCpus) {
    this.s = s;
    this.cpus = s.cpus().onHost(hostCpus);
    this.load = new double[hostCpus];
    this.lastBusy = new long[hostCpus];
  }

  @Override
  public String name() {
    return NAME;
  }

  public boolean active() {
    return active;
  }

  public double load(int cpu) {
    return load[cpu];
  }

  @Override
  public int targetCpu(Boundary b, StageContext ctx) {
    // the sender's veth -> backlog hand-off stays local: Falcon's netif_rx steers only skbs its NIC driver marked
    if (!active || ctx.transmit()) return ctx.cpu();
    boolean use = switch (b) {
      case AFTER_DRIVER -> s.splitting();
      case GRO_CELL, BACKLOG -> s.pipelining();
      default -> false;
    };
    if (!use) return ctx.cpu();
    int key = ctx.flowHash() + ctx.ifindex() + (b == Boundary.AFTER_DRIVER ? 0x5bd1e995 : 0);
    int cpu = cpus[Cpus.pick(Cpus.hash32(key), cpus.length)];
    if (s.balancing() && load[cpu] >= s.thresholdPercent()) {
      cpu = cpus[Cpus.pick(Cpus.hash32(key + 1), cpus.length)]; // rehash once
    }
    return cpu;
  }

  @Override
  public long tickNanos() {
    return s.balancing() ? s.tickNanos() : 0;
  }

  @Override
  public void onTick(StageContext host) {
    ticks++;
    for (int c = 0; c < load.length; c++) {
      long busy = host.busyNanos(c);
      double pct = Math.min(100.0, 100.0 * (busy - lastBusy[c]) / s.tickNanos());
      lastBusy[c] = busy;
      load[c] = (s.ewmaWeight() * load[c] + pct) / (s.ewmaWeight() + 1);
    }
    double avg = 0;
    for (int c : cpus) avg += load[c];
    avg /= cpus.length;
    active = avg < s.thresholdPercent();
  }

  public static final class Provider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "Falcon (EuroSys'21): pipeline a flow's softirq stages over cores by hash(flow, ifindex), split pNIC before GRO, back off under load";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader settings) {
      return Settings.parse(settings);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new FalconPolicy(settings, cpus);
    }
  }
}
