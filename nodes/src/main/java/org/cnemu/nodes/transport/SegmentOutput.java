package org.cnemu.nodes.transport;

/** Where transport objects put the segments they emit (the host model hands them to its TX path). */
@FunctionalInterface
public interface SegmentOutput {
    void emit(TcpSegment segment);

    /** An output that drops everything (for callers that only poll state). */
    SegmentOutput DISCARD = s -> { };
}
