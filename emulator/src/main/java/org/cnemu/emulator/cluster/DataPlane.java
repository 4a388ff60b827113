package org.cnemu.emulator.cluster;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.cnemu.emulator.Coordinator;
import org.cnemu.emulator.Partition;
import org.cnemu.emulator.PartitionGroup;
import org.cnemu.emulator.wire.KryoSerializer;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cross-node data plane of one run on one node: window traffic ({@link Partition.Deliver},
 * {@link Partition.Sync}) between partitions on different JVMs travels over plain TCP connections,
 * one per ordered pair of nodes, instead of Artery. A node's frames for a window go out in one write
 * per peer node: each batch once (its events name the partition it is for), each sync once per node.
 *
 * <p>Why: a conservative window needs one message from every peer, so a run pays one cross-node
 * latency per window (847 windows per virtual ms on a 1 us fabric). Artery's path crosses several
 * stream stages and thread hand-offs per message (a ~1 ms round trip between two loaded JVMs here).
 * Here the waiting partition's thread reads its peer's socket itself: after sending its own sync for
 * a window it needs exactly the frames its peer sent for that window, in order (batches, then the
 * sync), so it spins briefly, then blocks in {@code read}, and no thread hand-off or mailbox lies on
 * the path. A node's partitions therefore run on one thread of their own, a {@link PartitionGroup}
 * on a pinned dispatcher, with one {@code Links}. Membership, failure detection,
 * placement and every control message stay on the Pekko cluster; the bytes are those of cnemu's Kryo
 * Pekko serializer (fixed class ids, Java serialization off).
 *
 * <p>Frames: {@code int length, int kind, long sentNanos, byte[length]} (the send time only serves
 * diagnostics), at most {@link #MAX_FRAME_BYTES}. A connection opens with a handshake that proves,
 * both ways, the run's HMAC key (derived from the cluster key and the run's secret token, which reached
 * the run's nodes over the authenticated cluster): the connecting side sends a magic number and a nonce,
 * the accepting side a nonce, the connecting side the two nodes (each named by its lowest partition),
 * its cluster address and its ring file with an HMAC over both nonces and these, and the accepting side
 * its own HMAC. Nothing of a connection that fails it is ever read as a frame.
 *
 * <p>Liveness: a connection that ends (EOF, reset) without {@link #BYE} means the peer's node is gone:
 * the run fails at once naming that node ({@link Coordinator.NodeLost}), sooner than the cluster's
 * failure detector would tell; BYE means the peer stopped on its own (it reports its own failure). A
 * slow peer is never taken for a lost one: a read waits as long as it takes, keeping what it has read of
 * a frame (a TCP retransmission between lab machines stalls a frame for hundreds of ms); a peer that
 * hangs for good is the failure detector's to find. Errors on this node's side (its ring file, a frame
 * that breaks the protocol) fail the run as this node's error, never as a loss of the peer.
 *
 * <p>Between JVMs of one machine (same boot id in their endpoints) the frames go through a
 * {@link ShmPipe} ring instead, and the connection only carries doorbell bytes and the end of the peer.
 */
public final class DataPlane {
  static final int MAGIC = 0x636e_6d34; // "cnm4": one connection per pair of nodes (cnm3: per pair of partitions)
  static final int FRAME = 0;
  static final int BYE = 1;
  private static final int BUFFER_BYTES = 1 << 16;
  private static final int POLL_MILLIS = 250;
  /**
   * The largest frame accepted or sent: far above any window's message (Partition.Deliver chunks stay
   * below 8192 events), far below what a wrong length could make this JVM allocate.
   */
  static final int MAX_FRAME_BYTES = 64 << 20;
  static final int NONCE_BYTES = 16;
  static final int MAC_BYTES = 32;
  /** The handshake's header (nodes, address, ring path) is small; anything longer is not a peer. */
  private static final int MAX_HEADER_BYTES = 4096;
  private static final int HANDSHAKE_MILLIS = 10_000;
  /** Handshakes in progress at once; more connections are closed at once (a flood holds no threads). */
  private static final int MAX_HANDSHAKES = 16;
  /** Windows up to this size are written by the partition's own thread (see Links.write). */
  static final int DIRECT_BYTES = 64 * 1024;
  /**
   * Fault injection for tests of the cluster (-Dcnemu.test.stall-mid-frame-ms): the first two windows a
   * node writes itself stop this long after 6 bytes, as a TCP retransmission would stall them. 0: off.
   */
  private static final long STALL_MID_FRAME_MILLIS = Long.getLong("cnemu.test.stall-mid-frame-ms", 0);

  private final String runId;
  private final byte[] macKey;
  private final String ringPrefix;
  private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
  private final java.security.SecureRandom random = new java.security.SecureRandom();
  private final String selfAddress;
  private final String bindHost;
  private final long spinNanos;
  private final ServerSocket server;
  private final Serializer serializer;
  private final Consumer<String> onLost;
  private final Consumer<String> log;
  private final String machine; // non-null: peers on this machine use a shared-memory ring
  private final List<java.nio.file.Path> ringFiles = new ArrayList<>();
  static final int RING_BYTES = 1 << 20;
  private final Map<Long, CompletableFuture<In>> inbound = new ConcurrentHashMap<>();
  private final List<Socket> sockets = new ArrayList<>();
  private final AtomicBoolean lost = new AtomicBoolean();
  private volatile ActorRef<Coordinator.Command> coordinator;
  private volatile boolean closed;

  /**
   * Listens on {@code bindHost:port} (0 = an ephemeral port) for the run's peers.
   *
   * @param spinNanos how long a waiting partition pinned to its own CPU polls its socket before blocking
   * @param onLost called once, with the lost node's cluster address, when a peer disappears mid-run
   */
  /**
   * @param security the node's cluster security: the run's connections prove the cluster key
   * @param token the run's secret, sent by its driver
   * @param sharedMemory whether partitions on this machine exchange frames through shared memory
   * @param log receives warnings (a thread that could not be pinned)
   */
  public static DataPlane open(ActorSystem<?> system, String runId, ClusterSecurity security, String token,
      String bindHost, int port, long spinNanos, boolean sharedMemory, Consumer<String> onLost, Consumer<String> log)
      throws IOException {
    return new DataPlane(system, runId, security.dataPlaneKey(token), bindHost, port, spinNanos, sharedMemory, onLost,
        log);
  }

  private DataPlane(ActorSystem<?> system, String runId, byte[] macKey, String bindHost, int port, long spinNanos,
      boolean sharedMemory, Consumer<String> onLost, Consumer<String> log) throws IOException {
    this.log = log;
    this.machine = sharedMemory ? ShmPipe.machineId() : null;
    this.runId = runId;
    this.macKey = macKey;
    // Ring files are named after the key, not the token: the names in /dev/shm are visible to every user.
    this.ringPrefix = "cnemu-" + HexFormat.of().formatHex(ClusterKey.derive(macKey, "ring")).substring(0, 16)
        + "-";
    this.selfAddress = system.address().toString();
    this.bindHost = bindHost;
    this.spinNanos = spinNanos;
    this.onLost = onLost;
    Serializer s = SerializationExtension.get(Adapter.toClassic(system)).serializerFor(Partition.Sync.class);
    if (s.identifier() != KryoSerializer.IDENTIFIER) {
      throw new IllegalStateException("engine messages must be bound to cnemu's Kryo serializer, not " + s);
    }
    this.serializer = s;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getByName(bindHost), port), 64);
    Thread t = new Thread(this::acceptLoop, "cnemu-data-accept-" + runId);
    t.setDaemon(true);
    t.start();
  }

  /**
   * HOST:PORT, this node's cluster address (what peers need to reach and to name it) and, with shared
   * memory on, the machine's identity (peers with the same one use a ring instead of the socket).
   */
  public String endpoint() {
    return bindHost + ":" + server.getLocalPort() + " " + selfAddress + (machine == null ? "" : " " + machine);
  }

  /**
   * The transport of this node's partitions (their group's), for one run.
   *
   * @param pinThreads {@code pin-threads = auto}: pin the thread that opens it ({@link #autoPinCpu})
   */
  public PartitionGroup.PeerTransport forNode(boolean pinThreads) {
    return new Links(pinThreads);
  }

  /**
   * The CPU for the thread of the node with data plane endpoint {@code mine} under {@code pin-threads =
   * auto}: the node's rank among the run's partition-hosting nodes (in the order of their first
   * partition), when the run has no more such nodes, hence partition threads, than this machine has
   * CPUs, so that the run's threads never share a CPU however its nodes share machines; otherwise (or
   * with one CPU) -1: no pinning, as pinned threads that poll must not share a CPU.
   */
  public static int autoPinCpu(List<String> endpoints, String mine, int cpus) {
    List<String> nodes = endpoints.stream().distinct().toList();
    int rank = nodes.indexOf(mine);
    return cpus >= 2 && nodes.size() <= cpus ? rank : -1;
  }

  /**
   * Ends this node's part of the run: stops listening and closes every connection (a partition that
   * ends on its own has already sent BYE); partitions blocked in a read notice within ~250 ms.
   */
  public void close() {
    if (closed) return;
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // already closed
    }
    synchronized (sockets) {
      for (Socket s : sockets) closeQuietly(s);
    }
    synchronized (ringFiles) {
      for (java.nio.file.Path f : ringFiles) {
        try {
          java.nio.file.Files.deleteIfExists(f);
        } catch (IOException ignored) {
          // /dev/shm or the temp folder: cleaned at reboot anyway
        }
      }
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (!handshakes.tryAcquire()) {
        closeQuietly(s); // a flood of connections: the run's peers connect once each, early
        continue;
      }
      track(s);
      // The handshake on a thread of its own: a connection that says nothing must not hold up the rest.
      Thread h = new Thread(() -> {
        try {
          handshake(s);
        } finally {
          handshakes.release();
        }
      }, "cnemu-data-handshake-" + runId);
      h.setDaemon(true);
      h.start();
    }
  }

  private void handshake(Socket s) {
    try {
      s.setTcpNoDelay(true);
      s.setSoTimeout(HANDSHAKE_MILLIS);
      BufferedInputStream raw = new BufferedInputStream(s.getInputStream(), BUFFER_BYTES);
      DataInputStream in = new DataInputStream(raw);
      java.io.OutputStream out = s.getOutputStream();
      if (in.readInt() != MAGIC) {
        drop(s); // not a data plane peer
        return;
      }
      byte[] clientNonce = new byte[NONCE_BYTES];
      in.readFully(clientNonce);
      byte[] serverNonce = nonce();
      out.write(serverNonce);
      out.flush();
      int headerLength = in.readUnsignedShort();
      if (headerLength > MAX_HEADER_BYTES) {
        drop(s);
        return;
      }
      byte[] header = new byte[headerLength];
      in.readFully(header);
      byte[] proof = new byte[MAC_BYTES];
      in.readFully(proof);
      if (!java.security.MessageDigest.isEqual(proof, mac('c', clientNonce, serverNonce, header))) {
        drop(s); // not one of this run's peers, or not a holder of the cluster key
        return;
      }
      out.write(mac('s', clientNonce, serverNonce, header));
      out.flush();
      DataInputStream h = new DataInputStream(new java.io.ByteArrayInputStream(header));
      int from = h.readInt();
      int to = h.readInt();
      String address = h.readUTF();
      String ring = h.readUTF();
      s.setSoTimeout(POLL_MILLIS);
      java.io.InputStream frames = raw;
      if (!ring.isEmpty()) {
        java.nio.file.Path file = checkedRing(ring, from, to);
        if (file == null) {
          drop(s); // not a ring of this run's peer
          return;
        }
        java.nio.MappedByteBuffer buf = ShmPipe.map(file, ShmPipe.HEADER_BYTES + RING_BYTES);
        java.nio.file.Files.deleteIfExists(file); // both ends have it mapped: nothing left behind
        frames = new ShmPipe.In(buf, raw, () -> closed);
      }
      inbound.computeIfAbsent(key(from, to), k -> new CompletableFuture<>()).complete(new In(s, frames, address));
    } catch (IOException | RuntimeException e) {
      drop(s);
    }
  }

  /**
   * The ring file a peer names, if it is one this node would create for that pair: in the ring folder
   * itself, under the exact name for nodes {@code from} and {@code to}, a regular file (not a link) owned
   * by this JVM's user with owner-only permissions and the ring's size; null otherwise.
   */
  java.nio.file.Path checkedRing(String named, int from, int to) throws IOException {
    java.nio.file.Path dir = ShmPipe.directory().toRealPath();
    java.nio.file.Path expected = dir.resolve(ringPrefix + from + "-" + to);
    java.nio.file.Path file = java.nio.file.Path.of(named);
    if (machine == null || !file.isAbsolute() || !file.normalize().equals(file) || file.getParent() == null) return null;
    if (!file.getParent().toRealPath().equals(dir) || !file.getFileName().equals(expected.getFileName())) return null;
    var attrs = java.nio.file.Files.readAttributes(expected, java.nio.file.attribute.PosixFileAttributes.class,
        java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isRegularFile() || attrs.size() != ShmPipe.HEADER_BYTES + RING_BYTES) return null;
    if (!attrs.owner().getName().equals(System.getProperty("user.name"))) return null;
    if (!attrs.permissions().equals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))) return null;
    return expected;
  }

  private byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    random.nextBytes(n);
    return n;
  }

  /** HMAC-SHA256 with the run's key over the side ('c' connecting, 's' accepting), both nonces and the header. */
  byte[] mac(char side, byte[] clientNonce, byte[] serverNonce, byte[] header) {
    try {
      javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
      m.init(new javax.crypto.spec.SecretKeySpec(macKey, "HmacSHA256"));
      m.update((byte) side);
      m.update(clientNonce);
      m.update(serverNonce);
      m.update(header);
      return m.doFinal();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static long key(int from, int to) {
    return ((long) from << 32) | (to & 0xffff_ffffL);
  }

  /** Closes a connection that failed its handshake and forgets it (a flood must not pile up sockets). */
  private void drop(Socket s) {
    closeQuietly(s);
    synchronized (sockets) {
      sockets.remove(s);
    }
  }

  private void track(Socket s) {
    synchronized (sockets) {
      sockets.add(s);
    }
    if (closed) closeQuietly(s);
  }

  private void peerLost(String address) {
    if (closed || !lost.compareAndSet(false, true)) return;
    ActorRef<Coordinator.Command> c = coordinator;
    if (c != null) c.tell(new Coordinator.NodeLost(address));
    onLost.accept(address);
  }

  static int getInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  static long getLong(byte[] b, int at) {
    return ((long) getInt(b, at) << 32) | (getInt(b, at + 4) & 0xffff_ffffL);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private record In(Socket socket, java.io.InputStream in, String address) {}

  /**
   * This node's connections to the other nodes of the run, one per node, indexed by that node's lowest
   * partition; {@code via[q]} names the connection that carries partition q's traffic.
   */
  private final class Links implements PartitionGroup.PeerTransport {
    private int self; // this node: its lowest partition
    private final boolean pinThreads;
    private int[] via;
    private long spin; // polls before blocking only on a CPU of its own
    private int stalledWindows; // -Dcnemu.test.stall-mid-frame-ms
    private long decodeNanos; // -Dcnemu.trace: time spent decoding frames
    private long transitNanos; // -Dcnemu.trace: waiting for frames already sent (meaningful on one machine)
    private Socket[] outSockets;
    private java.io.OutputStream[] out; // the socket's buffered stream, or the ring
    private java.io.ByteArrayOutputStream[] pending; // this window's frames, per peer
    private DataOutputStream[] pendingData;
    private ExecutorService[] writers; // per peer, started by the first large window
    private AtomicInteger[] queued; // windows handed to the writer, not yet written
    private String[] addresses;
    private In[] in;

    Links(boolean pinThreads) {
      this.pinThreads = pinThreads;
    }

    @Override
    public boolean[] open(List<String> endpoints, ActorRef<Coordinator.Command> coordinatorRef) {
      coordinator = coordinatorRef;
      String mine = endpoint();
      self = endpoints.indexOf(mine);
      if (self < 0) throw new IllegalStateException("run " + runId + ": this node is not among the data endpoints");
      int pinCpu = pinThreads ? autoPinCpu(endpoints, mine, Runtime.getRuntime().availableProcessors()) : -1;
      if (pinCpu >= 0) {
        String why = CpuAffinity.pinCurrentThread(pinCpu);
        if (why != null) log.accept("partitions of node " + self + " not pinned to CPU " + pinCpu + ": " + why);
        else spin = spinNanos; // the CPU is this thread's own: polling it steals from no one
      }
      int n = endpoints.size();
      boolean[] remote = new boolean[n];
      via = new int[n];
      outSockets = new Socket[n];
      out = new java.io.OutputStream[n];
      pending = new java.io.ByteArrayOutputStream[n];
      pendingData = new DataOutputStream[n];
      writers = new ExecutorService[n];
      queued = new AtomicInteger[n];
      for (int q = 0; q < n; q++) {
        pending[q] = new java.io.ByteArrayOutputStream(BUFFER_BYTES);
        pendingData[q] = new DataOutputStream(pending[q]);
        queued[q] = new AtomicInteger();
      }
      addresses = new String[n];
      in = new In[n];
      for (int q = 0; q < n; q++) {
        String e = endpoints.get(q);
        via[q] = endpoints.indexOf(e);
        if (e.equals(mine)) continue;
        remote[q] = true;
        String[] parts = e.split(" ");
        String hostPort = parts[0];
        addresses[q] = parts[1];
        if (via[q] != q) continue; // that node's connection is open already
        boolean sameMachine = machine != null && parts.length > 2 && parts[2].equals(machine);
        ClusterNode.HostPort hp = ClusterNode.HostPort.parse(hostPort);
        // This node's side first: a ring it cannot create is its own error, not a lost peer.
        java.nio.MappedByteBuffer ring = null;
        String ringName = "";
        if (sameMachine) {
          java.nio.file.Path file;
          try {
            file = ShmPipe.directory().toRealPath().resolve(ringPrefix + self + "-" + q);
            synchronized (ringFiles) {
              ringFiles.add(file);
            }
            ring = ShmPipe.create(file, RING_BYTES);
          } catch (IOException ex) {
            throw new IllegalStateException("run " + runId + ": cannot create the shared-memory ring for node "
                + addresses[q] + " on this node: " + ex.getMessage(), ex);
          }
          ringName = file.toString();
        }
        Socket s = new Socket();
        DataOutputStream o;
        try {
          s.setTcpNoDelay(true);
          track(s);
          s.connect(new InetSocketAddress(hp.host(), hp.port()), 10_000);
          s.setSoTimeout(HANDSHAKE_MILLIS);
          o = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), BUFFER_BYTES));
          DataInputStream answers = new DataInputStream(s.getInputStream());
          byte[] clientNonce = nonce();
          o.writeInt(MAGIC);
          o.write(clientNonce);
          o.flush();
          byte[] serverNonce = new byte[NONCE_BYTES];
          answers.readFully(serverNonce);
          java.io.ByteArrayOutputStream headerBytes = new java.io.ByteArrayOutputStream();
          DataOutputStream h = new DataOutputStream(headerBytes);
          h.writeInt(self);
          h.writeInt(q);
          h.writeUTF(selfAddress);
          h.writeUTF(ringName);
          byte[] header = headerBytes.toByteArray();
          o.writeShort(header.length);
          o.write(header);
          o.write(mac('c', clientNonce, serverNonce, header));
          o.flush();
          byte[] proof = new byte[MAC_BYTES];
          answers.readFully(proof);
          if (!java.security.MessageDigest.isEqual(proof, mac('s', clientNonce, serverNonce, header))) {
            closeQuietly(s);
            throw new IllegalStateException("run " + runId + ": the data plane at " + hostPort + " did not prove the "
                + "cluster key of node " + addresses[q]);
          }
          s.setSoTimeout(0); // this side only writes from now on
        } catch (IOException ex) {
          closeQuietly(s);
          peerLost(addresses[q]);
          throw new IllegalStateException("run " + runId + ": cannot open the data connection to node "
              + addresses[q] + " at " + hostPort + ": " + ex.getMessage(), ex);
        }
        outSockets[q] = s;
        out[q] = ring == null ? o : new ShmPipe.Out(ring, o, () -> closed);
      }
      return remote;
    }

    @Override
    public void send(int partition, Partition.Command m) {
      int c = via[partition];
      if (out[c] == null) return; // connection already failed; the run is being stopped
      frame(c, serializer.toBinary(m));
    }

    @Override
    public void sendToAll(Partition.Command m) {
      byte[] bytes = null;
      for (int c = 0; c < out.length; c++) {
        if (out[c] == null) continue;
        if (bytes == null) bytes = serializer.toBinary(m);
        frame(c, bytes);
      }
    }

    /** Adds one frame to what goes to node {@code c} at the end of the window. */
    private void frame(int c, byte[] bytes) {
      if (bytes.length > MAX_FRAME_BYTES) {
        throw new IllegalStateException("a window message of " + bytes.length + " bytes exceeds the data plane's "
            + "frame limit of " + MAX_FRAME_BYTES + " bytes");
      }
      try {
        DataOutputStream o = pendingData[c];
        o.writeInt(bytes.length);
        o.writeInt(FRAME);
        o.writeLong(System.nanoTime()); // diagnostics: one-way transit on one machine (same monotonic clock)
        o.write(bytes);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
      }
    }

    @Override
    public void flush() {
      for (int q = 0; q < out.length; q++) {
        if (out[q] == null || pending[q].size() == 0) continue;
        byte[] window = pending[q].toByteArray();
        if (pending[q].size() > (1 << 20)) {
          pending[q] = new java.io.ByteArrayOutputStream(BUFFER_BYTES); // do not keep a huge window's buffer
          pendingData[q] = new DataOutputStream(pending[q]);
        } else {
          pending[q].reset();
        }
        write(q, window);
      }
    }

    /**
     * Writes one window's frames (or the BYE) to partition q. Small windows go straight out on this
     * thread. Larger ones go to q's writer thread, and so does everything after them until it has caught
     * up (order): two partitions that both send more than their connection buffers hold (socket buffers,
     * or the 1 MiB ring) would otherwise both block in write, each waiting for the other to read. At most
     * two windows of {@link #DIRECT_BYTES} are ever unread when this thread writes itself, well within
     * what a connection buffers, so a direct write never waits for the peer.
     */
    private void write(int q, byte[] bytes) {
      java.io.OutputStream o = out[q];
      if (queued[q].get() == 0 && bytes.length <= DIRECT_BYTES) {
        try {
          if (STALL_MID_FRAME_MILLIS > 0 && stalledWindows < 2 && bytes.length > 8) {
            stalledWindows++;
            o.write(bytes, 0, 6); // the length and half the kind of the window's first frame
            o.flush();
            Thread.sleep(STALL_MID_FRAME_MILLIS);
            o.write(bytes, 6, bytes.length - 6);
          } else {
            o.write(bytes);
          }
          o.flush();
        } catch (IOException e) {
          failed(q);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      if (writers[q] == null) {
        String name = "cnemu-data-writer-" + runId + "-" + self + "-" + q;
        writers[q] = Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
      }
      queued[q].incrementAndGet();
      String address = addresses[q];
      Socket socket = outSockets[q];
      AtomicInteger count = queued[q];
      writers[q].execute(() -> {
        try {
          o.write(bytes);
          o.flush();
        } catch (IOException e) {
          closeQuietly(socket);
          peerLost(address);
        } finally {
          count.decrementAndGet();
        }
      });
    }

    @Override
    public Partition.Command receive(int partition) {
      long entryNanos = System.nanoTime(); // diagnostics only
      int c = via[partition];
      In i = in[c];
      try {
        if (i == null) {
          In accepted = awaitInbound(c);
          if (accepted == null) return null;
          in[c] = i = accepted;
        }
        java.io.InputStream d = i.in();
        if (spin > 0 && d.available() < 8) {
          long until = System.nanoTime() + spin; // latency only; never model time
          while (d.available() < 8 && System.nanoTime() < until) Thread.onSpinWait();
        }
        byte[] head = header;
        if (!readFully(d, head, 0, 8)) return null;
        int length = getInt(head, 0);
        int kind = getInt(head, 4);
        if (kind == BYE) return null;
        if (kind != FRAME || length < 0 || length > MAX_FRAME_BYTES) {
          throw new IllegalStateException("run " + runId + ": the data connection from node " + i.address()
              + " is out of step (frame kind " + kind + ", " + length + " bytes; limit " + MAX_FRAME_BYTES + ")");
        }
        if (!readFully(d, head, 8, 8)) return null;
        long sentNanos = getLong(head, 8);
        byte[] bytes = new byte[length];
        if (!readFully(d, bytes, 0, length)) return null;
        long t0 = System.nanoTime(); // diagnostics only
        Partition.Command m = (Partition.Command) serializer.fromBinary(bytes, scala.Option.empty());
        decodeNanos += System.nanoTime() - t0;
        transitNanos += Math.max(0, t0 - Math.max(sentNanos, entryNanos)); // waited for bytes already sent
        return m;
      } catch (IOException e) {
        if (closed) return null; // stopped here: the socket was closed under the read
        // the connection ended (EOF, reset) without BYE: the peer's node is gone
        peerLost(i != null ? i.address() : addresses[partition]);
        return null;
      }
    }

    private final byte[] header = new byte[16];

    /**
     * Reads exactly {@code len} bytes, however long the peer takes: a read timeout only checks whether
     * this node stopped, and keeps what was read (a stalled frame continues where it stopped). False:
     * the data plane was closed here.
     */
    private boolean readFully(java.io.InputStream d, byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n;
        try {
          n = d.read(b, off, len);
        } catch (SocketTimeoutException timeout) {
          if (closed) return false;
          continue;
        }
        if (n < 0) throw new java.io.EOFException("the peer closed the connection");
        off += n;
        len -= n;
      }
      return true;
    }

    @Override
    public void close() {
      if (Boolean.getBoolean("cnemu.trace")) {
        System.err.printf("TRACE node %d data plane: decoding %.3f s, waiting for frames already sent %.3f s%n", self,
            decodeNanos / 1e9, transitNanos / 1e9);
      }
      flush(); // anything still pending goes before the BYE
      for (int q = 0; q < out.length; q++) {
        if (out[q] == null) continue;
        java.nio.ByteBuffer bye = java.nio.ByteBuffer.allocate(8).putInt(0).putInt(BYE);
        write(q, bye.array());
        out[q] = null;
        if (writers[q] != null) writers[q].shutdown(); // after what is queued, the BYE included
      }
    }

    private In awaitInbound(int from) throws IOException {
      CompletableFuture<In> f = inbound.computeIfAbsent(key(from, self), k -> new CompletableFuture<>());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          return f.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          if (closed) return null;
          if (System.nanoTime() > deadline) {
            throw new IOException("partition " + from + " did not connect within 30 s");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        } catch (ExecutionException e) {
          throw new IOException(e.getCause());
        }
      }
    }

    private void failed(int q) {
      out[q] = null;
      if (outSockets[q] != null) closeQuietly(outSockets[q]);
      peerLost(addresses[q]);
    }
  }
}
