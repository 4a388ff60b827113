package org.cnemu.policies;

import java.util.List;
import org.cnemu.emulator.model.Parsed;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.Cores;
import org.cnemu.kernel.api.SettingsReader;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.cnemu.kernel.api.SteeringPolicyProvider;

/**
 * Linux RPS (net/core/dev.c get_rps_cpu): {@code cpu = map[reciprocal_scale(hash, map.len)]} where
 * map is the rps_cpus mask of the receiving queue, applied where netif_receive_skb / netif_rx run
 * (configurable boundaries). Per-flow order is kept because one flow always maps to one core.
 */
public class RpsPolicy implements SteeringPolicy {
  public static final String NAME = "rps";

  /**
   * The settings block {@code experiment.steering-settings.rps}.
   *
   * @param cpus the rps_cpus list as written ([] = every core of the host)
   * @param boundaries where get_rps_cpu applies
   */
  public record Settings(Cores cpus, List<Boundary> boundaries) {
    public Settings {
      boundaries = List.copyOf(boundaries);
    }

    static Settings read(SettingsReader r) {
      Cores cpus = r.cores("cpus");
      List<Boundary> at = r.eachOneOf("boundaries").stream()
          .map(Boundary::valueOf).toList();
      return new Settings(cpus, at);
    }
  }

  protected final int[] map;
  private final boolean[] at = new boolean[Boundary.values().length];

  public RpsPolicy(Settings s, int cpus) {
    map = s.cpus().onHost(cpus);
    for (Boundary b : s.boundaries()) at[b.ordinal()] = true;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** reciprocal_scale(hash, n) = (hash * n) >> 32 with hash unsigned. */
  static int scale(int hash, int n) {
    return (int) (((hash & 0xffffffffL) * n) >>> 32);
  }

  protected boolean active(Boundary b) {
    return at[b.ordinal()];
  }

  @Override
  public int targetCpu(Boundary boundary, StageContext ctx) {
    if (!active(boundary)) return ctx.cpu();
    return map[scale(ctx.flowHash(), map.length)];
  }

  public static final class Provider implements SteeringPolicyProvider<Settings> {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "Linux RPS: after the driver, hash each flow to a core of the rps_cpus mask (settings: cpus, boundaries)";
    }

    @Override
    public Parsed<Settings> parse(SettingsReader r) {
      Settings s = Settings.read(r);
      return r.result(() -> s);
    }

    @Override
    public SteeringPolicy create(Settings settings, int cpus, String hostId) {
      return new RpsPolicy(settings, cpus);
    }
  }
}
