package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.junit.jupiter.api.Test;

/**
 * The core's run queue (a ring array of the core, {@link CoreThreads}): more runnable threads than its
 * first capacity, served round-robin with the 3 ms slice, in the order they became runnable, as the ring
 * grows and wraps around. A bare core against {@link CoreEntityTest.ScriptedHost}, whose app steps are
 * logged here by thread.
 */
class CoreRunQueueTest {
  @Test
  void aRunQueueOfMoreThreadsThanItsFirstCapacityServesThemRoundRobinInOrder() {
    CoreEntityTest.ScriptedHost scripted = new CoreEntityTest.ScriptedHost(0);
    int threads = 6; // the ring starts with room for 4
    for (int i = 0; i < threads; i++) {
      Spec.FlowSpec f = new Spec.FlowSpec(i, "app" + i, true, "iperf", 0, 0, "h/c1", "h/c2", 1000, 0, 0, "normal", 0, 0,
          0, null, -1, "cubic");
      scripted.socks.add(new Sock(i, f, true, 0));
    }
    List<Integer> ran = new ArrayList<>();
    CoreHost host = (CoreHost) Proxy.newProxyInstance(CoreHost.class.getClassLoader(), new Class<?>[] {CoreHost.class},
        (proxy, m, args) -> {
          if (m.getName().equals("appStep")) ran.add(((Sock) args[1]).id);
          return m.invoke(scripted, args);
        });
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    b.add("h/cpu0", "h", () -> new CoreEntity(host, 0));
    // 5 us steps and a 3 ms slice: 600 steps a turn; 6 threads and 2 more turns of the first two; each rotation
    // switches the outgoing thread out and the next one in (sched-out + sched-in), and the slice starts with the switch in
    long switches = scripted.profile.schedOutNanos + scripted.profile.schedInNanos;
    Simulation.run(b, 8 * 3_000_000L + 7 * switches - 1, 1);
    List<Integer> turns = new ArrayList<>();
    List<Integer> lengths = new ArrayList<>();
    for (int id : ran) {
      if (turns.isEmpty() || turns.get(turns.size() - 1) != id) {
        turns.add(id);
        lengths.add(0);
      }
      lengths.set(lengths.size() - 1, lengths.get(lengths.size() - 1) + 1);
    }
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 0, 1), turns);
    assertEquals(List.of(600, 600, 600, 600, 600, 600, 600, 600), lengths);
  }
}
