package org.cnemu.nodes.transport;

import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop memcached-like client (one outstanding request): issue a GET or SET, wait for the whole
 * response, think, issue the next. Latency (issue to last response byte read by the application) is recorded
 * in nanoseconds into an HdrHistogram.
 *
 * <p>Sizes follow the memcached binary protocol: 24 B header; GET request = header + key, GET response =
 * header + 4 B flags + value (always a hit); SET request = header + 8 B extras + key + value, SET response
 * = header.
 *
 * <p>The GET/SET choice is deterministic: with a {@link SplittableRandom} (derived by the caller from the
 * experiment seed and the client's id) it is drawn; without one, SETs are spread evenly by an error
 * accumulator (exactly round(n * setFraction) SETs among the first n requests, up to rounding).
 */
public final class RequestResponseClient {
    public enum Op { GET, SET }

    /** A request descriptor (travels with the byte stream, see {@link MessageFramer}). */
    public record Request(long clientId, long requestId, Op op, int keyBytes, int valueBytes, int requestBytes,
                          int responseBytes, long issuedAtNanos) { }

    public static final int HEADER_BYTES = 24;

    private final long clientId;
    private final int keyBytes;
    private final int valueBytes;
    private final double setFraction;
    private final long thinkNanos;
    private final SplittableRandom rng;
    private final long maxRequests;
    private final Histogram latency = new Histogram(3);

    private long nextIssue;
    private Request outstanding;
    private long responseBytesSeen;
    private long nextId;
    private long completed;
    private long sets;
    private double setCredit;

    /**
     * @param rng         null for the deterministic spread, else a stream split for this client
     * @param maxRequests stop after this many (Long.MAX_VALUE = until the run ends)
     */
    public RequestResponseClient(long clientId, int keyBytes, int valueBytes, double setFraction, long thinkNanos,
                                 long startNanos, SplittableRandom rng, long maxRequests) {
        if (setFraction < 0 || setFraction > 1) throw new IllegalArgumentException("setFraction in [0,1]");
        if (keyBytes <= 0 || valueBytes < 0 || thinkNanos < 0) throw new IllegalArgumentException("bad sizes");
        this.clientId = clientId;
        this.keyBytes = keyBytes;
        this.valueBytes = valueBytes;
        this.setFraction = setFraction;
        this.thinkNanos = thinkNanos;
        this.rng = rng;
        this.maxRequests = maxRequests;
        this.nextIssue = startNanos;
    }

    public static int requestBytes(Op op, int key, int value) {
        return op == Op.GET ? HEADER_BYTES + key : HEADER_BYTES + 8 + key + value;
    }

    public static int responseBytes(Op op, int key, int value) {
        return op == Op.GET ? HEADER_BYTES + 4 + value : HEADER_BYTES;
    }

    /** When the next request may be issued: Long.MAX_VALUE while one is outstanding or when done. */
    public long nextIssueTime() {
        return outstanding != null || nextId >= maxRequests ? Long.MAX_VALUE : nextIssue;
    }

    /** Issues the next request if due, else returns null. The caller writes requestBytes to the socket. */
    public Request issue(long nowNanos) {
        if (nowNanos < nextIssueTime()) return null;
        Op op = chooseOp();
        if (op == Op.SET) sets++;
        Request r = new Request(clientId, nextId++, op, keyBytes, valueBytes, requestBytes(op, keyBytes, valueBytes),
                responseBytes(op, keyBytes, valueBytes), nowNanos);
        outstanding = r;
        responseBytesSeen = 0;
        return r;
    }

    private Op chooseOp() {
        if (rng != null) return rng.nextDouble() < setFraction ? Op.SET : Op.GET;
        setCredit += setFraction;
        if (setCredit >= 1.0 - 1e-12) {
            setCredit -= 1.0;
            return Op.SET;
        }
        return Op.GET;
    }

    /**
     * The application read {@code bytes} of response stream; completes the outstanding request when its
     * whole response has been read. Returns the completed request or null. Surplus bytes are an error.
     */
    public Request onResponseBytes(long nowNanos, long bytes) {
        if (outstanding == null) {
            if (bytes == 0) return null;
            throw new IllegalStateException("response bytes without an outstanding request");
        }
        responseBytesSeen += bytes;
        if (responseBytesSeen > outstanding.responseBytes()) {
            throw new IllegalStateException("response longer than expected for " + outstanding);
        }
        if (responseBytesSeen < outstanding.responseBytes()) return null;
        return complete(nowNanos);
    }

    /** The response to {@code requestId} arrived whole (message-level API). Stale or unknown ids are ignored. */
    public boolean onResponse(long nowNanos, long requestId) {
        if (outstanding == null || outstanding.requestId() != requestId) return false;
        complete(nowNanos);
        return true;
    }

    private Request complete(long now) {
        Request r = outstanding;
        latency.recordValue(Math.max(0, now - r.issuedAtNanos()));
        completed++;
        outstanding = null;
        nextIssue = now + thinkNanos;
        return r;
    }

    public Histogram latencyNanos() { return latency; }
    public long issued() { return nextId; }
    public long completed() { return completed; }
    public long sets() { return sets; }
    public long gets() { return nextId - sets; }
    public Request outstanding() { return outstanding; }
    public long clientId() { return clientId; }
}
