package org.cnemu.emulator.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
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
   */
  public record SpawnPartitions(String runId, String experimentHocon, long seed, int runIndex, int partitionCount,
      String placement, long endNanos, int[] partitions, ActorRef<ClusterDriver.Command> replyTo) implements Command {}

  /** @param log receives one line per run this node takes part in (null: silent) */
  public static Behavior<Command> create(java.util.function.Consumer<String> log) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      return new NodeAgent(ctx, log);
    });
  }

  private final java.util.function.Consumer<String> log;

  private NodeAgent(ActorContext<Command> ctx, java.util.function.Consumer<String> log) {
    super(ctx);
    this.log = log;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Hello.class, this::onHello)
        .onMessage(SpawnPartitions.class, this::onSpawn)
        .build();
  }

  private Behavior<Command> onHello(Hello m) {
    String address = getContext().getSystem().address().toString();
    m.replyTo().tell(new ClusterDriver.HelloReply(getContext().getSelf(), address, CnemuVersion.current()));
    return this;
  }

  private Behavior<Command> onSpawn(SpawnPartitions m) {
    try {
      Config experiment = ConfigFactory.parseString(m.experimentHocon()).resolve();
      SimulationBuilder b = new SimulationBuilder(m.seed(), m.runIndex(), m.partitionCount(),
          SimulationBuilder.Placement.valueOf(m.placement()));
      new ModelRegistry().get(experiment.getString("model")).build(experiment, b);
      List<ActorRef<Partition.Command>> refs = new ArrayList<>();
      for (int p : m.partitions()) {
        refs.add(getContext().spawn(Partition.create(p, b, m.endNanos()), m.runId() + "-partition-" + p,
            DispatcherSelector.fromConfig(Simulation.DISPATCHER)));
      }
      m.replyTo().tell(new ClusterDriver.PartitionsSpawned(m.partitions(), refs));
      if (log != null) log.accept(m.runId() + ": hosting partitions " + java.util.Arrays.toString(m.partitions()));
    } catch (RuntimeException e) {
      m.replyTo().tell(new ClusterDriver.SpawnFailed(getContext().getSystem().address().toString(),
          e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
    return this;
  }
}
