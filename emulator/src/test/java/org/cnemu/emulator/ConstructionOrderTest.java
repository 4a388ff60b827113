package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A partition builds its entities group by group (a host's objects allocated together, for locality),
 * but starts them and orders their events by index as before.
 */
class ConstructionOrderTest {

  @Test
  void orderIsByGroupOfFirstAppearanceThenIndex() {
    assertArrayEquals(new int[] {0, 2, 5, 1, 4, 3}, LocalScheduler.constructionOrder(new int[] {0, 1, 0, 2, 1, 0}, 6));
    assertArrayEquals(new int[] {0, 1, 2}, LocalScheduler.constructionOrder(new int[] {0, 1, 2}, 3));
    assertArrayEquals(new int[0], LocalScheduler.constructionOrder(new int[0], 0));
  }

  @Test
  void entitiesAreBuiltByGroupAndStartedByIndex() {
    List<String> built = new ArrayList<>();
    List<String> started = new ArrayList<>();
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    // like the kernel model: every host's cores first, then every host's NIC
    String[][] adds = {{"h1/cpu0", "h1"}, {"h2/cpu0", "h2"}, {"h1/nic", "h1"}, {"h2/nic", "h2"}, {"switch", "switch"}};
    for (String[] a : adds) {
      b.add(a[0], a[1], () -> {
        built.add(a[0]);
        return new Entity<String>() {
          @Override
          protected void onStart() {
            started.add(a[0]);
          }

          @Override
          protected void onMessage(String msg) {}
        };
      });
    }
    LocalScheduler s = new LocalScheduler(0, b, 100);
    s.start();
    assertEquals(List.of("h1/cpu0", "h1/nic", "h2/cpu0", "h2/nic", "switch"), built);
    assertEquals(List.of("h1/cpu0", "h2/cpu0", "h1/nic", "h2/nic", "switch"), started);
    assertEquals(5, s.localEntities);
  }
}
