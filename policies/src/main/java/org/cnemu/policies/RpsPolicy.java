package org.cnemu.policies;

import com.typesafe.config.Config;
import java.util.List;
import org.cnemu.kernel.api.Boundary;
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
  protected final int[] map;
  private final boolean[] at = new boolean[Boundary.values().length];

  public RpsPolicy(Config settings, int cpus) {
    List<Integer> l = settings.hasPath("cpus") ? settings.getIntList("cpus") : List.of();
    if (l.isEmpty()) {
      map = new int[cpus];
      for (int i = 0; i < cpus; i++) map[i] = i;
    } else {
      map = l.stream().mapToInt(Integer::intValue).filter(c -> c >= 0 && c < cpus).toArray();
      if (map.length == 0) throw new IllegalArgumentException("rps.cpus has no core below " + cpus);
    }
    List<String> b = settings.hasPath("boundaries") ? settings.getStringList("boundaries") : List.of("AFTER_GRO");
    for (String s : b) at[Boundary.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT)).ordinal()] = true;
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

  public static final class Provider implements SteeringPolicyProvider {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "Linux RPS: after the driver, hash each flow to a core of the rps_cpus mask (settings: cpus, boundaries)";
    }

    @Override
    public SteeringPolicy create(Config settings, int cpus, String hostId) {
      return new RpsPolicy(settings, cpus);
    }
  }
}
