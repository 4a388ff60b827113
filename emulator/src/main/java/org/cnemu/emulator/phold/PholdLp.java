package org.cnemu.emulator.phold;

import java.util.List;
import java.util.SplittableRandom;
import org.cnemu.emulator.Channel;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;

/** One PHOLD logical process as an engine entity. */
final class PholdLp extends Entity<PholdLp.Command> {

  sealed interface Command {}

  /** The circulating event, carrying a token that each hop transforms. */
  record Job(long token) implements Command {}

  /** What an LP reports at the end. */
  record Report(int lp, long events, long hash) {}

  private final int lp;
  private final PholdParams params;
  private final List<EntityRef<Command>> lps;
  private final Channel[] out;
  private SplittableRandom rng;
  private long events;
  private long hash;

  PholdLp(int lp, PholdParams params, List<EntityRef<Command>> lps, Channel[] out) {
    this.lp = lp;
    this.params = params;
    this.lps = lps;
    this.out = out;
  }

  @Override
  protected void onStart() {
    rng = random("phold");
    for (int k = 0; k < params.population(); k++) {
      send(out[lp], self(), PholdRules.delayNanos(rng, params), new Job(PholdRules.initialToken(lp, k)));
    }
  }

  @Override
  protected void onMessage(Command msg) {
    Job job = (Job) msg;
    events++;
    hash = PholdRules.fold(hash, now(), job.token());
    int t = PholdRules.target(rng, params, lp);
    send(out[lp], lps.get(t), PholdRules.delayNanos(rng, params), new Job(PholdRules.nextToken(job.token(), lp)));
  }

  @Override
  protected Object report() {
    return new Report(lp, events, hash);
  }
}
