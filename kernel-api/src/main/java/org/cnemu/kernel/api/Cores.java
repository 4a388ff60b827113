package org.cnemu.kernel.api;

import java.util.Arrays;

/**
 * A core list of a policy's settings ({@code cpus = [0, 2]}) as written, immutable; empty = every core of
 * the host. {@link SettingsReader#cores} checks it against every core count of the hosts, so
 * {@link #onHost} cannot fail on a host of a parsed configuration.
 */
public final class Cores {
  private static final Cores ALL = new Cores(new int[0]);
  private final int[] cores;

  private Cores(int[] cores) {
    this.cores = cores;
  }

  /** Every core of each host ({@code []}). */
  public static Cores all() {
    return ALL;
  }

  /** The listed cores (copied); none = {@link #all()}. */
  public static Cores of(int... cores) {
    return cores.length == 0 ? ALL : new Cores(cores.clone());
  }

  /** The lowest listed core, or -1 for {@link #all()}. */
  int lowest() {
    return cores.length == 0 ? -1 : Arrays.stream(cores).min().getAsInt();
  }

  /** The cores a host with {@code cpus} cores uses: the listed ones below {@code cpus}, or all of its cores. */
  public int[] onHost(int cpus) {
    if (cores.length == 0) {
      int[] all = new int[cpus];
      for (int i = 0; i < cpus; i++) all[i] = i;
      return all;
    }
    int[] m = Arrays.stream(cores).filter(c -> c < cpus).toArray();
    if (m.length == 0) throw new IllegalArgumentException("no core of " + this + " is below " + cpus + " (parse checks this)");
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cores c && Arrays.equals(cores, c.cores);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(cores);
  }

  @Override
  public String toString() {
    return Arrays.toString(cores);
  }
}
