package org.cnemu.nodes.kernel;

import org.cnemu.devices.Profile;
import org.cnemu.kernel.api.SteeringPolicy;

/**
 * The NET_RX softirq of one core, Linux 5.4: the poll list of scheduled NAPI instances, and
 * __do_softirq's loop around net_rx_action. An invocation splices the poll list (instances
 * scheduled while it runs wait for the next one; PRISM's POP_HEAD pops instead), gives each
 * instance its full weight ({@code napi-weight}), puts one that used it all on the repoll list, and
 * ends when the list is empty, the budget ({@code netdev-budget} packets) is used up, or
 * {@code netdev-budget-usecs} has passed. __do_softirq restarts it while work is pending, up to
 * {@code max-softirq-restart} times within {@code max-softirq-time} and while need_resched() is clear, then hands
 * the rest to ksoftirqd. Each poll is one step of the core ({@link CoreEntity#softStep}); a pNIC RX queue's poll goes
 * on in further steps with what arrived while it ran, up to its weight, before it completes.
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
    /** The next instance on the list this one is on (poll, spliced or repoll list; it is on at most one). */
    private Napi next;

    Napi(int queue) {
      this.queue = queue;
    }

    /** One napi->poll with {@code quota}, starting {@code offsetNanos} into the core's step; returns its CPU time. */
    abstract long poll(CoreEntity c, int quota, long offsetNanos);

    /**
     * Its poll re-reads its ring when the poll's step ends ({@link #resume}), and its napi_complete_done is at
     * the poll's end ({@link #complete}): a pNIC RX queue's CQ loop. The others end their poll at its start.
     */
    boolean rereads() {
      return false;
    }

    /**
     * The poll's step ended: takes what arrived meanwhile, up to {@code quota} in all for the poll (none once
     * it used its whole weight); returns its CPU time, 0 when nothing had arrived (the poll then ends).
     */
    long resume(CoreEntity c, int quota) {
      return 0;
    }

    /** napi_complete_done at the end of a poll that left no work ({@link #rereads} instances). */
    void complete(CoreEntity c) {}

    /** High-priority work was queued on it while it ran (PRISM): it is scheduled again, first. */
    boolean highPriorityPending() {
      return false;
    }
  }

  private final CoreEntity core;
  private final CoreHost host;
  private final Profile p;
  /*
   * The poll list, the list an invocation spliced off it (SPLICE; POP_HEAD polls the poll list itself) and
   * the repoll list: linked through Napi.next, heads and tails here, so that scheduling, polling and
   * pending() touch this object and the instances, not a deque and its array per list (allocated anew per
   * invocation, and cold at the next one with many hosts).
   */
  private Napi pollHead, pollTail;
  private Napi localHead, localTail;
  private boolean spliced;
  private Napi repollHead, repollTail;
  private int budget;
  private long invStart;
  private long doStart;
  private int restartsLeft;
  /** The poll whose step is running, when it re-reads its ring at the step's end ({@link Napi#rereads}). */
  private Napi open;
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
      if (head && (removeFromPoll(n) || removeFromRepoll(n))) pushPoll(n);
      return;
    }
    n.scheduled = true;
    if (head) pushPoll(n);
    else appendPoll(n);
    // raised softirqs run at IRQ exit, at the end of the current thread step (local_bh_enable),
    // or at the next invocation of the running net_rx_action loop
  }

  /** NET_RX is raised: some instance is scheduled, or IPIs wait for this core's net_rx_action (rps_ipi_queued). */
  boolean pending() {
    return pollHead != null || core.ipisQueued > 0;
  }

  private void appendPoll(Napi n) {
    n.next = null;
    if (pollTail == null) pollHead = n;
    else pollTail.next = n;
    pollTail = n;
  }

  private void pushPoll(Napi n) {
    n.next = pollHead;
    pollHead = n;
    if (pollTail == null) pollTail = n;
  }

  private boolean removeFromPoll(Napi n) {
    Napi prev = null;
    for (Napi x = pollHead; x != null; prev = x, x = x.next) {
      if (x != n) continue;
      if (prev == null) pollHead = x.next;
      else prev.next = x.next;
      if (pollTail == x) pollTail = prev;
      x.next = null;
      return true;
    }
    return false;
  }

  private boolean removeFromRepoll(Napi n) {
    Napi prev = null;
    for (Napi x = repollHead; x != null; prev = x, x = x.next) {
      if (x != n) continue;
      if (prev == null) repollHead = x.next;
      else prev.next = x.next;
      if (repollTail == x) repollTail = prev;
      x.next = null;
      return true;
    }
    return false;
  }

  /** __do_softirq starts (at {@code now}): its first net_rx_action. */
  void start(long now) {
    doStart = now;
    restartsLeft = p.maxSoftirqRestart;
    startInvocation(now, 0);
  }

  private void startInvocation(long now, long extra) {
    host.countNetRxAction(now);
    spliced = host.pollMode() == SteeringPolicy.PollMode.SPLICE; // POP_HEAD: take from the poll list directly
    if (spliced) {
      localHead = pollHead;
      localTail = pollTail;
      pollHead = pollTail = null;
    }
    repollHead = repollTail = null;
    budget = p.netdevBudget;
    invStart = now;
    pollNext(extra + p.netRxAction);
  }

  private void pollNext(long extra) {
    Napi n = spliced ? localHead : pollHead;
    if (n == null) {
      endInvocation(extra);
      return;
    }
    if (spliced) {
      localHead = n.next;
      if (localHead == null) localTail = null;
    } else {
      pollHead = n.next;
      if (pollHead == null) pollTail = null;
    }
    n.next = null;
    // napi_poll always gets the full weight; the budget is checked after
    long cost = n.poll(core, p.napiWeight, extra);
    if (n.rereads()) open = n; // its poll ends when nothing more arrived by its step's end
    else pollEnded(n);
    core.softStep(extra + cost);
  }

  /** The poll of {@code n} ended: its work counts against the budget; repolled if it used its whole weight. */
  private void pollEnded(Napi n) {
    budget -= n.work;
    if (n.more) { // used its whole weight: served again in the next invocation
      if (repollTail == null) repollHead = n;
      else repollTail.next = n;
      repollTail = n;
    } else {
      n.scheduled = false;
      n.complete(core);
    }
    if (n.highPriorityPending()) schedule(n, host.napiAtHead(true));
  }

  private void endInvocation(long extra) {
    // Linux: remaining + newly scheduled + repoll become the new poll list
    if (spliced && localHead != null) { // the spliced rest, then the poll list
      localTail.next = pollHead;
      if (pollHead == null) pollTail = localTail;
      pollHead = localHead;
    }
    localHead = localTail = null;
    spliced = false;
    if (repollHead != null) { // then the repoll list
      if (pollTail == null) pollHead = repollHead;
      else pollTail.next = repollHead;
      pollTail = repollTail;
    }
    repollHead = repollTail = null;
    // net_rps_action_and_irq_enable: the IPIs to the cores this invocation's hand-offs scheduled
    if (core.ipisQueued > 0) extra += host.sendIpis(core, extra);
    if (extra > 0) {
      core.softStep(extra);
      pendingEnd = true;
      return;
    }
    afterInvocation(core.nowNs());
  }

  /**
   * __do_softirq after net_rx_action: restart while work is pending, within limits and while the task it runs in need
   * not reschedule (Linux 4.4 and 5.4: {@code time_before(jiffies, end) && !need_resched() && --max_restart}); else
   * return, or wake ksoftirqd.
   */
  private void afterInvocation(long now) {
    if (pending() && now - doStart < p.maxSoftirqNanos && !core.reschedDue() && --restartsLeft > 0) {
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
    Napi n = open;
    if (n != null) {
      long cost = n.resume(core, p.napiWeight);
      if (cost > 0) { // the poll goes on with what arrived while it ran
        core.softStep(cost);
        return;
      }
      open = null;
      pollEnded(n);
    }
    if (budget <= 0 || now - invStart >= p.netdevBudgetNanos) {
      endInvocation(0);
      return;
    }
    pollNext(0);
  }
}
