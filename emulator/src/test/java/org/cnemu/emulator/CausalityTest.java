package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnemu.emulator.phold.Phold;
import org.cnemu.emulator.phold.PholdParams;
import org.junit.jupiter.api.Test;

class CausalityTest {

  @Test
  void delayBelowDeclaredLookaheadIsCaught() {
    // Declared lookahead 1000 ns, real least delay 10 ns: a cross-partition message lands inside an
    // already-processed window and the receiver must refuse it.
    PholdParams p = new PholdParams(32, 8, 1_000, 200, 1.0, 10);
    SimulationBuilder b = new SimulationBuilder(3, 0, 4, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    CausalityViolation v = assertThrows(CausalityViolation.class, () -> Simulation.run(b, 1_000_000, 2));
    String m = v.getMessage();
    assertTrue(m.contains("lp"), m);
    assertTrue(m.contains("declared lookahead 1000 ns"), m);
    assertTrue(m.matches("(?s).*stamped \\d+ ns but receiver clock is already \\d+ ns.*"), m);
  }

  @Test
  void honestLookaheadRunsClean() {
    PholdParams p = new PholdParams(32, 8, 1_000, 200, 1.0, 0);
    SimulationBuilder b = new SimulationBuilder(3, 0, 4, SimulationBuilder.Placement.BLOCK);
    Phold.build(p, b);
    SimulationResult r = Simulation.run(b, 1_000_000, 2);
    assertTrue(r.events() > 0 && r.windows() > 1);
  }

  /** A send into the past (negative delay) is refused at once, even inside one partition. */
  @Test
  void negativeDelayIsCaught() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    b.add("bad", "g", () -> new Entity<String>() {
      @Override
      protected void onStart() {
        schedule(10, "go");
      }

      @Override
      protected void onMessage(String msg) {
        schedule(-5, "back in time");
      }
    });
    CausalityViolation v = assertThrows(CausalityViolation.class, () -> Simulation.run(b, 1_000, 1));
    assertTrue(v.getMessage().contains("bad -> bad"), v.getMessage());
  }
}
