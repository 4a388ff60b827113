package org.cnemu.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnemu.kernel.api.SteeringRegistry;
import org.junit.jupiter.api.Test;

class PoliciesTest {
  @Test
  void registryFindsThePoliciesAndListsValidNames() {
    SteeringRegistry r = new SteeringRegistry();
    assertTrue(r.all().keySet().containsAll(java.util.List.of("vanilla", "rps", "rfs")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.get("nope"));
    assertTrue(e.getMessage().contains("rfs, rps, vanilla"), e.getMessage());
  }

  @Test
  void rpsScalesTheHashOntoTheMask() {
    assertEquals(0, RpsPolicy.scale(0, 4));
    assertEquals(3, RpsPolicy.scale(-1, 4));
    assertEquals(2, RpsPolicy.scale(0x80000000, 4));
    RpsPolicy p = new RpsPolicy(new RpsPolicy.Settings(org.cnemu.kernel.api.Cores.of(2, 5), java.util.List.of(org.cnemu.kernel.api.Boundary.AFTER_GRO)), 8);
    assertEquals(2, p.map[RpsPolicy.scale(1, 2)]);
  }
}
