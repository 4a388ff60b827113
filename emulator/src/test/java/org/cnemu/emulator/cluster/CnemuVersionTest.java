package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class CnemuVersionTest {
  /**
   * A node answers every driver's hello with its version, and a driver checks each node's: reading every
   * jar's service list for the wire fingerprint each time cost ~6 ms on an actor's thread per answer.
   */
  @Test
  void theBuildsVersionIsComputedOncePerJvm() {
    String first = CnemuVersion.current();
    assertSame(first, CnemuVersion.current());
    assertEquals(first.substring(first.indexOf('+') + 1), CnemuVersion.wireFingerprint());
  }
}
