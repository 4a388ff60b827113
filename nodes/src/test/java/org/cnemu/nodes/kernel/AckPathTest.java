package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.BuiltModel;
import org.junit.jupiter.api.Test;

/**
 * A pure ACK takes TCP's fast path (tcp-ack-rx: tcp_v4_rcv + tcp_ack, nothing queued, no reader woken), not
 * the data path's tcp-rx. Fails when received ACKs are charged tcp-rx again.
 */
class AckPathTest {
  /** Busy core-seconds of both hosts of a persistent TCP ping-pong (1 KB, 100 us think) with {@code costs}. */
  private static double[] busyAndTransactions(String costs) {
    Config e = ConfigFactory.parseString("experiment { name = t, seed = 42, model = kernel, profile = hotcloud19, "
            + "steering = vanilla, warmup = 1ms, duration = 11ms, overrides { costs { " + costs + " } }, "
            + "topology { stack = native, host-count = 2 }, workloads = [ { id = p, kind = ping-pong, src = h1, "
            + "dst = h2, message-size = 1KB, think-time = 100us, start-jitter = 0us } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
    SimulationBuilder b = new SimulationBuilder(e.getLong("seed"), 0, 1, SimulationBuilder.Placement.BLOCK);
    BuiltModel m = KernelModels.build(e, b);
    SimulationResult r = Simulation.run(b, Units.nanos(e, "duration"), 1);
    Calib.Run run = new Calib.Run(m.results(r), r);
    double busy = (run.busyCores("h1") + run.busyCores("h2")) * 0.010; // 10 ms measured after the warm-up
    double tx = 0;
    for (Map<String, Object> f : run.list("flows")) tx += ((Number) f.get("transactions")).doubleValue();
    return new double[] {busy, tx};
  }

  @Test
  void aPureAckCostsTcpAckRxNotTheDataPath() {
    double[] base = busyAndTransactions("tcp-ack-rx = 450ns");
    double[] slow = busyAndTransactions("tcp-ack-rx = 10450ns");
    assertTrue(base[1] > 50 && slow[1] > 50, "transactions: " + base[1] + ", " + slow[1]);
    // each transaction's request and response are ACKed at once by a pure ACK: two ACKs received per
    // transaction (the slower ACK delays the next request a little: compare busy time per transaction)
    double perAckUs = (slow[0] / slow[1] - base[0] / base[1]) / 2 * 1e6;
    System.out.printf("busy time per received pure ACK with tcp-ack-rx + 10 us: +%.2f us%n", perAckUs);
    assertTrue(perAckUs > 8.5 && perAckUs < 11.5, "each pure ACK pays tcp-ack-rx: +" + perAckUs + " us");
  }
}
