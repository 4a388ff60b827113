package org.cnemu.emulator.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.cnemu.emulator.Partition;
import org.cnemu.emulator.PartitionGroup;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.model.ModelRegistry;
import org.cnemu.emulator.wire.WireMessage;

/**
 * One per cluster node: answers the driver's version check and, for a run, builds the model from
 * the experiment config the driver sends and spawns the partitions assigned to this node. Every
 * node builds the same topology description; each instantiates only its own partitions' entities.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "cnemu-node");

  public sealed interface Command extends WireMessage {}

  public record Hello(ActorRef<ClusterDriver.Command> replyTo) implements Command {}

  /**
   * Spawn {@code partitions} of run {@code runId}: the experiment block as HOCON text (resolved,
   * so nodes need no files), the run's seed and index, the partition count and placement.
   *
   * @param dataToken the run's secret for its direct data plane ({@link DataPlane}); empty: window
   *     traffic goes through Artery
   */
  public record SpawnPartitions(String runId, String experimentHocon, long seed, int runIndex, int partitionCount,
      String placement, long endNanos, int[] partitions, ActorRef<ClusterDriver.Command> replyTo, String dataToken)
      implements Command {}

  /** A partition of {@code runId} hosted here has stopped (local only: death watch). */
  private record PartitionStopped(String runId) implements Command, NoSerializationVerificationNeeded {}

  /** The data plane of {@code runId} lost a peer node: stop this node's partitions of it (local only). */
  private record RunLost(String runId) implements Command, NoSerializationVerificationNeeded {}

  /** What this node holds of a run: its partition actors or group (until they stop) and its data plane. */
  private static final class HostedRun {
    final List<ActorRef<Partition.Command>> partitions = new ArrayList<>();
    DataPlane dataPlane;
    int running;
  }

  /**
   * @param security how this node's data plane connections prove the cluster key
   * @param log receives one line per run this node takes part in (null: silent)
   */
  public static Behavior<Command> create(ClusterSecurity security, java.util.function.Consumer<String> log) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      return new NodeAgent(ctx, security, log);
    });
  }

  private final ClusterSecurity security;
  private final java.util.function.Consumer<String> log;
  private final Map<String, HostedRun> runs = new HashMap<>();

  private NodeAgent(ActorContext<Command> ctx, ClusterSecurity security, java.util.function.Consumer<String> log) {
    super(ctx);
    this.security = security;
    this.log = log;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Hello.class, this::onHello)
        .onMessage(SpawnPartitions.class, this::onSpawn)
        .onMessage(PartitionStopped.class, this::onPartitionStopped)
        .onMessage(RunLost.class, this::onRunLost)
        .build();
  }

  private Behavior<Command> onHello(Hello m) {
    String address = getContext().getSystem().address().toString();
    m.replyTo().tell(new ClusterDriver.HelloReply(getContext().getSelf(), address, CnemuVersion.current()));
    return this;
  }

  /**
   * The run's model from the driver's experiment text: parsed here (a node trusts no parsed object from
   * the wire) with this JVM's reference, then built for this run.
   */
  private static <S> void build(org.cnemu.emulator.model.ModelProvider<S> provider, Config experiment,
      SimulationBuilder b) {
    org.cnemu.emulator.model.Parsed<S> p = provider.parse(experiment, ConfigFactory.defaultReference());
    if (!p.ok()) throw new IllegalArgumentException("refused the run: " + p.problems().get(0).message());
    provider.build(p.spec(), b);
  }

  private Behavior<Command> onSpawn(SpawnPartitions m) {
    try {
      Config experiment = ConfigFactory.parseString(m.experimentHocon()).resolve();
      SimulationBuilder b = new SimulationBuilder(m.seed(), m.runIndex(), m.partitionCount(),
          SimulationBuilder.Placement.valueOf(m.placement()));
      build(new ModelRegistry().get(experiment.getString("model")), experiment, b);
      HostedRun run = new HostedRun();
      String endpoint = "";
      boolean pinThreads = false;
      if (!m.dataToken().isEmpty()) {
        Config c = getContext().getSystem().settings().config();
        pinThreads = autoOrOff(c, "cnemu.cluster.data-plane.pin-threads");
        ActorRef<Command> self = getContext().getSelf();
        String runId = m.runId();
        run.dataPlane = DataPlane.open(getContext().getSystem(), runId, security, m.dataToken(),
            c.getString("pekko.remote.artery.canonical.hostname"), c.getInt("cnemu.cluster.data-plane.port"),
            c.getDuration("cnemu.cluster.data-plane.spin-wait").toNanos(),
            autoOrOff(c, "cnemu.cluster.data-plane.shared-memory"), lostAddress -> self.tell(new RunLost(runId)),
            line -> getContext().getLog().warn(line));
        endpoint = run.dataPlane.endpoint();
      }
      List<ActorRef<Partition.Command>> refs = new ArrayList<>();
      if (run.dataPlane == null) {
        // Window traffic over Artery: one actor per partition, on the engine dispatcher.
        for (int p : m.partitions()) {
          ActorRef<Partition.Command> ref = getContext().spawn(Partition.create(p, b, m.endNanos()),
              m.runId() + "-partition-" + p, DispatcherSelector.fromConfig(Simulation.DISPATCHER));
          getContext().watchWith(ref, new PartitionStopped(m.runId()));
          refs.add(ref);
          run.partitions.add(ref);
        }
      } else {
        // The direct data plane: all of this node's partitions on one thread of their own (a waiting
        // group blocks in a read), in lockstep; the group stands for each of them.
        ActorRef<Partition.Command> group = getContext().spawn(
            PartitionGroup.create(m.partitions(), b, m.endNanos(), run.dataPlane.forNode(pinThreads)),
            m.runId() + "-partitions",
            DispatcherSelector.fromConfig(Simulation.PINNED_DISPATCHER));
        getContext().watchWith(group, new PartitionStopped(m.runId()));
        for (int p : m.partitions()) refs.add(group);
        run.partitions.add(group);
      }
      run.running = run.partitions.size();
      runs.put(m.runId(), run);
      m.replyTo().tell(new ClusterDriver.PartitionsSpawned(m.partitions(), refs, endpoint));
      if (log != null) log.accept(m.runId() + ": hosting partitions " + java.util.Arrays.toString(m.partitions())
          + (run.dataPlane == null ? " (window traffic over Artery)" : " (data plane at " + endpoint + ")"));
    } catch (RuntimeException | java.io.IOException e) {
      m.replyTo().tell(new ClusterDriver.SpawnFailed(getContext().getSystem().address().toString(),
          e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
    return this;
  }

  /** A setting that is "auto" (true) or "off" (false). */
  private static boolean autoOrOff(Config c, String key) {
    String mode = c.getString(key);
    if (mode.equals("auto")) return true;
    if (mode.equals("off")) return false;
    throw new IllegalArgumentException(key + ": expected auto or off, got '" + mode + "'");
  }

  private Behavior<Command> onPartitionStopped(PartitionStopped m) {
    HostedRun run = runs.get(m.runId());
    if (run != null && --run.running == 0) {
      if (run.dataPlane != null) run.dataPlane.close();
      runs.remove(m.runId());
    }
    return this;
  }

  /** A peer of the run is gone; the run has failed, so its partitions here would wait forever. */
  private Behavior<Command> onRunLost(RunLost m) {
    HostedRun run = runs.get(m.runId());
    if (run != null) {
      if (run.dataPlane != null) run.dataPlane.close(); // wakes partitions blocked in a read
      for (ActorRef<Partition.Command> p : run.partitions) getContext().stop(p);
    }
    return this;
  }
}
