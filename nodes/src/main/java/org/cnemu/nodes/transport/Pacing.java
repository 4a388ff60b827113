package org.cnemu.nodes.transport;

import java.math.BigInteger;

/** Exact integer arithmetic for rate pacing (no accumulated rounding). */
public final class Pacing {
    private Pacing() { }

    public static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** floor(a * b / c) for non-negative a, b and positive c, exact even when a * b overflows a long. */
    public static long mulDiv(long a, long b, long c) {
        if (a < 0 || b < 0 || c <= 0) throw new IllegalArgumentException("mulDiv(" + a + "," + b + "," + c + ")");
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if (hi == 0 && lo >= 0) return lo / c;
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
    }

    /** Virtual time (ns after the start) at which {@code bits} cumulative bits have been sent at {@code rateBps}. */
    public static long timeForBits(long bits, long rateBps) {
        return mulDiv(bits, NANOS_PER_SECOND, rateBps);
    }
}
