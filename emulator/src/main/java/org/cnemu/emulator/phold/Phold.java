package org.cnemu.emulator.phold;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.Channel;
import org.cnemu.emulator.EntityRef;
import org.cnemu.emulator.EntityReport;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;

/** Builds PHOLD into a simulation and digests its end state. */
public final class Phold {
  private Phold() {}

  /** The outcome that both implementations must agree on. */
  public record Outcome(long events, long digest) {}

  public static void build(PholdParams p, SimulationBuilder b) {
    java.util.Map<String, Long> groups = new java.util.LinkedHashMap<>();
    for (int i = 0; i < p.lps(); i++) groups.put(PholdParams.lpName(i), 1L); // LPs are alike
    b.expectGroups(groups);
    List<EntityRef<PholdLp.Command>> refs = new ArrayList<>(p.lps());
    Channel[] out = new Channel[p.lps()];
    List<EntityRef<PholdLp.Command>> view = java.util.Collections.unmodifiableList(refs);
    for (int i = 0; i < p.lps(); i++) {
      final int lp = i;
      EntityRef<PholdLp.Command> ref =
          b.add(PholdParams.lpName(i), PholdParams.lpName(i), () -> new PholdLp(lp, p, view, out));
      refs.add(ref);
    }
    // Any LP may send to any other: one channel per LP with the declared lookahead.
    for (int i = 0; i < p.lps(); i++) out[i] = b.channel(refs.get(i), "phold:" + PholdParams.lpName(i), p.lookaheadNanos());
  }

  public static Outcome outcome(SimulationResult r, int lps) {
    long[] hashes = new long[lps];
    long[] events = new long[lps];
    for (EntityReport er : r.reports()) {
      PholdLp.Report rep = (PholdLp.Report) er.report();
      hashes[rep.lp()] = rep.hash();
      events[rep.lp()] = rep.events();
    }
    long total = 0;
    for (long e : events) total += e;
    return new Outcome(total, PholdRules.digest(hashes, events));
  }

  static Map<String, Object> section(PholdParams p, Outcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("lps", p.lps());
    m.put("population", p.population());
    m.put("lookahead_ns", p.lookaheadNanos());
    m.put("mean_delay_ns", p.meanDelayNanos());
    m.put("remote", p.remote());
    m.put("events", o.events());
    m.put("state_digest", String.format("%016x", o.digest()));
    return m;
  }
}
