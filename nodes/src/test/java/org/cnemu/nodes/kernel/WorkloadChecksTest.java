package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.cnemu.devices.Profile;
import org.cnemu.emulator.model.ConfigProblem;
import org.junit.jupiter.api.Test;

/**
 * Keys a workload sets that its protocol or kind never reads are refused at their line; and validation's bound on
 * a flow's first delivered packet ({@link FirstPacket}): a file it refuses delivers nothing
 * when run anyway, and one just above it validates; the bound is the profile's costs summed exactly.
 */
class WorkloadChecksTest {
  private static final long START_NANOS = 30_000;

  /** One native hotcloud19 iperf3 UDP flow h1 -> h2 of 1000 B datagrams starting at {@code start}, no jitter. */
  private static Config udp(long durationNanos, long startNanos) {
    return ConfigFactory.parseString("experiment {\n name = t, seed = 1, model = kernel, profile = hotcloud19,\n"
            + " steering = vanilla, warmup = 0ms, duration = " + durationNanos + "ns,\n"
            + " topology { stack = native, host-count = 2, link.delay = 1us },\n"
            + " workloads = [ { protocol = udp, src = \"h1/c1\", dst = \"h2/c1\", message-size = 1000B,\n"
            + "   start = " + startNanos + "ns, start-jitter = 0us } ] }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  private static long delivered(Config e) {
    return ((Number) Calib.run(e, 1, 1).conservation().get("delivered")).longValue();
  }

  /**
   * The hotcloud19 costs as the model charges them (stage + retpoline tax; the syscall's KPTI): the sender's
   * sendto 1060, iperf3's per-message 200, udp_sendmsg 640, the copy of 1000 B 97, ip-tx 270, netfilter 610,
   * qdisc 310, the driver 290 = 3477; 1066 B frames serialized at 40 Gbps twice (214 each) and two 1 us links =
   * 2428; rx-usecs 16 us (before adaptive moderation's first sample at 1 ms), the IRQ's 1 us and the hard IRQ 900.
   */
  private static final long BOUND_NANOS = 3_477 + 2_428 + 16_000 + 1_000 + 900;

  @Test
  void aRunEndingBeforeTheFirstPacketCouldBeDeliveredIsRefusedAndDeliversNothing() {
    // 50 us with the flow at 30 us: two link delays (2 us) would pass it, the stack's and NIC's 23.8 us do not
    List<ConfigProblem> p = KernelModels.problems(udp(50_000, START_NANOS));
    assertEquals(1, p.size(), p::toString);
    assertEquals("experiment.workloads[0].start", p.get(0).key());
    assertEquals(6, p.get(0).line());
    assertEquals("the flow would start at 30000ns and its first packet needs at least 23.805us to be delivered (3.477us"
        + " in the sender's stack, 2.428us on the wire, 17.9us of the receiver's interrupt moderation and hard IRQ):"
        + " none could be before the end of the run (duration 50000ns); expected a start before 26.195us or a duration"
        + " above 53.805us", p.get(0).message());
    assertEquals(0, delivered(udp(50_000, START_NANOS)), "run anyway, it delivers nothing");
  }

  @Test
  void theBoundIsTheModelsEdgeBothWays() {
    long edge = START_NANOS + BOUND_NANOS;
    assertEquals(1, KernelModels.problems(udp(edge, START_NANOS)).size(), "at the bound: refused");
    assertEquals(0, delivered(udp(edge, START_NANOS)), "and rightly: nothing is delivered by then");
    assertEquals(List.of(), KernelModels.problems(udp(edge + 1, START_NANOS)), "1 ns above: valid");
    // the model's first delivery comes after what the bound leaves out: the start timer's interrupt and wake-up, the
    // sender thread's switch-in (sched-in, idle-exit: another thread's core may save them) and iperf3's select()
    Profile p = Profile.load(ConfigFactory.defaultReference(), "hotcloud19", ConfigFactory.empty());
    long leftOut = p.timerIrqNanos + p.tryToWakeUpNanos + p.schedInNanos + p.idleExitNanos + p.pollSyscall;
    assertTrue(delivered(udp(edge + 1 + leftOut, START_NANOS)) > 0, "delivered within what the bound leaves out");
  }

  /**
   * After adaptive moderation's first sample (1 ms) a ring's moderation may be rx-usecs-low (0): a flow whose packet
   * could reach the NIC then is bounded without the 16 us, and a file ending inside those 16 us is not refused.
   */
  @Test
  void aPacketThatCouldArriveAfterTheFirstModerationSampleIsBoundedWithoutRxUsecs() {
    long start = 995_000; // the packet reaches the NIC at 1000.905 us at the earliest
    long bound = 3_477 + 2_428 + 0 + 1_000 + 900;
    assertEquals(1, KernelModels.problems(udp(start + bound, start)).size());
    assertEquals(0, delivered(udp(start + bound, start)));
    assertEquals(List.of(), KernelModels.problems(udp(start + bound + 1, start)));
  }
  private static List<String> problems(String workloads) {
    Config e = ConfigFactory.parseString("experiment { duration = 10ms, topology { stack = native, host-count = 2 },\n"
        + "workloads = [ " + workloads + " ] }").withFallback(ConfigFactory.defaultReference()).resolve()
        .getConfig("experiment");
    return KernelModels.problems(e).stream().map(q -> q.key() + "@" + q.line() + ": " + q.message()).toList();
  }

  private static List<String> keys(List<String> problems) {
    return problems.stream().map(q -> q.substring(0, q.indexOf(':'))).toList();
  }

  /**
   * UDP has neither Nagle nor congestion control; request-response's sizes are key-size and value-size; only
   * iperf is paced by rate; reply-timeout is a UDP closed-loop client's; listen-backlog a per-request server's.
   * Each set where it is unused is refused at its line, with what would use it.
   */
  @Test
  void keysTheProtocolOrKindNeverReadsAreRefusedAtTheirLine() {
    List<String> p = problems("{ protocol = udp, src = h1, dst = h2, message-size = 1472B,\n nodelay = true,\n"
        + " congestion-control = reno }");
    assertEquals(List.of("experiment.workloads[0].nodelay@3", "experiment.workloads[0].congestion-control@4"), keys(p),
        p::toString);
    assertEquals("experiment.workloads[0].nodelay@3: protocol = \"udp\" has no Nagle algorithm, so nodelay is unused"
        + " (it is for TCP): remove it, or set protocol = \"tcp\"", p.get(0));
    p = problems("{ kind = request-response, src = h1, dst = h2,\n message-size = 64B,\n rate = 1Gbps,\n"
        + " pacing-timer = 1ms,\n reply-timeout = 1ms,\n listen-backlog = 64 }");
    assertEquals(List.of("experiment.workloads[0].message-size@3", "experiment.workloads[0].rate@4",
        "experiment.workloads[0].pacing-timer@5", "experiment.workloads[0].reply-timeout@6",
        "experiment.workloads[0].listen-backlog@7"), keys(p), p::toString);
    assertEquals("experiment.workloads[0].message-size@3: a request-response flow sends key-size (GET) or key-size"
        + " + value-size (SET) and is answered with value-size (GET) or a header (SET), so message-size is unused: set"
        + " value-size, or set kind = \"ping-pong\" for message-size each way", p.get(0));
    p = problems("{ kind = ping-pong, protocol = udp, src = h1, dst = h2, request-rate = 1000,\n reply-timeout = 1ms }");
    assertEquals(List.of("experiment.workloads[0].reply-timeout@3"), keys(p), p::toString);
    assertTrue(p.get(0).contains("open loop (request-rate 1000) sends on schedule"), p::toString);
    // each where it is read: no problem
    assertEquals(List.of(), problems("{ src = h1, dst = h2, nodelay = true, congestion-control = reno, rate = 1Gbps,"
        + " pacing-timer = 1ms, message-size = 64KB },\n { kind = ping-pong, src = h1, dst = h2, message-size = 64B,"
        + " nodelay = false, congestion-control = reno },\n { kind = request-response, protocol = udp, src = h1,"
        + " dst = h2, reply-timeout = 1ms },\n { kind = request-response, connection = per-request, src = h1, dst = h2,"
        + " listen-backlog = 64 }"));
  }
}
