package org.cnemu.nodes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.model.ConfigProblem;
import org.junit.jupiter.api.Test;

/**
 * Connection churn (connection = "per-request", {@link Churn}): the handshake's round trip, the
 * per-connection costs, the shared listen socket's cache-line transfers, FreeFlow's monitor per
 * connection, conservation with the control packets. Each test fails when its mechanism is removed.
 */
class ChurnTest {
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> flows(Map<String, Object> r) {
    return (List<Map<String, Object>>) r.get("flows");
  }

  private static double cps(Map<String, Object> r) {
    return flows(r).stream().mapToDouble(f -> ((Number) f.get("connections_per_sec")).doubleValue()).sum();
  }

  private static double p50(Map<String, Object> f, String key) {
    return ((Number) ((Map<?, ?>) f.get(key)).get("p50")).doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static long steer(Map<String, Object> r, String host, String key) {
    for (Map<String, Object> h : (List<Map<String, Object>>) r.get("hosts")) {
      if (h.get("id").equals(host)) {
        Object v = ((Map<?, ?>) h.get("steering")).get(key);
        return v == null ? 0 : ((Number) v).longValue();
      }
    }
    throw new AssertionError("no host " + host);
  }

  private static void balanced(Map<String, Object> r) {
    Map<?, ?> c = (Map<?, ?>) r.get("conservation");
    assertEquals(Boolean.TRUE, c.get("balanced"), "conservation: " + c);
  }

  /** One stream between two idle native hosts, 1 ms between connections (each connection alone on the path). */
  private static String pair(String conn, String overrides) {
    return "duration = 10ms, overrides { " + overrides + " }, topology { stack = native, host-count = 2, "
        + "link { delay = 5us } }, workloads = [ { id = c, kind = request-response, src = h1, dst = h2, "
        + "connection = " + conn + ", think-time = 1ms, start-jitter = 0us, get-ratio = 1.0, dst-cpu = 0 } ]";
  }

  @Test
  void theHandshakeCostsARoundTripBeforeTheRequest() {
    Map<String, Object> r = Calib.results(Calib.experiment(pair("per-request", "")));
    balanced(r);
    Map<String, Object> f = flows(r).get(0);
    long n = ((Number) f.get("connections")).longValue();
    assertTrue(n >= 8, "a connection per request: " + f);
    assertEquals(((Number) f.get("transactions")).longValue(), n, "one transaction per connection");
    double conn = p50(f, "connection_latency_us");
    double txn = p50(f, "latency_us");
    // connect() to close() holds the SYN -> SYN-ACK round trip (2 x 5 us of links at least) and the
    // request-response transaction; a connection set up without the handshake would take the transaction only
    assertTrue(conn > txn + 10, "connection " + conn + " us vs transaction " + txn + " us");
    // the SYN, SYN-ACK and handshake ACK, the client's FIN (with the response's ACK), the server's FIN and
    // the last ACK: 6 control packets per connection beside the request, its ACK, the response, its ACK; the
    // connections counted are those the measured window holds whole, and one at either end of it may be cut
    Map<?, ?> c = (Map<?, ?>) r.get("conservation");
    long sent = ((Number) c.get("sent")).longValue();
    assertTrue(sent >= 10 * n && sent < 10 * (n + 2), "packets per connection: " + sent + " for " + n);
    assertEquals(0L, steer(r, "h2", "churn.no_connection_segments"));
  }

  /** One connection at a time on an idle native pair, one server core, no adaptive moderation, 5 us links. */
  private static Config oneConnectionAlone() {
    return Calib.experiment("duration = 3ms, overrides { nic { adaptive-rx { enabled = false } } },"
        + " topology { stack = native, host-count = 2, hosts { h2 { cpus = 1 } }, link { delay = 5us } },"
        + " workloads = [ { id = c, kind = request-response, src = h1, dst = h2, connection = per-request,"
        + " think-time = 1ms, start-jitter = 0us, get-ratio = 1.0 } ]");
  }

  /**
   * One connection alone on an idle native pair (one server core, no adaptive moderation): the SYN reaches
   * the listener's TCP and the SYN-ACK the client's exactly when the profile's costs and the links say, and
   * accept() takes its syscall and cost.
   */
  @Test
  void oneConnectionsHandshakeTakesExactlyWhatTheCostsSay() {
    Config e = oneConnectionAlone();
    org.cnemu.devices.Profile p = KernelModels.spec(e).profile;
    Map<String, Object> r = Calib.results(e);
    balanced(r);
    long connect = steer(r, "h1", "churn.first_connect_ns");
    long synRx = steer(r, "h2", "churn.first_syn_rx_ns");
    long synAckRx = steer(r, "h1", "churn.first_synack_rx_ns");
    long acceptStart = steer(r, "h2", "churn.first_accept_start_ns");
    long acceptReturn = steer(r, "h2", "churn.first_accept_return_ns");
    long close = steer(r, "h1", "churn.first_close_ns");
    long ser = NicEntity.serNanos(NicEntity.ETH_WIRE + NicEntity.IP_TCP, p.nicRateBps); // a header-only segment
    // a control packet from its TCP to the peer's TCP: transmit path (the SYN and SYN-ACK were built by
    // tcp-connect and tcp-syn-rx: no tcp-ack-tx), NIC, link, switch, link, the moderated IRQ, the NAPI
    // poll's driver and GRO, IP with the host netns' rules
    long path = p.ipTx + p.netfilter + p.qdisc + p.driverTx + ser + 5_000 + ser + 5_000
        + p.rxUsecs + p.irqLatency + p.irq + p.napiPoll + p.driverRx + p.groPerPkt + p.ipRx + p.netfilter;
    assertTrue(connect >= 1_000_000, "after the warm-up");
    // connect()'s SYN skb is the new socket's first charge of tcp_memory_allocated, which the connection
    // before it wrote last when its destroy ran in the softirq of its RSS core, not the thread's: one line moves
    assertEquals(p.appPerMessage + 2 * p.syscall + p.tcpConnect + p.cacheLineTransfer + path, synRx - connect,
        "socket() + connect(), then the SYN's path");
    // a header-only segment: tcp_v4_rcv and the state's entry (tcp-ack-rx), not the data path's tcp-rx
    assertEquals(p.tcpAckRx + p.tcpSynRx + path, synAckRx - synRx, "the listener's SYN work, then the SYN-ACK's path");
    // the client's SYN-ACK work, its try_to_wake_up of the thread in connect() (tcp_finish_connect's
    // sk_state_change, before the ACK is sent) and the handshake ACK it built, that ACK's path (the request, sent
    // 4 us later, waits in the same 16 us moderation window: one poll runs both through the driver and GRO first),
    // the listener's child socket, then its try_to_wake_up of the server thread blocked in accept() on the same
    // core (no IPI, no C-state exit: the core runs the softirq). The thread runs when that softirq has ended: after
    // the child it runs the request (IP, the host's rules, tcp-rx and its segment) and the quick ACK it sends
    // (tcp-ack-tx, IP, the rules, qdisc, driver), and one more net_rx_action (4025 ns with retpolines); then
    // schedule() leaves the idle loop and switches to the thread (idle-exit, sched-in), and accept() starts
    long request = p.driverRx + p.groPerPkt;
    long softirqAfterChild = p.ipRx + p.netfilter + p.tcpRx + p.tcpRxPerSeg
        + p.tcpAckTx + p.ipTx + p.netfilter + p.qdisc + p.driverTx + p.netRxAction;
    assertEquals(4025, softirqAfterChild);
    assertEquals(p.tcpAckRx + p.tcpSynAckRx + p.tryToWakeUpNanos + path + request + p.tcpAckRx + p.tcpChildCreate
        + p.tryToWakeUpNanos + softirqAfterChild + p.idleExitNanos + p.schedInNanos, acceptStart - synAckRx,
        "accept() starts when the handshake's ACK made the child and woke the thread, and the softirq has ended");
    assertEquals(p.appPerMessage + p.syscall + p.tcpAccept, acceptReturn - acceptStart, "accept()");
    assertTrue(close > acceptReturn, "close() after the response");
  }

  /**
   * The server's end of one connection alone on one server core: after the client's FIN its thread's read()
   * returns 0, a syscall of its own (entry/exit and tcp_recvmsg finding RCV_SHUTDOWN), and then close() sends
   * the FIN; on one core no line moves, so the step is exactly the app's work, two syscalls and tcp-close.
   */
  @Test
  void theServersReadOfEofIsASyscallBeforeClose() {
    Config e = oneConnectionAlone();
    org.cnemu.devices.Profile p = KernelModels.spec(e).profile;
    Map<String, Object> r = Calib.results(e);
    balanced(r);
    long eof = steer(r, "h2", "churn.first_eof_read_ns");
    long fin = steer(r, "h2", "churn.first_server_fin_ns");
    assertTrue(eof > steer(r, "h1", "churn.first_close_ns"), "the server reads EOF after the client's close()");
    assertEquals(p.appPerMessage + 2 * p.syscall + p.tcpClose, fin - eof, "read() returning 0, then close()");
  }

  @Test
  void aPersistentConnectionHasNoHandshakeAndNoConnectionFields() {
    Map<String, Object> r = Calib.results(Calib.experiment(pair("persistent", "")));
    Map<String, Object> f = flows(r).get(0);
    assertTrue(!f.containsKey("connections") && !f.containsKey("connection_latency_us"), "persistent: " + f.keySet());
  }

  /** Two client hosts x 4 streams into one server of {@code cpus} cores, back to back (think 0). */
  private static Map<String, Object> load(int cpus, String overrides) {
    return Calib.results(Calib.experiment("duration = 6ms, overrides { " + overrides + " }, topology { stack = native, host-count = 3,"
        + " hosts { h1 { cpus = " + cpus + " } } }, workloads = [ { id = c, kind = request-response,"
        + " connection = per-request, pattern = incast, dst = h1, pattern-container = \"\", streams = 4,"
        + " get-ratio = 1.0 } ]"));
  }

  @Test
  void perConnectionCostsLimitTheConnectionRate() {
    double base = cps(load(1, ""));
    double free = cps(load(1, "costs { tcp-connect = 1ns, tcp-syn-rx = 1ns, tcp-synack-rx = 1ns, tcp-child-create = 1ns,"
        + " tcp-accept = 1ns, tcp-close = 1ns, tcp-destroy = 1ns }"));
    System.out.printf("connections/s on one server core: %.0f; without the per-connection costs %.0f%n", base, free);
    assertTrue(free > base * 1.15, "the per-connection costs must cost: " + base + " vs " + free);
  }

  /**
   * A connection counts when its transaction completes in the measured window, whenever it was opened: each of
   * the 8 closed-loop streams into a saturated server core always has one connection open (think time 0), so
   * by Little's law connections/s x connection latency = 8. Counting only the connections opened after the
   * warm-up loses those that complete in the window's first connection latency (~0.3 ms of 5 ms: 6 % fewer).
   */
  @Test
  void connectionsCountWhenTheyCompleteInTheWindow() {
    Map<String, Object> r = load(1, "");
    double open = 0;
    for (Map<String, Object> f : flows(r)) {
      open += ((Number) f.get("connections_per_sec")).doubleValue() * p50(f, "connection_latency_us") / 1e6;
    }
    assertEquals(8.0, open, 0.1, "connections open at any time, by Little's law: " + open);
  }

  /**
   * Length of a saturated run (s): 20 ms, not 5, as the connections/s ratios compared below differ by about 0.5 %,
   * while a 5 ms window counts connections in steps of 0.2 % and the threads' and softirqs' phases move it by ~1 %.
   */
  private static final double SATURATED_SECONDS = 20e-3;

  /** 4 client hosts x 6 closed-loop streams (think time 0) into h1 with {@code cpus} cores: every core saturated. */
  private static Map<String, Object> saturated(int cpus, String overrides) {
    return Calib.results(Calib.experiment("duration = 20ms, overrides { " + overrides + " }, topology { stack = native, host-count = 5,"
        + " hosts { h1 { cpus = " + cpus + " } } }, workloads = [ { id = c, kind = request-response,"
        + " connection = per-request, pattern = incast, dst = h1, pattern-container = \"\", streams = 6,"
        + " get-ratio = 1.0 } ]"));
  }

  /** Listen-socket line transfers per connection completed (the window's connections, over the whole run's transfers). */
  private static double transfersPerConnection(Map<String, Object> r) {
    return steer(r, "h1", "churn.listen_transfers") / (cps(r) * SATURATED_SECONDS);
  }

  /**
   * One listener shared by the server threads on every core (no SO_REUSEPORT): each of its lines (refcount,
   * accept queue, sk_ack_backlog, socket lock, wait queue, the port's bind bucket and lock) moves when a
   * connection's SYN, child creation, accept() or close uses it on another core than its last user, so on one
   * core nothing moves and per connection more lines move on four cores than on two (a use finds its line on
   * another core ~(n-1)/n of the time). What the transfers cost each core grows with it: connections/s with
   * the transfers over those with a 1 ns transfer falls from two cores to four.
   */
  @Test
  void theListenersLinesCostEachCoreMoreWithMoreServerCores() {
    Map<String, Object> one = saturated(1, "");
    assertEquals(0L, steer(one, "h1", "churn.listen_transfers"), "one core: the listener's lines stay");
    Map<String, Object> two = saturated(2, ""), four = saturated(4, "");
    balanced(four);
    double t2 = transfersPerConnection(two), t4 = transfersPerConnection(four);
    long accept = steer(four, "h1", "churn.listen_transfers.accept_queue");
    long bind = steer(four, "h1", "churn.listen_transfers.bind_bucket");
    String free = "costs { cache-line-transfer = 1ns }";
    double kept2 = cps(two) / cps(saturated(2, free)), kept4 = cps(four) / cps(saturated(4, free));
    System.out.printf("listen-socket line transfers per connection: 2 cores %.2f, 4 cores %.2f; connections/s kept"
        + " with the transfers: 2 cores %.4f, 4 cores %.4f%n", t2, t4, kept2, kept4);
    assertTrue(t2 > 0 && t4 > t2, "more cores, more transfers per connection: " + t2 + " vs " + t4);
    assertTrue(accept > 0 && bind > 0, "the accept queue's and the bind bucket's lines move: " + accept + ", " + bind);
    assertTrue(kept2 < 1 && kept4 < kept2, "the transfers cost each core more on four cores: " + kept2 + " vs " + kept4);
  }

  /** One stream at a time (1 ms think time) into h2 with {@code cpus} cores, its server thread on core 0. */
  private static Map<String, Object> sparse(int cpus, String steering) {
    return Calib.results(Calib.experiment("duration = 10500us, steering = " + steering + ", topology { stack = native, host-count = 2,"
        + " hosts { h2 { cpus = " + cpus + " } }, link { delay = 5us } }, workloads = [ { id = c,"
        + " kind = request-response, src = h1, dst = h2, connection = per-request, think-time = 1ms,"
        + " start-jitter = 0us, get-ratio = 1.0, dst-cpu = 0 } ]"));
  }

  /**
   * The server's child socket is made in the softirq of its connection's RSS core and accepted and closed by the
   * thread on core 0: a connection that RSS puts on another core moves the request sock and the socket's line
   * once each (accept()'s reqsk_put and sock_graft) and the state line twice (close() on the thread's core, the
   * last ACK's tcp_done back on the RSS core); one on core 0 moves none. Connections here come one at a time,
   * and the run ends in a think time (10.5 ms: the ninth connection is done by 10.1 ms, the tenth comes a think time,
   * 1 ms, later), so every count is exact: state = 2 x request = 2 x socket, and one server core moves nothing.
   */
  @Test
  void theChildSocketsLinesMoveWhenItsThreadRunsOffTheRssCore() {
    Map<String, Object> one = sparse(1, "vanilla");
    assertEquals(0L, steer(one, "h2", "churn.child_transfers"), "one core: the child's lines stay");
    Map<String, Object> four = sparse(4, "vanilla");
    balanced(four);
    long n = ((Number) flows(four).get(0).get("connections")).longValue();
    long request = steer(four, "h2", "churn.child_transfers.request");
    long socket = steer(four, "h2", "churn.child_transfers.socket");
    long state = steer(four, "h2", "churn.child_transfers.state");
    System.out.printf("child socket line moves on 4 server cores: request %d, socket %d, state %d for %d connections%n",
        request, socket, state, n);
    assertTrue(request > 0 && request < n, "some connections are off core 0, not all: " + request + " of " + n);
    assertEquals(request, socket, "accept() moves the request sock and the socket's line together");
    assertEquals(2 * request, state, "close() and the last ACK move the state line");
    assertEquals(request + socket + state, steer(four, "h2", "churn.child_transfers"));
  }

  /**
   * tcp_memory_allocated is one line per host that every socket writes: on the server, the child's first data
   * (softirq, RSS core), close() (thread) and the destroy at the last ACK (softirq). One core never moves it;
   * on four cores a connection off the thread's core moves it at close() and back at the last ACK (at least
   * 2 x the connections whose request sock moved), and a connection on another RSS core than the one before
   * moves it once more.
   */
  @Test
  void tcpMemoryAllocatedMovesBetweenTheCoresThatChargeAndReclaim() {
    assertEquals(0L, steer(sparse(1, "vanilla"), "h2", "churn.tcp_memory_transfers"), "one core");
    Map<String, Object> four = sparse(4, "vanilla");
    long offCore = steer(four, "h2", "churn.child_transfers.request");
    long memory = steer(four, "h2", "churn.tcp_memory_transfers");
    System.out.printf("tcp_memory_allocated moves on 4 server cores: %d, connections off core 0: %d%n", memory, offCore);
    assertTrue(offCore > 0 && memory >= 2 * offCore, "moves: " + memory + " for " + offCore + " connections off core 0");
  }

  @Test
  void freeflowConnectsAndClosesThroughTheMonitorForEveryConnection() {
    Map<String, Object> r = Calib.results(Calib.experiment("duration = 5ms, steering = freeflow, topology { stack = docker-overlay,"
        + " host-count = 1, hosts { h1 { containers = [c1, c2] } } }, workloads = [ { id = c, kind = request-response,"
        + " connection = per-request, src = \"h1/c1\", dst = \"h1/c2\", start-jitter = 0us, think-time = 20us } ]"));
    Map<String, Object> f = flows(r).get(0);
    long n = ((Number) f.get("connections")).longValue();
    long req = steer(r, "h1", "shm.monitor_requests");
    assertTrue(n > 5, "connections: " + f);
    // per connection: accept + socket + connect + close (the ones before the warm-up count too)
    assertTrue(req >= 4 * n, "monitor requests " + req + " for " + n + " connections");
    assertEquals(0L, steer(r, "h1", "churn.listen_transfers"), "no kernel listen socket on the shared-memory path");
  }

  @Test
  void perRequestNeedsTcpAndAClosedLoop() {
    Config e = Calib.experiment("duration = 1ms, topology { host-count = 2 }, workloads = [ { kind = request-response,"
        + " protocol = udp, connection = per-request, src = \"h1/c1\", dst = \"h2/c1\" } ]");
    List<ConfigProblem> out = new ArrayList<>();
    out.addAll(KernelModels.problems(e));
    assertTrue(out.stream().anyMatch(p -> p.key().endsWith(".connection") && p.message().contains("tcp")), out.toString());
  }
}
