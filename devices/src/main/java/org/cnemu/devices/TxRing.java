package org.cnemu.devices;

/**
 * A TX descriptor ring of one NIC queue and its completion queue (CQ), as in mlx4_en
 * (drivers/net/ethernet/mellanox/mlx4/en_tx.c, Linux 4.4): every posted WQE (one per skb, a TSO skb
 * included) requests a CQE (MLX4_WQE_CTRL_CQ_UPDATE); the CQE is written when the NIC has sent the
 * skb's last byte. The CQ raises an event (an interrupt on the MSI-X vector the TX CQ shares with
 * RX ring {@code queue % rx_rings}, mlx4_en_activate_cq) when it is armed and {@code tx-frames}
 * CQEs accumulated or {@code tx-usecs} passed (mlx4_en_set_cq_moder). The TX NAPI
 * (mlx4_en_poll_tx_cq) frees the completed descriptors, napi_completes and re-arms the CQ. The
 * queue is stopped when fewer than {@link #STOP_MARGIN} descriptors are free
 * (netif_tx_stop_queue in mlx4_en_xmit) and woken by the cleaner (netif_tx_wake_queue ->
 * __netif_schedule -> NET_TX softirq).
 */
public final class TxRing {
  /** Free descriptors under which mlx4_en_xmit stops the queue (HEADROOM + MAX_DESC_TXBBS, ~ 2K + 32 TXBBs). */
  public static final int STOP_MARGIN = 64;
  public final int queue;
  public final int capacity;
  private static final long[] NONE = new long[0];
  private long[] done; // completion times of posted, not yet cleaned descriptors (FIFO)
  private int head;
  private int size;
  /** CQ armed (an event will be raised by the next completions). */
  public boolean armed = true;
  /** Earliest time an event may be raised again (set at re-arm). */
  public long armedAt;
  /** A moderation timer is pending (generation {@link #timerGen}). */
  public boolean timerPending;
  public long timerGen;
  /** CQEs counted toward tx-frames since the CQ was armed. */
  public int sinceArm;
  /** The queue is stopped (descriptors exhausted). */
  public boolean stopped;
  public long posted, cleaned, stops, wakes;
  /** Completion interrupts taken in the run's measured window (after the warm-up; the host's core counts them). */
  public long irqs;

  public TxRing(int queue, int capacity) {
    this.queue = queue;
    this.capacity = capacity;
    done = NONE; // allocated on the first post, then grows by doubling: idle rings cost no array
  }

  public int inFlight() {
    return size;
  }

  /** Reads the ring and the storage slot of its next post (for a prefetch: no state changes); returns that slot. */
  public long prefetch() {
    long[] d = done;
    return d.length == 0 ? 0 : d[(head + size) & (d.length - 1)];
  }

  /** Posts a descriptor whose completion is written at {@code completeAt}; may stop the queue. */
  public void post(long completeAt) {
    if (size == done.length) {
      long[] n = new long[Math.max(16, done.length * 2)];
      for (int i = 0; i < size; i++) n[i] = done[(head + i) & (done.length - 1)];
      done = n;
      head = 0;
    }
    done[(head + size) & (done.length - 1)] = completeAt;
    size++;
    posted++;
    if (!stopped && capacity - size < STOP_MARGIN) {
      stopped = true;
      stops++;
    }
  }

  /** Completions written at or before {@code t} and not cleaned yet. */
  public int completed(long t) {
    if (size == 0) return 0;
    int n = 0;
    while (n < size && done[(head + n) & (done.length - 1)] <= t) n++;
    return n;
  }

  /** Completion time of the first descriptor not completed at {@code t}, or -1. */
  public long nextCompletionAfter(long t) {
    int c = completed(t);
    return c < size ? done[(head + c) & (done.length - 1)] : -1;
  }

  /** Frees up to {@code max} completed descriptors at {@code t}; returns how many. */
  public int clean(long t, int max) {
    int n = 0;
    while (n < max && size > 0 && done[head] <= t) {
      head = (head + 1) & (done.length - 1);
      size--;
      n++;
    }
    cleaned += n;
    return n;
  }

  /** True (and the queue woken, counted) when a stopped queue has room again after cleaning. */
  public boolean wakeIfRoom() {
    if (stopped && capacity - size >= 2 * STOP_MARGIN) {
      stopped = false;
      wakes++;
      return true;
    }
    return false;
  }
}
