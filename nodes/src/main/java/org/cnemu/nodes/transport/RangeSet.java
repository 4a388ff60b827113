package org.cnemu.nodes.transport;

import java.util.Map;
import java.util.TreeMap;

/**
 * A set of disjoint half-open ranges [start, end) of longs, kept merged in a {@link TreeMap} (ordered,
 * deterministic). Used for the TCP out-of-order queue (byte ranges, no bytes stored) and for UDP loss
 * tracking (sequence-number ranges).
 */
public final class RangeSet {
    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private long total;

    public boolean isEmpty() { return ranges.isEmpty(); }
    /** Number of disjoint ranges. */
    public int rangeCount() { return ranges.size(); }
    /** Sum of range lengths. */
    public long totalLength() { return total; }

    /** Adds [start, end), merging with overlapping or adjacent ranges; returns the length newly covered. */
    public long add(long start, long end) {
        if (end <= start) return 0;
        long s = start;
        long e = end;
        long removed = 0;
        Map.Entry<Long, Long> lower = ranges.floorEntry(s);
        if (lower != null && lower.getValue() >= s) {
            s = lower.getKey();
            e = Math.max(e, lower.getValue());
            removed += lower.getValue() - lower.getKey();
            ranges.remove(lower.getKey());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(s);
        while (next != null && next.getKey() <= e) {
            e = Math.max(e, next.getValue());
            removed += next.getValue() - next.getKey();
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(s);
        }
        ranges.put(s, e);
        long added = (e - s) - removed;
        total += added;
        return added;
    }

    /** Removes [start, end) from the set; returns the length removed. */
    public long remove(long start, long end) {
        if (end <= start) return 0;
        Long fk = ranges.floorKey(start);
        long from = (fk != null && ranges.get(fk) > start) ? fk : start;
        java.util.List<long[]> hit = new java.util.ArrayList<>();
        for (Map.Entry<Long, Long> en : ranges.subMap(from, true, end, false).entrySet()) {
            hit.add(new long[] {en.getKey(), en.getValue()});
        }
        long removed = 0;
        for (long[] r : hit) {
            long rs = r[0];
            long re = r[1];
            ranges.remove(rs);
            long cutS = Math.max(rs, start);
            long cutE = Math.min(re, end);
            if (cutE > cutS) removed += cutE - cutS;
            if (rs < cutS) ranges.put(rs, Math.min(re, cutS));
            if (cutE < re) ranges.put(Math.max(cutE, rs), re);
        }
        total -= removed;
        return removed;
    }

    /** Whether every point of [start, end) is in the set. */
    public boolean containsAll(long start, long end) {
        if (end <= start) return true;
        Map.Entry<Long, Long> en = ranges.floorEntry(start);
        return en != null && en.getValue() >= end;
    }

    /** Whether point {@code x} is in the set. */
    public boolean contains(long x) {
        return containsAll(x, x + 1);
    }

    /**
     * Removes every range starting at or before {@code next} and returns the new contiguous end: the TCP
     * "move out-of-order data that is now in order" step (Linux tcp_ofo_queue).
     */
    public long drainFrom(long next) {
        long n = next;
        Map.Entry<Long, Long> first = ranges.firstEntry();
        while (first != null && first.getKey() <= n) {
            ranges.remove(first.getKey());
            total -= first.getValue() - first.getKey();
            n = Math.max(n, first.getValue());
            first = ranges.firstEntry();
        }
        return n;
    }

    /** Removes everything below {@code bound} (ranges are cut at it). */
    public void trimBelow(long bound) {
        Map.Entry<Long, Long> first = ranges.firstEntry();
        if (first == null || first.getKey() >= bound) return;
        remove(first.getKey(), bound);
    }

    /** Smallest start, or Long.MAX_VALUE if empty. */
    public long firstStart() {
        return ranges.isEmpty() ? Long.MAX_VALUE : ranges.firstKey();
    }

    /** Largest end, or Long.MIN_VALUE if empty. */
    public long lastEnd() {
        return ranges.isEmpty() ? Long.MIN_VALUE : ranges.lastEntry().getValue();
    }

    @Override
    public String toString() {
        return ranges.toString();
    }
}
