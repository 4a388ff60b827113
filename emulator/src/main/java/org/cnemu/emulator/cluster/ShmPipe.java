package org.cnemu.emulator.cluster;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A one-way byte pipe between two JVMs on one machine: a ring in a memory-mapped file, with the
 * TCP connection of the pair kept as a doorbell for a reader that went to sleep and to notice a dead
 * peer. The writer's bytes become visible at {@link Out#flush()} (release store of the write
 * position); a reader with nothing to read sets a "sleeping" flag, re-checks, and blocks on the
 * socket for one doorbell byte, which the writer sends only when it sees the flag after publishing
 * (store, full fence, load on both sides: no lost wake-up). A polling reader costs the writer no
 * system call at all.
 *
 * <p>Layout: write position (long) at 0, read position (long) at 64, sleeping flag (int) at 96,
 * data from 128, capacity a power of two. Positions only grow; index = position mod capacity.
 */
final class ShmPipe {
  static final int HEADER_BYTES = 128;
  private static final int WRITE_POS = 0;
  private static final int READ_POS = 64;
  private static final int SLEEPING = 96;
  private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
  /** A writer that finds the ring full for this long gives up: the reader is gone or stuck. */
  private static final long FULL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private ShmPipe() {}

  /** Creates the ring file (owner read/write only) and maps it. */
  static MappedByteBuffer create(Path file, int capacityBytes) throws IOException {
    if (Integer.bitCount(capacityBytes) != 1) throw new IllegalArgumentException("capacity must be a power of two");
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    return map(file, HEADER_BYTES + capacityBytes);
  }

  /** Maps an existing ring file. */
  static MappedByteBuffer map(Path file, long sizeBytes) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw"); FileChannel ch = f.getChannel()) {
      if (f.length() < sizeBytes) f.setLength(sizeBytes);
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, sizeBytes);
    }
  }

  /** The writing end. Not thread-safe: one partition writes. */
  static final class Out extends OutputStream {
    private final MappedByteBuffer buf;
    private final int capacity;
    private final OutputStream doorbell;
    private final BooleanSupplier closed;
    private long writePos;

    Out(MappedByteBuffer buf, OutputStream doorbell, BooleanSupplier closed) {
      this.buf = buf;
      this.capacity = buf.capacity() - HEADER_BYTES;
      this.doorbell = doorbell;
      this.closed = closed;
      this.writePos = (long) LONGS.getAcquire(buf, WRITE_POS);
    }

    @Override
    public void write(int b) throws IOException {
      awaitSpace(1);
      buf.put(HEADER_BYTES + (int) (writePos & (capacity - 1)), (byte) b);
      writePos++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int free = awaitSpace(1);
        int at = (int) (writePos & (capacity - 1));
        int n = Math.min(len, Math.min(free, capacity - at));
        buf.put(HEADER_BYTES + at, b, off, n);
        writePos += n;
        off += n;
        len -= n;
      }
    }

    /** Publishes what was written; wakes the reader if it sleeps. */
    @Override
    public void flush() throws IOException {
      LONGS.setRelease(buf, WRITE_POS, writePos);
      VarHandle.fullFence();
      if ((int) INTS.getVolatile(buf, SLEEPING) == 1) {
        INTS.setVolatile(buf, SLEEPING, 0);
        doorbell.write(1);
        doorbell.flush();
      }
    }

    /** Free bytes, at least {@code need}: publishes and waits while the ring is full. */
    private int awaitSpace(int need) throws IOException {
      long free = capacity - (writePos - (long) LONGS.getAcquire(buf, READ_POS));
      if (free >= need) return (int) free;
      flush(); // the reader must see what fills the ring to drain it
      long deadline = System.nanoTime() + FULL_TIMEOUT_NANOS;
      int spins = 0;
      while ((free = capacity - (writePos - (long) LONGS.getAcquire(buf, READ_POS))) < need) {
        if (closed.getAsBoolean()) throw new IOException("data plane closed");
        if (System.nanoTime() > deadline) throw new IOException("shared-memory ring full for 30 s: reader gone");
        if (++spins < 1_000) Thread.onSpinWait();
        else LockSupport.parkNanos(20_000);
      }
      return (int) free;
    }
  }

  /** The reading end. Not thread-safe: one partition reads. */
  static final class In extends InputStream {
    private final MappedByteBuffer buf;
    private final int capacity;
    private final InputStream doorbell;
    private final BooleanSupplier closed;
    private long readPos;

    /** @param doorbell the pair's socket; its read timeout bounds how long a closed plane goes unnoticed */
    In(MappedByteBuffer buf, InputStream doorbell, BooleanSupplier closed) {
      this.buf = buf;
      this.capacity = buf.capacity() - HEADER_BYTES;
      this.doorbell = doorbell;
      this.closed = closed;
      this.readPos = (long) LONGS.getAcquire(buf, READ_POS);
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, (long) LONGS.getAcquire(buf, WRITE_POS) - readPos);
    }

    @Override
    public int read() throws IOException {
      awaitData();
      int b = buf.get(HEADER_BYTES + (int) (readPos & (capacity - 1))) & 0xff;
      readPos++;
      LONGS.setRelease(buf, READ_POS, readPos);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      long avail = awaitData();
      int at = (int) (readPos & (capacity - 1));
      int n = (int) Math.min(len, Math.min(avail, capacity - at));
      buf.get(HEADER_BYTES + at, b, off, n);
      readPos += n;
      LONGS.setRelease(buf, READ_POS, readPos);
      return n;
    }

    /** Bytes readable, at least one: sleeps on the doorbell while there are none. */
    private long awaitData() throws IOException {
      while (true) {
        long avail = (long) LONGS.getAcquire(buf, WRITE_POS) - readPos;
        if (avail > 0) return avail;
        INTS.setVolatile(buf, SLEEPING, 1);
        VarHandle.fullFence();
        avail = (long) LONGS.getAcquire(buf, WRITE_POS) - readPos;
        if (avail > 0) {
          INTS.setVolatile(buf, SLEEPING, 0);
          return avail;
        }
        try {
          if (doorbell.read() < 0) throw new EOFException("the writing node closed the connection");
        } catch (SocketTimeoutException timeout) {
          if (closed.getAsBoolean()) throw new IOException("data plane closed");
        }
      }
    }
  }

  /** Where ring files go: /dev/shm (memory, never written back) when usable, else the temp folder. */
  static Path directory() {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
  }

  /** This machine's identity for "same machine" tests: the Linux boot id, or null (no shared memory). */
  static String machineId() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
