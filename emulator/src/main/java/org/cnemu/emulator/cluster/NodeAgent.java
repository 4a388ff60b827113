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

  /** What this node holds of a run: its partitions (until they stop) and its data plane. */
  private static final class HostedRun {
    final List<ActorRef<Partition.Command>> partitions = new ArrayList<>();
    DataPlane dataPlane;
    int running;
  }

  /** @param log receives one line per run this node takes part in (null: silent) */
  public static Behavior<Command> create(java.util.function.Consumer<String> log) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      return new NodeAgent(ctx, log);
    });
  }

  private final java.util.function.Consumer<String> log;
  private final Map<String, HostedRun> runs = new HashMap<>();

  private NodeAgent(ActorContext<Command> ctx, java.util.function.Consumer<String> log) {
    super(ctx);
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

  private Behavior<Command> onSpawn(SpawnPartitions m) {
    try {
      Config experiment = ConfigFactory.parseString(m.experimentHocon()).resolve();
      SimulationBuilder b = new SimulationBuilder(m.seed(), m.runIndex(), m.partitionCount(),
          SimulationBuilder.Placement.valueOf(m.placement()));
      new ModelRegistry().get(experiment.getString("model")).build(experiment, b);
      HostedRun run = new HostedRun();
      String endpoint = "";
      int[] pin = new int[m.partitions().length];
      java.util.Arrays.fill(pin, -1);
      if (!m.dataToken().isEmpty()) {
        Config c = getContext().getSystem().settings().config();
        if (autoOrOff(c, "cnemu.cluster.data-plane.pin-threads")) {
          pin = DataPlane.autoPinning(m.partitions(), m.partitionCount(), Runtime.getRuntime().availableProcessors());
        }
        ActorRef<Command> self = getContext().getSelf();
        String runId = m.runId();
        run.dataPlane = DataPlane.open(getContext().getSystem(), runId, m.dataToken(),
            c.getString("pekko.remote.artery.canonical.hostname"), c.getInt("cnemu.cluster.data-plane.port"),
            c.getDuration("cnemu.cluster.data-plane.spin-wait").toNanos(),
            autoOrOff(c, "cnemu.cluster.data-plane.shared-memory"), lostAddress -> self.tell(new RunLost(runId)),
            line -> getContext().getLog().warn(line));
        endpoint = run.dataPlane.endpoint();
      }
      List<ActorRef<Partition.Command>> refs = new ArrayList<>();
      for (int i = 0; i < m.partitions().length; i++) {
        int p = m.partitions()[i];
        // With the direct data plane a waiting partition blocks in a socket read: it needs its own thread.
        ActorRef<Partition.Command> ref = run.dataPlane == null
            ? getContext().spawn(Partition.create(p, b, m.endNanos()), m.runId() + "-partition-" + p,
                DispatcherSelector.fromConfig(Simulation.DISPATCHER))
            : getContext().spawn(Partition.create(p, b, m.endNanos(), run.dataPlane.forPartition(p, pin[i])),
                m.runId() + "-partition-" + p, DispatcherSelector.fromConfig(Simulation.PINNED_DISPATCHER));
        getContext().watchWith(ref, new PartitionStopped(m.runId()));
        refs.add(ref);
      }
      run.partitions.addAll(refs);
      run.running = refs.size();
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
