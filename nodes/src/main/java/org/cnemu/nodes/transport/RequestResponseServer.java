package org.cnemu.nodes.transport;

/**
 * Server side of the memcached-like workload: answers each request with a response of the size the
 * protocol implies (see {@link RequestResponseClient}), after an optional fixed application service time
 * (CPU costs of the kernel path belong to the host model, not here).
 */
public final class RequestResponseServer {
    /** What to write back, no earlier than {@code readyAtNanos}. */
    public record Response(long clientId, long requestId, int responseBytes, long readyAtNanos) { }

    private final long serviceNanos;
    private long gets;
    private long sets;
    private long bytesIn;
    private long bytesOut;

    public RequestResponseServer(long serviceNanos) {
        if (serviceNanos < 0) throw new IllegalArgumentException("serviceNanos must be >= 0");
        this.serviceNanos = serviceNanos;
    }

    /** A whole request was read by the server application at {@code nowNanos}. */
    public Response onRequest(long nowNanos, RequestResponseClient.Request req) {
        if (req.op() == RequestResponseClient.Op.GET) gets++;
        else sets++;
        bytesIn += req.requestBytes();
        bytesOut += req.responseBytes();
        return new Response(req.clientId(), req.requestId(), req.responseBytes(), nowNanos + serviceNanos);
    }

    public long gets() { return gets; }
    public long sets() { return sets; }
    public long requests() { return gets + sets; }
    public long bytesIn() { return bytesIn; }
    public long bytesOut() { return bytesOut; }
}
