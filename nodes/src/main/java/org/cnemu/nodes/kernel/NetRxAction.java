package org.cnemu.nodes.kernel;

import java.util.ArrayDeque;
import org.cnemu.devices.Profile;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * The NET_RX softirq of one core, Linux 5.4: the poll list of scheduled NAPI instances, and
 * __do_softirq's loop around net_rx_action. An invocation splices the poll list (instances
 * scheduled while it runs wait for the next one; PRISM's POP_HEAD pops instead), gives each
 * instance its full weight ({@code napi-weight}), puts one that used it all on the repoll list, and
 * ends when the list is empty, the budget ({@code netdev-budget} packets) is used up, or
 * {@code netdev-budget-usecs} has passed. __do_softirq restarts it while work is pending, up to
 * {@code max-softirq-restart} times within {@code max-softirq-time}, then hands the rest to
 * ksoftirqd. Each poll is one step of the core ({@link CoreEntity#softStep}).
 */
final class NetRxAction {
  /** A NAPI instance (a pNIC RX queue, a TX completion queue, a CPU's gro_cell or backlog). */
  abstract static class Napi {
    /** The RX or TX queue it serves, or -1 (gro_cell, backlog). */
    final int queue;
    boolean scheduled;
    /** Set by {@link #poll}: budget units used, and whether work is left (it used its whole weight). */
    int work;
    boolean more;

    Napi(int queue) {
      this.queue = queue;
    }

    /** One napi->poll with {@code quota}, starting {@code offsetNanos} into the core's step; returns its CPU time. */
    abstract long poll(CoreEntity c, int quota, long offsetNanos);

    /** High-priority work was queued on it while it ran (PRISM): it is scheduled again, first. */
    boolean highPriorityPending() {
      return false;
    }
  }

  private final CoreEntity core;
  private final CoreHost host;
  private final Profile p;
  private ArrayDeque<Napi> pollList = new ArrayDeque<>(4); // small: 20 cores per host, most idle
  private ArrayDeque<Napi> local;
  private ArrayDeque<Napi> repoll;
  private int budget;
  private long invStart;
  private long doStart;
  private int restartsLeft;
  /** The invocation's closing cost is running as a step; __do_softirq decides when it ends. */
  private boolean pendingEnd;

  NetRxAction(CoreEntity core, CoreHost host) {
    this.core = core;
    this.host = host;
    this.p = host.profile();
  }

  /** napi_schedule: to the tail of the poll list (head: PRISM's high-priority work, also out of the repoll list). */
  void schedule(Napi n, boolean head) {
    if (n.scheduled) {
      if (head && (pollList.remove(n) || (repoll != null && repoll.remove(n)))) pollList.addFirst(n);
      return;
    }
    n.scheduled = true;
    if (head) pollList.addFirst(n);
    else pollList.add(n);
    // raised softirqs run at IRQ exit, at the end of the current thread step (local_bh_enable),
    // or at the next invocation of the running net_rx_action loop
  }

  /** NET_RX is raised: some instance is scheduled. */
  boolean pending() {
    return !pollList.isEmpty();
  }

  /** __do_softirq starts (at {@code now}): its first net_rx_action. */
  void start(long now) {
    doStart = now;
    restartsLeft = p.maxSoftirqRestart;
    startInvocation(now, 0);
  }

  private void startInvocation(long now, long extra) {
    host.countNetRxAction();
    if (host.pollMode() == SteeringPolicy.PollMode.SPLICE) {
      local = pollList;
      pollList = new ArrayDeque<>(4);
    } else {
      local = null; // POP_HEAD: take from pollList directly
    }
    repoll = new ArrayDeque<>(4);
    budget = p.netdevBudget;
    invStart = now;
    pollNext(extra + p.netRxAction);
  }

  private void pollNext(long extra) {
    ArrayDeque<Napi> src = local != null ? local : pollList;
    Napi n = src.poll();
    if (n == null) {
      endInvocation(extra);
      return;
    }
    // napi_poll always gets the full weight; the budget is checked after
    long cost = n.poll(core, p.napiWeight, extra);
    budget -= n.work;
    if (n.more) {
      repoll.add(n); // used its whole weight: served again in the next invocation
    } else {
      n.scheduled = false;
    }
    if (n.highPriorityPending()) schedule(n, host.napiAtHead(true));
    core.softStep(extra + cost);
  }

  private void endInvocation(long extra) {
    // Linux: remaining + newly scheduled + repoll become the new poll list
    ArrayDeque<Napi> nl = new ArrayDeque<>(4);
    if (local != null) nl.addAll(local);
    nl.addAll(pollList);
    nl.addAll(repoll);
    pollList = nl;
    local = null;
    if (extra > 0) {
      core.softStep(extra);
      pendingEnd = true;
      return;
    }
    afterInvocation(core.nowNs());
  }

  /** __do_softirq after net_rx_action: restart while work is pending, within limits; else return or wake ksoftirqd. */
  private void afterInvocation(long now) {
    if (pending() && now - doStart < p.maxSoftirqNanos && --restartsLeft > 0) {
      startInvocation(now, 0);
      return;
    }
    core.softirqEnded(pending());
  }

  /** The core's step for this softirq ended at {@code now}: poll the next instance, or end the invocation. */
  void stepDone(long now) {
    if (pendingEnd) {
      pendingEnd = false;
      afterInvocation(now);
      return;
    }
    if (budget <= 0 || now - invStart >= p.netdevBudgetNanos) {
      endInvocation(0);
      return;
    }
    pollNext(0);
  }
}
