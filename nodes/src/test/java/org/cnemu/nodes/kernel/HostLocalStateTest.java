package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.ConfigFactory;
import org.cnemu.devices.Hashing;
import org.cnemu.devices.Packet;
import org.cnemu.kernel.api.Boundary;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;
import org.junit.jupiter.api.Test;

/**
 * What a packet reads on its host is the host's own state: the flows' specs and the host's spec are copies
 * allocated with the host (not the run-wide records parsed before it), and the NIC's RSS answer is kept for the
 * next packet of the same flow direction. With thousands of hosts each run-wide record was one more cache miss
 * per packet (docs/benchmarks.md, seventh round); the results cannot show it, so these check the layout itself.
 */
class HostLocalStateTest {
  static Spec spec() {
    return KernelModels.spec(ConfigFactory.parseString(
        "experiment { name = local, seed = 1, duration = 1ms, warmup = 0ms, model = kernel, profile = hotcloud19,"
            + " steering = vanilla, topology { stack = native, host-count = 3 }, workloads = ["
            + " { id = a, protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 100B },"
            + " { id = b, protocol = tcp, src = \"h3/c1\", dst = \"h2/c1\", message-size = 100B } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment"));
  }

  static final SteeringPolicy STAY = new SteeringPolicy() {
    @Override
    public String name() {
      return "stay";
    }

    @Override
    public int targetCpu(Boundary boundary, StageContext ctx) {
      return ctx.cpu();
    }
  };

  @Test
  void aHostKeepsCopiesOfItsFlowsAndOwnSpec() {
    Spec spec = spec();
    HostKernel h = new HostKernel(spec, spec.hosts.get(1), STAY);
    for (Spec.FlowSpec f : spec.flows) {
      Spec.FlowSpec mine = h.local(f);
      assertNotSame(f, mine, "flow " + f.id() + ": the run-wide record");
      assertNotSame(f.load(), mine.load(), "flow " + f.id() + ": the run-wide load");
      assertEquals(f, mine);
      assertSame(mine, h.local(f), "one copy per flow");
    }
    assertNotSame(spec.hosts.get(1), h.hs);
    assertEquals(spec.hosts.get(1), h.hs);
  }

  @Test
  void theNicHashesOncePerFlowDirectionAndAnswersAsTheHash() {
    Spec spec = spec();
    HostKernel h = new HostKernel(spec, spec.hosts.get(1), STAY);
    h.coreAddr = new long[h.cpus]; // the NIC keeps the core of each TX ring's interrupt
    NicEntity nic = new NicEntity(h, null, 1);
    for (int i = 0; i < 400; i++) {
      int flow = (i / 100) % 2; // 100 packets of a, 100 of b, 100 of a, 100 of b
      Spec.FlowSpec f = spec.flows.get(flow);
      int hash = HostKernel.flowHash(f, 0);
      Packet p = new Packet(flow, (byte) 0, f.udp(), i, 100, 1, 0, 0, 0, 0, 0, (short) 0, (short) 1, hash, (byte) 0,
          1, i, false);
      int q = nic.queueOf(p);
      long ports = f.udp() && !h.p.rssUdpPorts ? -1 : hash & 0xffffffffL;
      int expected = (int) Long.remainderUnsigned(Hashing.rss(h.hs.rssKey(), f.srcHost(), h.hs.index(), ports)
          & 0xffffffffL, h.rxQueues.length);
      assertEquals(expected, q, "packet " + i);
    }
    assertEquals(4, nic.rssHashes, "one hash per run of a flow direction");
  }

  @Test
  void theNicFindsTheTxRingOfItsLastEventWithoutTheRingArray() {
    Spec spec = spec();
    HostKernel h = new HostKernel(spec, spec.hosts.get(1), STAY);
    h.coreAddr = new long[h.cpus];
    NicEntity nic = new NicEntity(h, null, 1);
    for (int i = 0; i < 400; i++) {
      int q = (i / 100) % 2 == 0 ? 3 : 5; // 100 events of ring 3, 100 of ring 5, 100 of 3, 100 of 5
      assertSame(h.txRings[q], nic.txRing(q), "event " + i);
    }
    assertEquals(4, nic.txRingLookups, "one read of the ring array per change of ring");
  }
}
