package org.cnemu.nodes.transport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Message boundaries on a byte stream without payload bytes: the writing side records each message's
 * length and a tag (e.g. a request descriptor); the reading side reports how many bytes the application
 * read and gets back the messages completed by them, in order. TCP delivers bytes in order, so a FIFO is
 * exact. The host model keeps one framer per direction of a connection (or carries the tags with the
 * segment holding each message's last byte).
 */
public final class MessageFramer<T> {
    private record Entry<T>(long endOffset, T tag) { }

    private final ArrayDeque<Entry<T>> queue = new ArrayDeque<>();
    private long written;
    private long read;

    /** The writer appended a message of {@code lenBytes}. */
    public void push(long lenBytes, T tag) {
        if (lenBytes <= 0) throw new IllegalArgumentException("message length must be > 0");
        written += lenBytes;
        queue.addLast(new Entry<>(written, tag));
    }

    /** The reader consumed {@code bytes} more; returns the messages whose last byte is now read. */
    public List<T> onBytesRead(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative read");
        read += bytes;
        if (read > written) throw new IllegalStateException("read " + read + " bytes but only " + written + " written");
        List<T> done = new ArrayList<>();
        while (!queue.isEmpty() && queue.peekFirst().endOffset() <= read) {
            done.add(queue.pollFirst().tag());
        }
        return done;
    }

    /** Bytes still needed to complete the oldest pending message (0 if none pending). */
    public long bytesToNextBoundary() {
        return queue.isEmpty() ? 0 : queue.peekFirst().endOffset() - read;
    }

    public int pendingMessages() { return queue.size(); }
    public long bytesWritten() { return written; }
    public long bytesRead() { return read; }
}
