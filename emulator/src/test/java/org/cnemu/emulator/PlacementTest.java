package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BLOCK placement deals the declared groups out in contiguous blocks of equal expected work. */
class PlacementTest {
  private static int[] place(int partitions, Map<String, Long> weights) {
    SimulationBuilder b = new SimulationBuilder(1, 0, partitions, SimulationBuilder.Placement.BLOCK);
    b.expectGroups(weights);
    return weights.keySet().stream().mapToInt(g -> b.add(g + "/e", g, () -> null).partition()).toArray();
  }

  @Test
  void equalWeightsGiveEqualBlocks() {
    Map<String, Long> w = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) w.put("g" + i, 5L);
    assertEquals("[0, 0, 0, 1, 1, 1]", java.util.Arrays.toString(place(2, w)));
    assertEquals("[0, 0, 1, 1, 2, 2]", java.util.Arrays.toString(place(3, w)));
  }

  /** A heavy group (a star's switch) gets a partition with fewer other groups; by count it would get as many. */
  @Test
  void aHeavyGroupShrinksItsBlock() {
    Map<String, Long> w = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) w.put("h" + i, 100L);
    w.put("switch", 400L);
    // total 1,000: h0-h4 start below 500, h5 at 500 and the switch at 600 share partition 1
    assertEquals("[0, 0, 0, 0, 0, 1, 1]", java.util.Arrays.toString(place(2, w)));
  }

  /** A group far heavier than the rest must not leave a partition without groups. */
  @Test
  void noPartitionStaysEmpty() {
    Map<String, Long> w = new LinkedHashMap<>();
    for (int i = 0; i < 4; i++) w.put("h" + i, 1L);
    w.put("big", 1000L);
    w.put("x", 1L);
    w.put("y", 1L);
    assertEquals("[0, 0, 0, 0, 1, 2, 3]", java.util.Arrays.toString(place(4, w)));
  }
}
