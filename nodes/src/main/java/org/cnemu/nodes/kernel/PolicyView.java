package org.cnemu.nodes.kernel;

import org.cnemu.devices.Packet;
import org.cnemu.kernel.api.StageContext;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * What the steering policy sees of one host ({@link StageContext}): the skb at the boundary being
 * decided and the core deciding it, set by {@link #ctx} before each call, plus the host's per-core
 * counters. One instance per host, reused for every decision (a policy keeps no reference).
 */
final class PolicyView implements StageContext {
  private final HostKernel h;
  private final SteeringPolicy policy;
  private final int cpus;
  private final int[] lastRecvCpu;
  // stage context of the current decision
  private CoreEntity cur;
  private Packet ctxSkb;
  private int ctxIf;
  /** True while the transmit path asks (the sender's veth -> backlog hand-off). */
  boolean ctxTx;

  PolicyView(HostKernel h) {
    this.h = h;
    this.policy = h.policy;
    this.cpus = h.cpus;
    this.lastRecvCpu = h.lastRecvCpu;
  }

  /** The policy's periodic tick (on core 0). */
  void policyTick(CoreEntity c) {
    cur = c;
    ctxSkb = null;
    policy.onTick(this);
  }

  StageContext ctx(CoreEntity c, Packet s, int ifindex) {
    cur = c;
    ctxSkb = s;
    ctxIf = ifindex;
    return this;
  }

  @Override
  public long now() {
    return cur.nowNs();
  }

  @Override
  public int cpu() {
    return cur.cpu;
  }

  @Override
  public int cpus() {
    return cpus;
  }

  @Override
  public int flowHash() {
    return ctxSkb.hash();
  }

  @Override
  public int ifindex() {
    return ctxIf;
  }

  @Override
  public int flowId() {
    return ctxSkb.flow();
  }

  @Override
  public int priority() {
    return ctxSkb.prio();
  }

  @Override
  public int segments() {
    return ctxSkb.segs();
  }

  @Override
  public int lastRecvCpu() {
    int f = ctxSkb.flow();
    int i = h.slot(f);
    return i >= 0 ? lastRecvCpu[i] : -1;
  }

  @Override
  public long backlogEnqueued(int cpu) {
    return h.backlog[cpu].enqueued;
  }

  @Override
  public long backlogDequeued(int cpu) {
    return h.backlog[cpu].dequeued;
  }

  @Override
  public long busyNanos(int cpu) {
    return h.cores[cpu] == null ? 0 : h.cores[cpu].busyNanos();
  }

  @Override
  public boolean transmit() {
    return ctxTx;
  }

  @Override
  public boolean pureAck() {
    return ctxSkb != null && !ctxSkb.udp() && ctxSkb.len() == 0;
  }
}
