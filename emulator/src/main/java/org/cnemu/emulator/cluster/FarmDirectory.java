package org.cnemu.emulator.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.cnemu.emulator.wire.WireMessage;

/**
 * One per cluster node, at {@link #PATH}: tells a farming driver, which is no cluster member, where
 * the cluster's {@link FarmWorker}s are. A driver subscribes once through the node it was given (the
 * seed); it gets the workers this node's receptionist lists (members that are up and reachable) at
 * once and again whenever the list changes, until the driver stops. Joining the cluster instead took
 * a driver ~2 s (gossip to Up, then the receptionist's replication) on every command.
 */
public final class FarmDirectory extends AbstractBehavior<FarmDirectory.Command> {
  /** Where every node runs its directory (a child of the user guardian named {@code farm-directory}). */
  public static final String PATH = "/user/farm-directory";

  public sealed interface Command extends WireMessage {}

  /** The driver wants the workers, now and on every change. Sending it again is harmless. */
  public record Subscribe(ActorRef<FarmDriver.Command> driver) implements Command {}

  /**
   * The driver is leaving: forget and stop watching it, then say so ({@link FarmDriver.Unwatched}), before
   * its actor system stops (else this node's failure detector fires for a JVM that is gone).
   */
  public record Unsubscribe(ActorRef<FarmDriver.Command> driver) implements Command {}

  private record Listing(Receptionist.Listing listing) implements Command, NoSerializationVerificationNeeded {}

  private record DriverGone(ActorRef<FarmDriver.Command> driver) implements Command, NoSerializationVerificationNeeded {}

  public static Behavior<Command> create() {
    return Behaviors.setup(FarmDirectory::new);
  }

  private final Set<ActorRef<FarmDriver.Command>> drivers = new HashSet<>();
  private List<ActorRef<FarmWorker.Command>> workers = List.of();

  private FarmDirectory(ActorContext<Command> ctx) {
    super(ctx);
    ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Listing::new);
    ctx.getSystem().receptionist().tell(Receptionist.subscribe(FarmWorker.KEY, listings));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(Listing.class, this::onListing)
        .onMessage(DriverGone.class, m -> {
          drivers.remove(m.driver());
          return this;
        })
        .build();
  }

  private Behavior<Command> onSubscribe(Subscribe m) {
    if (drivers.add(m.driver())) {
      // a driver that stops, or whose JVM dies or becomes unreachable, is forgotten (remote watch of a
      // non-member: pekko.remote.use-unsafe-remote-features-outside-cluster in cnemu-cluster.conf)
      getContext().watchWith(m.driver(), new DriverGone(m.driver()));
    }
    m.driver().tell(new FarmDriver.Workers(workers));
    return this;
  }

  private Behavior<Command> onUnsubscribe(Unsubscribe m) {
    if (drivers.remove(m.driver())) getContext().unwatch(m.driver());
    m.driver().tell(new FarmDriver.Unwatched(getContext().getSystem().address().toString(), true));
    return this;
  }

  private Behavior<Command> onListing(Listing m) {
    List<ActorRef<FarmWorker.Command>> now = new ArrayList<>(m.listing().getServiceInstances(FarmWorker.KEY));
    now.sort(java.util.Comparator.comparing(r -> r.path().toString()));
    if (now.equals(workers)) return this;
    workers = List.copyOf(now);
    for (ActorRef<FarmDriver.Command> d : drivers) d.tell(new FarmDriver.Workers(workers));
    return this;
  }
}
