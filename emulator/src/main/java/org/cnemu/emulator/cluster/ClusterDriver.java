package org.cnemu.emulator.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.Partition;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.wire.WireMessage;

/**
 * Runs one simulation across the cluster: waits for the expected number of nodes, refuses nodes of
 * another version, deals partitions to nodes (partition p to node p mod N, nodes sorted by
 * address: deterministic and independent of join order), then hands the partitions to a
 * {@link Coordinator}. A node lost mid-run fails the run at once with its address and the virtual
 * time reached. Nodes that join later are not used until the next run.
 */
public final class ClusterDriver extends AbstractBehavior<ClusterDriver.Command> {

  public sealed interface Command extends WireMessage {}

  public record HelloReply(ActorRef<NodeAgent.Command> agent, String address, String version) implements Command {}

  /** @param dataEndpoint the node's {@link DataPlane} endpoint for this run; empty: Artery carries window traffic */
  public record PartitionsSpawned(int[] partitions, List<ActorRef<Partition.Command>> refs, String dataEndpoint)
      implements Command {}

  public record SpawnFailed(String address, String message) implements Command {}

  private record Listing(Receptionist.Listing listing) implements Command {}

  private record Unreachable(String address) implements Command {}

  private enum Timeout implements Command { INSTANCE }

  /** What a run needs from the driver's side. */
  public record Plan(String runId, String experimentHocon, SimulationBuilder builder, long endNanos, int expectedNodes,
      Duration joinTimeout, Coordinator.ProgressListener progress) {}

  private final long startNanos = System.nanoTime(); // -Dcnemu.trace timings only
  private final Plan plan;
  private final CompletableFuture<SimulationResult> result;
  private final CompletableFuture<SimulationResult> inner = new CompletableFuture<>();
  private final Map<String, HelloReply> hellos = new TreeMap<>();
  private final List<ActorRef<NodeAgent.Command>> asked = new ArrayList<>();
  private List<HelloReply> nodes;
  @SuppressWarnings("unchecked")
  private ActorRef<Partition.Command>[] refs;
  private final String[] endpoints;
  private final String dataToken;
  private int spawnedReplies;
  private ActorRef<Coordinator.Command> coordinator;
  private boolean done;

  public static Behavior<Command> create(Plan plan, CompletableFuture<SimulationResult> result) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ClusterDriver(ctx, timers, plan, result)));
  }

  @SuppressWarnings("unchecked")
  private ClusterDriver(ActorContext<Command> ctx, TimerScheduler<Command> timers, Plan plan,
      CompletableFuture<SimulationResult> result) {
    super(ctx);
    this.plan = plan;
    this.result = result;
    this.refs = new ActorRef[plan.builder().partitions()];
    this.endpoints = new String[plan.builder().partitions()];
    this.dataToken = "direct".equals(ctx.getSystem().settings().config().getString("cnemu.cluster.data-plane.transport"))
        ? newToken() : "";
    ActorRef<Receptionist.Listing> adapter = ctx.messageAdapter(Receptionist.Listing.class, Listing::new);
    ctx.getSystem().receptionist().tell(Receptionist.subscribe(NodeAgent.KEY, adapter));
    ActorRef<ClusterEvent.UnreachableMember> un = ctx.messageAdapter(ClusterEvent.UnreachableMember.class,
        e -> new Unreachable(e.member().address().toString()));
    Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(un, ClusterEvent.UnreachableMember.class));
    ActorRef<ClusterEvent.MemberRemoved> rm = ctx.messageAdapter(ClusterEvent.MemberRemoved.class,
        e -> new Unreachable(e.member().address().toString()));
    Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(rm, ClusterEvent.MemberRemoved.class));
    timers.startSingleTimer(Timeout.INSTANCE, plan.joinTimeout());
    inner.whenComplete((r, e) -> {
      if (e != null) result.completeExceptionally(e);
      else result.complete(r);
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Listing.class, this::onListing)
        .onMessage(HelloReply.class, this::onHello)
        .onMessage(PartitionsSpawned.class, this::onSpawned)
        .onMessage(SpawnFailed.class, m -> fail("node " + m.address() + " could not build the run: " + m.message()))
        .onMessage(Unreachable.class, this::onUnreachable)
        .onMessageEquals(Timeout.INSTANCE, this::onTimeout)
        .build();
  }

  private Behavior<Command> onListing(Listing m) {
    if (nodes != null) return this; // a node that joins mid-run waits for the next run
    for (ActorRef<NodeAgent.Command> agent : m.listing().getServiceInstances(NodeAgent.KEY)) {
      if (asked.contains(agent)) continue;
      asked.add(agent);
      agent.tell(new NodeAgent.Hello(getContext().getSelf()));
    }
    return this;
  }

  private Behavior<Command> onHello(HelloReply m) {
    if (nodes != null) return this;
    String mine = CnemuVersion.current();
    if (!mine.equals(m.version())) {
      return fail("node " + m.address() + " runs cnemu " + m.version() + " but this driver runs " + mine
          + "; refusing to start (all nodes must run the same build)");
    }
    hellos.put(m.address(), m);
    ClusterNode.trace("hello " + hellos.size(), startNanos);
    if (hellos.size() < plan.expectedNodes()) return this;
    nodes = new ArrayList<>(hellos.values());
    nodes.sort(Comparator.comparing(HelloReply::address));
    nodes = nodes.subList(0, plan.expectedNodes());
    int n = nodes.size();
    SimulationBuilder b = plan.builder();
    for (int i = 0; i < n; i++) {
      List<Integer> mine2 = new ArrayList<>();
      for (int p = i; p < b.partitions(); p += n) mine2.add(p);
      if (mine2.isEmpty()) continue;
      int[] ps = mine2.stream().mapToInt(Integer::intValue).toArray();
      nodes.get(i).agent().tell(new NodeAgent.SpawnPartitions(plan.runId(), plan.experimentHocon(), b.seed(),
          b.runIndex(), b.partitions(), placementName(b), plan.endNanos(), ps, getContext().getSelf(), dataToken));
      spawnedReplies++;
    }
    return this;
  }

  /** The run's data plane secret: 128 random bits, known only to the nodes of the run. */
  private static String newToken() {
    byte[] b = new byte[16];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  private static String placementName(SimulationBuilder b) {
    return b.placement().name();
  }

  private Behavior<Command> onSpawned(PartitionsSpawned m) {
    for (int i = 0; i < m.partitions().length; i++) {
      refs[m.partitions()[i]] = m.refs().get(i);
      endpoints[m.partitions()[i]] = m.dataEndpoint();
    }
    if (--spawnedReplies > 0) return this;
    ClusterNode.trace("spawned", startNanos);
    // The direct data plane only if every node opened one (all run the same build and settings).
    List<String> data = Arrays.stream(endpoints).anyMatch(String::isEmpty) ? List.of() : List.of(endpoints);
    coordinator = getContext().spawn(Coordinator.createDistributed(plan.builder(), plan.endNanos(), inner,
        plan.progress(), Arrays.asList(refs), data), plan.runId() + "-coordinator");
    getContext().watch(coordinator);
    return Behaviors.receive(Command.class)
        .onMessage(Unreachable.class, this::onUnreachable)
        .onMessage(Listing.class, l -> Behaviors.same())
        .onMessage(HelloReply.class, l -> Behaviors.same())
        .onMessageEquals(Timeout.INSTANCE, () -> Behaviors.same())
        .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> Behaviors.stopped())
        .build();
  }

  private Behavior<Command> onUnreachable(Unreachable m) {
    if (nodes == null || done) return Behaviors.same();
    boolean ours = nodes.stream().anyMatch(h -> h.address().equals(m.address()));
    if (!ours) return Behaviors.same();
    if (coordinator != null) {
      coordinator.tell(new Coordinator.NodeLost(m.address()));
      return Behaviors.same();
    }
    return fail("lost cluster node " + m.address() + " before the run started");
  }

  private Behavior<Command> onTimeout() {
    if (nodes != null) return this;
    return fail("only " + hellos.size() + " of " + plan.expectedNodes() + " cnemu nodes answered within "
        + plan.joinTimeout().toSeconds() + " s: " + hellos.keySet());
  }

  private Behavior<Command> fail(String message) {
    done = true;
    result.completeExceptionally(new IllegalStateException(message));
    return Behaviors.stopped();
  }
}
