package org.cnemu.nodes.kernel;

import java.util.List;
import org.cnemu.devices.Profile;
import org.cnemu.emulator.telemetry.Telemetry;
import org.cnemu.kernel.api.SteeringPolicy;

/** The kernel model's {@link CoreHost}: a host's cores see its state and parts through this. */
final class KernelCoreHost implements CoreHost {
  private final HostKernel h;
  /**
   * What a core asks for on most steps, kept here: the app threads' driver, and the sockets by id (the
   * host's list as an array; every socket exists before the cores are built). One object fewer per step.
   */
  private final SocketDriver apps;
  private final Sock[] socks;

  KernelCoreHost(HostKernel h) {
    this.h = h;
    this.apps = h.apps;
    this.socks = h.socks.toArray(new Sock[0]);
  }

  /** Core {@code cpu} of the host (registered for the policy's load view). */
  CoreEntity core(int cpu) {
    CoreEntity c = new CoreEntity(this, cpu);
    h.cores[cpu] = c;
    return c;
  }

  @Override
  public Profile profile() {
    return h.p;
  }

  @Override
  public long warmupNanos() {
    return h.warmup;
  }

  @Override
  public String hostId() {
    return h.hs.id();
  }

  @Override
  public SteeringPolicy.PollMode pollMode() {
    return h.policy.pollMode();
  }

  @Override
  public boolean napiAtHead(boolean highPriorityWork) {
    return h.policy.scheduleAtHead(highPriorityWork);
  }

  @Override
  public long tickNanos() {
    return h.policy.tickNanos();
  }

  @Override
  public void tick(CoreEntity c) {
    h.view.policyTick(c);
  }

  @Override
  public NetRxAction.Napi[] rxNapis(int cpu) {
    int n = 0;
    for (int q = 0; q < h.rxQueues.length; q++) if (h.irqCpu(q) == cpu) n++;
    NetRxAction.Napi[] out = new NetRxAction.Napi[n];
    n = 0;
    for (int q = 0; q < h.rxQueues.length; q++) if (h.irqCpu(q) == cpu) out[n++] = new HostNapis.Nic(h, q);
    return out;
  }

  @Override
  public NetRxAction.Napi[] txNapis(int cpu) {
    int n = 0;
    for (int q = 0; q < h.txRings.length; q++) if (h.irqCpu(q % h.rxQueues.length) == cpu) n++;
    NetRxAction.Napi[] out = new NetRxAction.Napi[n];
    n = 0;
    for (int q = 0; q < h.txRings.length; q++) if (h.irqCpu(q % h.rxQueues.length) == cpu) out[n++] = new HostNapis.Tx(h, q);
    return out;
  }

  @Override
  public NetRxAction.Napi cellNapi(int cpu) {
    return new HostNapis.Cell(h, cpu);
  }

  @Override
  public NetRxAction.Napi backlogNapi(int cpu) {
    return new HostNapis.Backlog(h, cpu);
  }

  @Override
  public MsixVector vector(int vector) {
    return h.vectors[vector];
  }

  @Override
  public int vectorOfTxQueue(int txq) {
    return txq % h.rxQueues.length;
  }

  @Override
  public void rxIrqRan(CoreEntity c, int queue, long from, long to) {
    if (h.journeys != null) h.journeys.irq(queue, h.where(c.cpu), from, to);
  }

  @Override
  public void countIrq(long nowNanos) {
    if (nowNanos >= h.warmup) h.irqs++;
  }

  @Override
  public void countTxIrq(int txq, long nowNanos) {
    if (nowNanos < h.warmup) return;
    h.irqs++;
    h.txRings[txq].irqs++;
  }

  @Override
  public long schedTickPeriodNanos() {
    return h.p.tickPeriodNanos;
  }

  @Override
  public long schedTickPhaseNanos() {
    return h.schedTickPhaseNanos;
  }

  @Override
  public void countLocalTimer(long nowNanos, boolean tick) {
    if (nowNanos < h.warmup) return;
    h.localTimerIrqs++;
    if (tick) h.ticks++;
  }

  @Override
  public void countNetRxAction(long nowNanos) {
    if (nowNanos >= h.warmup) h.netRx++;
  }

  @Override
  public void handed(CoreEntity c, CoreEntity.Handed m) {
    h.handoff.land(c, m);
  }

  @Override
  public void ipi(CoreEntity c, CoreEntity.NapiIpi m) {
    if (c.nowNs() >= h.warmup) h.ipis++;
    h.handoff.acceptIpi(c, m);
  }

  @Override
  public long sendIpis(CoreEntity c, long offsetNanos) {
    return h.handoff.sendIpis(c, offsetNanos);
  }

  @Override
  public void endOfStep(CoreEntity c) {
    h.handoff.flushRemote(c);
  }

  @Override
  public KernelTelemetry telemetry(Telemetry t) {
    if (!h.telInit) {
      h.telInit = true;
      h.tel = KernelTelemetry.create(t, h);
    }
    return h.tel;
  }

  @Override
  public void mergeTimer(CoreEntity c, int flow) {
    h.l4.mergeTimer(c, flow);
  }

  @Override
  public void tcpTimer(CoreEntity c, Sock k) {
    h.tx.tcpTimer(c, k);
  }

  @Override
  public List<Sock> socks() {
    return h.socks;
  }

  @Override
  public Sock sock(int id) {
    return socks[id];
  }

  @Override
  public void sockData(Sock k, long bytes, int datagrams, long seq) {
    apps.sockData(k, bytes, datagrams, seq);
  }

  @Override
  public long[] appStep(CoreEntity c, Sock k) {
    return apps.appStep(c, k);
  }

  @Override
  public boolean blocksInKernel(Sock k) {
    if (k.waits == 0) k.waits = h.shm.has(k.flow.index()) ? Sock.POLLS : Sock.BLOCKS; // asked once: cold tables
    return k.waits == Sock.BLOCKS;
  }

  @Override
  public long releaseSock(CoreEntity c, Sock k) {
    return k.rx != null ? apps.releaseReader(c, k) : h.tx.releaseSock(c, k);
  }

  @Override
  public void shmData(CoreEntity c, CoreEntity.ShmData m) {
    h.shm.onData(c, m);
  }

  @Override
  public void shmSpace(CoreEntity c, CoreEntity.ShmSpace m) {
    h.shm.onSpace(c, m);
  }

  @Override
  public void shmConnected(CoreEntity c, CoreEntity.ShmConnected m) {
    h.shm.onConnected(c, m);
  }
}
