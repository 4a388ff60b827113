package org.cnemu.devices;

import java.util.Locale;

/** The three host stacks of the calibration (docs/calibration.md). */
public enum StackKind {
  /** pNIC -> IP -> TCP/UDP in the host namespace. */
  NATIVE("native"),
  /** pNIC -> VXLAN (gro_cells) -> IP -> TCP/UDP, app in the host namespace. */
  LINUX_OVERLAY("linux-overlay"),
  /** pNIC -> VXLAN (gro_cells) -> bridge -> veth -> backlog -> container netns IP -> TCP/UDP. */
  DOCKER_OVERLAY("docker-overlay");

  public final String id;

  StackKind(String id) {
    this.id = id;
  }

  public boolean overlay() {
    return this != NATIVE;
  }

  public boolean veth() {
    return this == DOCKER_OVERLAY;
  }

  public static StackKind parse(String s) {
    for (StackKind k : values()) if (k.id.equals(s.trim().toLowerCase(Locale.ROOT))) return k;
    throw new IllegalArgumentException("unknown stack kind '" + s + "'; valid: native, linux-overlay, docker-overlay");
  }
}
