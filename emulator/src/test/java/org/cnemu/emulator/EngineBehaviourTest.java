package org.cnemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact virtual times and orders, in the manner of OpenDC's dispatcher tests. */
class EngineBehaviourTest {

  /** Records what it sees; reports the log. */
  static final class Recorder extends Entity<String> {
    final List<String> log = new ArrayList<>();

    @Override
    protected void onMessage(String msg) {
      log.add(now() + ":" + msg);
    }

    @Override
    protected Object report() {
      return List.copyOf(log);
    }
  }

  @Test
  void tiesBreakBySenderKeyThenSequenceNotBySendOrder() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<String> rec = b.add("rec", "g", Recorder::new);
    for (String name : new String[] {"s-a", "s-b", "s-c"}) {
      b.add(name, "g", () -> new Entity<String>() {
        @Override
        protected void onStart() {
          send(rec, 100, name() + "#1");
          send(rec, 100, name() + "#2");
        }

        @Override
        protected void onMessage(String msg) {}
      });
    }
    SimulationResult r = Simulation.run(b, 1_000, 1);
    @SuppressWarnings("unchecked")
    List<String> log = (List<String>) r.reports().get(0).report();
    assertEquals(6, log.size());
    // Same time: ordered by sender key (a stable hash of the name), then by each sender's sequence.
    List<String> senders = new ArrayList<>(List.of("s-a", "s-b", "s-c"));
    senders.sort((x, y) -> Long.compare(StableIds.key(x), StableIds.key(y)));
    List<String> expected = new ArrayList<>();
    for (String s : senders) {
      expected.add("100:" + s + "#1");
      expected.add("100:" + s + "#2");
    }
    assertEquals(expected, log);
  }

  @Test
  void exactTimesAcrossPartitionsAndEmptyStretchesAreSkipped() {
    // Two entities in different partitions ping-pong over a 1 us channel, with a 1 s gap in the middle.
    for (int partitions : new int[] {1, 2}) {
      SimulationBuilder b = new SimulationBuilder(1, 0, partitions, SimulationBuilder.Placement.BLOCK);
      Channel[] ch = new Channel[2];
      @SuppressWarnings("unchecked")
      EntityRef<Long>[] refs = new EntityRef[2];
      for (int i = 0; i < 2; i++) {
        final int me = i;
        refs[i] = b.add("p" + i, "g" + i, () -> new Entity<Long>() {
          final List<Long> seen = new ArrayList<>();

          @Override
          protected void onStart() {
            if (me == 0) send(ch[0], refs[1], 1_000, 1L);
          }

          @Override
          protected void onMessage(Long hop) {
            seen.add(now());
            if (hop < 4) send(ch[me], refs[1 - me], hop == 2 ? 1_000_000_000L : 1_000, hop + 1);
          }

          @Override
          protected Object report() {
            return List.copyOf(seen);
          }
        });
      }
      ch[0] = b.channel(refs[0], "p0->p1", 1_000);
      ch[1] = b.channel(refs[1], "p1->p0", 1_000);
      SimulationResult r = Simulation.run(b, 2_000_000_000L, 2);
      assertEquals(List.of(2_000L, 1_000_003_000L), r.reports().get(0).report());
      assertEquals(List.of(1_000L, 1_000_002_000L), r.reports().get(1).report());
      assertEquals(4, r.events());
      if (partitions == 2) {
        assertTrue(r.windows() <= 6, "idle stretches must be skipped, not stepped through: " + r.windows());
      }
    }
  }

  @Test
  void localChannelCannotCrossPartitions() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 2, SimulationBuilder.Placement.BLOCK);
    EntityRef<String> far = b.add("far", "g1", Recorder::new);
    b.add("near", "g0", () -> new Entity<String>() {
      @Override
      protected void onStart() {
        send(far, 5, "x");
      }

      @Override
      protected void onMessage(String msg) {}
    });
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Simulation.run(b, 100, 1));
    assertTrue(e.getMessage().contains("declare a Channel"), e.getMessage());
  }

  /** An Error (e.g. a failed assertion) in model code fails the run; it must never hang it. */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void anErrorInModelCodeFailsTheRunInsteadOfHangingIt() {
    for (int partitions : new int[] {1, 2}) {
      SimulationBuilder b = new SimulationBuilder(1, 0, partitions, SimulationBuilder.Placement.BLOCK);
      b.add("calm", "g0", Recorder::new);
      b.add("broken", "g1", () -> new Entity<String>() {
        @Override
        protected void onStart() {
          schedule(10, "boom");
        }

        @Override
        protected void onMessage(String msg) {
          throw new AssertionError("model invariant broken");
        }
      });
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> Simulation.run(b, 1_000, 2));
      assertTrue(e.getMessage().contains("model invariant broken"), e.getMessage());
    }
  }

  /** Ping-pongs on its channel until the end. */
  static final class Bouncer extends Entity<Long> {
    Channel out;
    EntityRef<Long> peer;
    final boolean starts;

    Bouncer(boolean starts) {
      this.starts = starts;
    }

    @Override
    protected void onStart() {
      if (starts) send(out, peer, out.lookaheadNanos(), 0L);
    }

    @Override
    protected void onMessage(Long hop) {
      send(out, peer, out.lookaheadNanos(), hop + 1);
    }
  }

  @Test
  void aTargetedChannelInsideOnePartitionDoesNotShrinkTheWindows() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 2, SimulationBuilder.Placement.BLOCK);
    Bouncer[] e = {new Bouncer(true), new Bouncer(false), new Bouncer(true), new Bouncer(false)};
    EntityRef<Long> a = b.add("a", "rack0", () -> e[0]);
    EntityRef<Long> a2 = b.add("a2", "rack0", () -> e[1]);
    EntityRef<Long> c = b.add("c", "rack1", () -> e[2]);
    EntityRef<Long> c2 = b.add("c2", "rack1", () -> e[3]);
    // a <-> a2 inside rack0 every 10 ns; c <-> c2 inside rack1; a2 -> c across, 1 us lookahead.
    e[0].out = b.channel(a, a2, "a->a2", 10);
    e[0].peer = a2;
    e[1].out = b.channel(a2, a, "a2->a", 10);
    e[1].peer = a;
    e[2].out = b.channel(c, c2, "c->c2", 10);
    e[2].peer = c2;
    e[3].out = b.channel(c2, c, "c2->c", 10);
    e[3].peer = c;
    b.channel(a2, c, "a2->c", 1_000); // declared, unused: only its lookahead matters
    SimulationResult r = Simulation.run(b, 100_000, 2);
    assertTrue(r.events() > 15_000, "events " + r.events());
    // windows bounded by the 1 us cross link, not by the 10 ns links inside each partition
    assertTrue(r.windows() <= 110, "windows " + r.windows());
  }

  @Test
  void aTargetedChannelRefusesOtherReceivers() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<String> x = b.add("x", "g", Recorder::new);
    EntityRef<String> y = b.add("y", "g", Recorder::new);
    Channel[] ch = new Channel[1];
    EntityRef<String> s = b.add("s", "g", () -> new Entity<String>() {
      @Override
      protected void onStart() {
        send(ch[0], y, 5, "wrong receiver");
      }

      @Override
      protected void onMessage(String msg) {}
    });
    ch[0] = b.channel(s, x, "s->x", 5);
    IllegalStateException ex = assertThrows(IllegalStateException.class, () -> Simulation.run(b, 100, 1));
    assertTrue(ex.getMessage().contains("declared to reach x only"), ex.getMessage());
  }

  @Test
  void duplicateNamesAreRefused() {
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    b.add("x", "g", Recorder::new);
    assertThrows(IllegalArgumentException.class, () -> b.add("x", "g", Recorder::new));
  }

  @Test
  void randomStreamsDependOnNamesNotCreationOrder() {
    RandomStreams s = new RandomStreams(42, 0);
    long a = s.stream("h1/cpu0", "rss").nextLong();
    RandomStreams s2 = new RandomStreams(42, 0);
    s2.stream("h9/cpu3", "rss").nextLong();
    assertEquals(a, s2.stream("h1/cpu0", "rss").nextLong());
    assertTrue(a != s.stream("h1/cpu0", "other").nextLong());
    assertTrue(a != new RandomStreams(43, 0).stream("h1/cpu0", "rss").nextLong());
  }
}
