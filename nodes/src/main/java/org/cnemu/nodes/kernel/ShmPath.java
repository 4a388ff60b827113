package org.cnemu.nodes.kernel;

import java.util.ArrayDeque;
import org.cnemu.kernel.api.SharedMemorySpec;

/**
 * FreeFlow's intra-host fast path on one host: per flow a lockless single-producer single-consumer
 * shared-memory ring between the two containers, and the monitor that serves socket/connect/accept
 * through per-container request/event queues (on a dedicated core, or offloaded to a programmable
 * NIC with doorbell batching). The data path raises no IRQ and runs no kernel stage: the sender's
 * thread copies into ring slots, the receiver's thread polls and copies out; each side learns of
 * the other's index update one cache-line transfer later (the profile's {@code cache-line-transfer}).
 * Per message each side pays the copy (the profile's {@code memcpy-per-kib}) and its cache-line
 * transfers ({@link SharedMemorySpec#pushLines}, {@link SharedMemorySpec#popLines}). Busy polling is
 * not accounted as CPU time (only the work is).
 *
 * <p>Request-response and ping-pong connections use one ring per direction (the request flow's and
 * the response flow's), connected together by one monitor connect; the host's request-response
 * thread code calls {@link #connect}, {@link #readable}, {@link #read}, {@link #space} and
 * {@link #write} instead of the socket calls, so the same client/server logic runs on either path.
 *
 * <p>Conservation: each ring slot pushed counts as one packet sent, each slot consumed as one
 * delivered; slots in the ring are in flight.
 */
final class ShmPath {
  private static final class Channel {
    final SharedMemorySpec spec;
    boolean connectIssued;
    boolean connected;
    long connectStart;
    // producer's view
    long pushedBytes;
    long freedBytes; // as seen by the producer
    // consumer's view
    final ArrayDeque<long[]> visible = new ArrayDeque<>(); // {bytes, slots, sentAt}
    long visibleBytes;
    long slotsInRing;

    Channel(SharedMemorySpec spec) {
      this.spec = spec;
    }
  }

  private final HostKernel h;
  private final Channel[] byFlow;
  private long monitorBusyUntil;
  private long monitorBusy;
  private long requests;
  private long doorbells;
  private long ringFull;
  private long slotsPushed;

  /** @param flows how many flows the host has (its per-flow state is by slot, see HostKernel.slot) */
  ShmPath(HostKernel h, int flows) {
    this.h = h;
    this.byFlow = new Channel[flows];
    this.asked = new boolean[flows];
  }

  private final boolean[] asked;

  /** Whether flow {@code flow} takes the fast path (asks the policy once per flow). */
  boolean has(int flow) {
    int i = h.slot(flow);
    if (i < 0) return false;
    if (!asked[i]) {
      asked[i] = true;
      Spec.FlowSpec f = h.spec.flows.get(flow);
      boolean same = f.srcHost() == f.dstHost();
      SharedMemorySpec s = h.policy.sharedMemory(same, flow);
      if (s != null && same) byFlow[i] = new Channel(s);
    }
    return byFlow[i] != null;
  }

  long packetsInside() {
    long n = 0;
    for (Channel c : byFlow) if (c != null) n += c.slotsInRing;
    return n;
  }

  /**
   * The monitor serves {@code n} requests posted at {@code at}; returns when the last event is
   * visible in the container's event queue. Also returns the CPU the container spent ringing
   * doorbells in {@code cpu[0]}.
   */
  private long monitor(SharedMemorySpec s, long at, int n, long[] cpu) {
    long arrive;
    long per;
    long back;
    if (s.nicOffload()) {
      long bells = (n + s.doorbellBatch() - 1) / s.doorbellBatch();
      doorbells += bells;
      cpu[0] = bells * s.doorbellNanos();
      arrive = at + cpu[0] + s.pcieLatencyNanos();
      per = s.nicRequestNanos();
      back = s.pcieLatencyNanos();
    } else {
      cpu[0] = 0;
      arrive = at + h.p.cacheLineTransfer;
      per = s.monitorRequestNanos();
      back = h.p.cacheLineTransfer;
    }
    long start = Math.max(arrive, monitorBusyUntil);
    monitorBusyUntil = start + n * per;
    monitorBusy += n * per;
    requests += n;
    return monitorBusyUntil + back;
  }

  /**
   * The connecting side's socket + connect through the monitor (the peer's accept was posted at its
   * start): -1 when flow {@code k}'s connection is up, else the CPU ns the thread spends now (doorbells)
   * before it sleeps until {@link Connected} wakes it (0 = sleep at once).
   */
  long connect(CoreEntity c, Sock k) {
    Channel ch = byFlow[h.slot(k.flow.index())];
    if (ch.connected) return -1;
    if (ch.connectIssued) return 0;
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    ch.connectIssued = true;
    ch.connectStart = now;
    long[] cpu = new long[1];
    // the receiver's accept was posted at its start; socket + connect now, served in order
    monitor(ch.spec, 0, 1, new long[1]);
    long done = monitor(ch.spec, now, 2, cpu);
    c.toCore(h.coreAddr[k.cpu], done - now, new CoreEntity.ShmConnected(f.index()));
    for (Sock o : h.socks) {
      if (!o.sender && o.flow.index() == f.index()) c.toCore(h.coreAddr[o.cpu], done - now, new CoreEntity.ShmConnected(f.index()));
    }
    return cpu[0];
  }

  /**
   * Connection churn: the client's next connection of request-response flow {@code k} goes through the
   * monitor again (socket + connect, the server's accept), both directions' rings waiting for it.
   */
  void reopen(Sock k) {
    for (int flow : new int[] {k.flow.index(), k.flow.pair()}) {
      if (!has(flow)) continue;
      Channel ch = byFlow[h.slot(flow)];
      ch.connected = false;
      ch.connectIssued = false;
    }
  }

  /** Connection churn: close() of flow {@code k}'s connection, one request to the monitor; the doorbell CPU ns. */
  long close(CoreEntity c, Sock k) {
    long[] cpu = new long[1];
    monitor(byFlow[h.slot(k.flow.index())].spec, c.nowNs(), 1, cpu);
    return cpu[0];
  }

  /** Bytes visible to the consumer of flow {@code flow}'s ring. */
  long readable(int flow) {
    return byFlow[h.slot(flow)].visibleBytes;
  }

  /** Free bytes of flow {@code flow}'s ring as its producer sees them. */
  long space(int flow) {
    Channel ch = byFlow[h.slot(flow)];
    return ch.spec.ringBytes() - (ch.pushedBytes - ch.freedBytes);
  }

  /**
   * The producer (thread of socket {@code k}) copies {@code bytes} into flow {@code k}'s ring,
   * starting {@code offset} ns into its step; returns its CPU ns (user space). The consumer sees the
   * data after the cache-line transfer.
   */
  long write(CoreEntity c, Sock k, long bytes, long offset) {
    Channel ch = byFlow[h.slot(k.flow.index())];
    SharedMemorySpec s = ch.spec;
    int slots = (int) Math.max(1, (bytes + s.slotBytes() - 1) / s.slotBytes());
    long usr = push(s) + h.p.memcpy(bytes);
    ch.pushedBytes += bytes;
    ch.slotsInRing += slots;
    slotsPushed += slots;
    h.sent += slots;
    k.sentSegs += slots;
    Sock r = h.rxSockByFlow[h.slot(k.flow.index())].thread;
    long done = c.nowNs() + offset + usr;
    c.toCore(h.coreAddr[r.cpu], offset + usr + h.p.cacheLineTransfer, new CoreEntity.ShmData(k.flow.index(), bytes, slots, done));
    return usr;
  }

  /**
   * The consumer thread copies {@code bytes} (at most what is visible) out of data socket {@code r}'s
   * ring, starting {@code offset} ns into its step; returns its CPU ns (user space). Slots are freed
   * (and seen by the producer after the cache-line transfer) as whole pushes are consumed.
   */
  long read(CoreEntity c, Sock r, long bytes, long offset) {
    int flow = r.flow.index();
    Channel ch = byFlow[h.slot(flow)];
    SharedMemorySpec s = ch.spec;
    long usr = pop(s) + h.p.memcpy(bytes);
    long freed = 0;
    int slots = 0;
    long now = c.nowNs() + offset;
    while (bytes > 0 && !ch.visible.isEmpty()) {
      long[] head = ch.visible.peek();
      long n = Math.min(bytes, head[0]);
      head[0] -= n;
      bytes -= n;
      ch.visibleBytes -= n;
      freed += n;
      if (head[0] > 0) break;
      ch.visible.poll();
      slots += (int) head[1];
      if (now + usr >= h.warmup) h.stats.latency(flow, now + usr - head[2]);
      if (head.length > 3) h.journeys.finishShm(h.slot(flow), head[2], head[3], h.where(c.cpu), now, now + usr);
    }
    ch.slotsInRing -= slots;
    h.delivered += slots;
    r.deliveredSegs += slots;
    if (now >= h.warmup) r.goodSegs += slots;
    Sock snd = h.txSockByFlow[h.slot(flow)];
    c.toCore(h.coreAddr[snd.cpu], offset + usr + h.p.cacheLineTransfer, new CoreEntity.ShmSpace(flow, freed, slots));
    return usr;
  }

  /** One app step of a shared-memory flow endpoint: {usr, sys} ns, or null to sleep. */
  long[] appStep(CoreEntity c, Sock k) {
    Channel ch = byFlow[h.slot(k.flow.index())];
    SharedMemorySpec s = ch.spec;
    long now = c.nowNs();
    Spec.FlowSpec f = k.flow;
    if (k.sender) {
      long w = connect(c, k);
      if (w >= 0) return w > 0 ? new long[] {w, 0} : null;
      if (f.rateBps() > 0 && now < k.nextSendAt) {
        c.toCore(h.coreAddr[k.cpu], k.nextSendAt - now, new CoreEntity.AppTimer(k.id));
        return null;
      }
      long free = s.ringBytes() - (ch.pushedBytes - ch.freedBytes);
      long bytes = Math.min(f.messageBytes(), free);
      if (bytes < Math.min(f.messageBytes(), s.slotBytes())) {
        ringFull++;
        return null; // ring full: wait for the consumer (Space)
      }
      int slots = (int) ((bytes + s.slotBytes() - 1) / s.slotBytes());
      long usr = h.p.appPerMessage + push(s) + h.p.memcpy(bytes);
      ch.pushedBytes += bytes;
      ch.slotsInRing += slots;
      slotsPushed += slots;
      h.sent += slots;
      k.sentSegs += slots;
      if (f.rateBps() > 0) {
        k.nextSendAt = Math.max(k.nextSendAt, f.startNanos()) + Math.max(1, bytes * 8 * 1_000_000_000L / f.rateBps());
      }
      Sock r = h.rxSockByFlow[h.slot(f.index())];
      c.toCore(h.coreAddr[r.cpu], usr + h.p.cacheLineTransfer, new CoreEntity.ShmData(f.index(), bytes, slots, now + usr));
      return new long[] {usr, 0};
    }
    // receiver: poll the ring, copy out up to one message
    long[] head = ch.visible.peek();
    if (head == null) return null;
    long bytes = 0;
    int slots = 0;
    long usr = h.p.appPerMessage + pop(s);
    while (head != null && (bytes == 0 || bytes + head[0] <= f.messageBytes())) {
      ch.visible.poll();
      ch.visibleBytes -= head[0];
      bytes += head[0];
      slots += (int) head[1];
      usr += h.p.memcpy(head[0]);
      if (now >= h.warmup) h.stats.latency(f.index(), now + usr - head[2]);
      if (head.length > 3) h.journeys.finishShm(h.slot(f.index()), head[2], head[3], h.where(c.cpu), now, now + usr);
      head = ch.visible.peek();
    }
    ch.slotsInRing -= slots;
    h.delivered += slots;
    k.deliveredSegs += slots;
    if (now >= h.warmup) {
      k.goodBytes += bytes;
      k.goodSegs += slots;
    }
    h.lastRecvCpu[h.slot(f.index())] = c.cpu;
    Sock snd = h.txSockByFlow[h.slot(f.index())];
    c.toCore(h.coreAddr[snd.cpu], usr + h.p.cacheLineTransfer, new CoreEntity.ShmSpace(f.index(), bytes, slots));
    return new long[] {usr, 0};
  }

  /** The producer's ring work per message besides the copy: its cache-line transfers. */
  private long push(SharedMemorySpec s) {
    return s.pushLines() * h.p.cacheLineTransfer;
  }

  /** The consumer's ring work per read besides the copy: its cache-line transfers. */
  private long pop(SharedMemorySpec s) {
    return s.popLines() * h.p.cacheLineTransfer;
  }

  /** The receiver's core sees more in a ring ({@link CoreEntity.ShmData}): its thread polls it. */
  void onData(CoreEntity c, CoreEntity.ShmData d) {
    Channel ch = byFlow[h.slot(d.flow())];
    // a sampled push (selected by its send time) also keeps when it became visible here (its journey)
    boolean sampled = h.journeys != null && h.journeys.sampled(d.flow(), d.sentAt());
    ch.visible.add(sampled ? new long[] {d.bytes(), d.slots(), d.sentAt(), c.nowNs()}
        : new long[] {d.bytes(), d.slots(), d.sentAt()});
    ch.visibleBytes += d.bytes();
    c.wake(h.rxSockByFlow[h.slot(d.flow())].thread); // request-response: the connection's thread reads it
  }

  /** The sender's core sees slots freed ({@link CoreEntity.ShmSpace}): its thread may push again. */
  void onSpace(CoreEntity c, CoreEntity.ShmSpace sp) {
    byFlow[h.slot(sp.flow())].freedBytes += sp.bytes();
    c.wake(h.txSockByFlow[h.slot(sp.flow())]);
  }

  /** The monitor's event reached a container ({@link CoreEntity.ShmConnected}): the connection is up. */
  void onConnected(CoreEntity c, CoreEntity.ShmConnected e) {
    Channel ch = byFlow[h.slot(e.flow())];
    Sock snd = h.txSockByFlow[h.slot(e.flow())];
    Sock k = c.cpu == snd.cpu && snd.sleeping ? snd : null;
    if (!ch.connected) {
      ch.connected = true;
      h.stats.count("shm.connect_ns." + h.spec.flows.get(e.flow()).id(), c.nowNs() - ch.connectStart);
      Spec.FlowSpec f = h.spec.flows.get(e.flow());
      // request-response: one connection carries both directions (the response flow's ring too)
      if (f.rr() != null && has(f.pair())) byFlow[h.slot(f.pair())].connected = true;
    }
    if (k != null) c.wake(k);
  }

  void report(SteeringStats st) {
    if (requests == 0 && slotsPushed == 0) return;
    st.count("shm.monitor_requests", requests);
    st.count("shm.monitor_busy_ns", monitorBusy);
    st.count("shm.doorbells", doorbells);
    st.count("shm.slots_pushed", slotsPushed);
    st.count("shm.ring_full_waits", ringFull);
  }
}
