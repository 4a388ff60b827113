package org.cnemu.emulator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UnitsTest {
  /**
   * The expected form ends in an example after a comma ("e.g. 40Gbps"): what was got follows a semicolon, as
   * in the validator's "got number 10", so the example and the user's value read apart.
   */
  @Test
  void aBadUnitOrFormSaysWhatWasExpectedThenWhatWasGot() {
    assertEquals("expected a rate with a unit (bps, Kbps, Mbps, Gbps), e.g. 40Gbps; got unit 'GB' in '5GB'",
        assertThrows(IllegalArgumentException.class, () -> Units.parseBitsPerSec("5GB")).getMessage());
    assertEquals("expected a duration with a unit (ns, us, ms, s), e.g. 10ms; got 'ten ms'",
        assertThrows(IllegalArgumentException.class, () -> Units.parseNanos("ten ms")).getMessage());
  }
}
