package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.Packet;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.junit.jupiter.api.Test;

/**
 * An RX queue's interrupt against a scripted core (no host model around it, no fabric): the IRQ is
 * masked from the time it fires until the NAPI poll's napi_complete re-arms it, whatever arrives
 * meanwhile; pending packets raise it again after the moderation time. Moderation: rx-usecs 16 us,
 * rx-frames 44 (not reached here), no adaptive moderation; IRQ latency from the profile.
 */
class NicQueueTest {
  static final long MODER = 16_000;
  static final long LAT = 1_000; // hotcloud19's irq-latency

  /** A core that polls for {@link #POLL} ns after each IRQ, takes up to 10 arrived packets, then completes the NAPI. */
  static final class ScriptedCore extends Entity<CoreEntity.Msg> {
    static final long POLL = 50_000;
    final HostKernel h;
    final List<Long> irqs;
    EntityRef<NicQueue.Msg> queue;
    long taken;

    ScriptedCore(HostKernel h, List<Long> irqs) {
      this.h = h;
      this.irqs = irqs;
    }

    @Override
    protected void onMessage(CoreEntity.Msg m) {
      if (m instanceof CoreEntity.Irq) { // a test double: it handles two of the core's messages
        irqs.add(now());
        schedule(POLL, new CoreEntity.Done(0));
      } else if (m instanceof CoreEntity.Done) {
        NicQueue r = h.rxQueues[0];
        for (int n = Math.min(10, r.ready(now())); n > 0; n--) {
          r.poll();
          taken++;
        }
        send(queue, 0, new NicQueue.NapiComplete(0));
      }
    }
  }

  /** Sends one packet to the queue every {@code gapNanos} from 0 to {@code untilNanos}. */
  static final class Wire extends Entity<NicQueue.Msg> {
    final EntityRef<NicQueue.Msg> queue;
    final long gapNanos;
    final long untilNanos;

    Wire(EntityRef<NicQueue.Msg> queue, long gapNanos, long untilNanos) {
      this.queue = queue;
      this.gapNanos = gapNanos;
      this.untilNanos = untilNanos;
    }

    @Override
    protected void onStart() {
      for (long t = 0; t < untilNanos; t += gapNanos) {
        Packet p = new Packet(0, (byte) 0, true, t, 100, 1, 0, 0, 0, 0, 0, (short) 0, (short) 1, 0, (byte) 0, 1, t, false);
        send(queue, t, new SwitchEntity.WireTrain(new Packet[] {p}, 10_000_000_000L, 66));
      }
    }

    @Override
    protected void onMessage(NicQueue.Msg msg) {}
  }

  static HostKernel receiver() {
    return receiver("");
  }

  /** The receiver with more {@code nic} overrides ({@code "ring = 4"}). */
  static HostKernel receiver(String nicOverrides) {
    Spec spec = KernelModels.spec(ConfigFactory.parseString(
        "experiment { name = irq, seed = 1, duration = 1ms, warmup = 0ms, model = kernel, profile = hotcloud19,"
            + " steering = vanilla, overrides { nic { rx-usecs = 16us, rx-frames = 44, queues = 1,"
            + " adaptive-rx.enabled = false, " + nicOverrides + " } }, topology { stack = native, host-count = 2 },"
            + " workloads = [ { id = u, protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 100B } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment"));
    SteeringPolicy stay = new SteeringPolicy() {
      @Override
      public String name() {
        return "stay";
      }

      @Override
      public int targetCpu(Boundary boundary, StageContext ctx) {
        return ctx.cpu();
      }
    };
    return new HostKernel(spec, spec.hosts.get(1), stay);
  }

  /** Runs the queue of a fresh receiver with a packet every {@code gapNanos} until {@code untilNanos}; the IRQ times. */
  @SuppressWarnings("unchecked")
  static List<Long> irqTimes(long gapNanos, long untilNanos) {
    HostKernel h = receiver();
    List<Long> irqs = new ArrayList<>();
    SimulationBuilder b = new SimulationBuilder(1, 0, 1, SimulationBuilder.Placement.BLOCK);
    EntityRef<NicQueue.Msg>[] q = new EntityRef[1];
    EntityRef<CoreEntity.Msg> coreRef = b.add("h2/cpu0", "h2", () -> {
      ScriptedCore c = new ScriptedCore(h, irqs);
      c.queue = q[0];
      return c;
    });
    h.coreAddr = new long[h.cpus];
    java.util.Arrays.fill(h.coreAddr, coreRef.address());
    q[0] = b.add("h2/nic/rx0", "h2", () -> new NicQueue(h, 0));
    b.add("wire", "h2", () -> new Wire(q[0], gapNanos, untilNanos));
    Simulation.run(b, 1_000_000, 1);
    return irqs;
  }

  @Test
  void theIrqIsMaskedWhileNapiPollsAndRaisedAgainAfterNapiComplete() {
    List<Long> irqs = irqTimes(1_000, 200_000); // a packet every microsecond for 200 us
    long lat = LAT;
    // first packet at 0: the moderation timer fires at 16 us, the IRQ reaches the core lat later. Each poll
    // lasts 50 us, during which ~50 packets arrive and raise nothing (masked); it takes 10, so at
    // napi_complete packets are pending and the re-armed IRQ fires rx-usecs + lat later. Every IRQ of the run
    // (15 in 1 ms) comes exactly that way.
    long period = ScriptedCore.POLL + MODER + lat;
    List<Long> expected = new ArrayList<>();
    for (long t = MODER + lat; t < 1_000_000; t += period) expected.add(t);
    assertEquals(expected, irqs);
    assertEquals(15, irqs.size());
  }

  @Test
  void napiCompleteReArmsTheIrqForTheNextPacket() {
    // a packet every 100 us: each poll takes it and leaves the ring empty; only the re-armed IRQ
    // (napi_complete) lets the next packet raise it, rx-usecs after its arrival
    List<Long> irqs = irqTimes(100_000, 1_000_000);
    List<Long> expected = new ArrayList<>();
    for (long t = 0; t < 1_000_000; t += 100_000) expected.add(t + MODER + LAT);
    assertEquals(expected, irqs);
  }
}
