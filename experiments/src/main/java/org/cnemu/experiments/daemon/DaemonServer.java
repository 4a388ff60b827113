package org.cnemu.experiments.daemon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.cnemu.experiments.Invocation;
import org.cnemu.experiments.run.PhaseTrace;
import org.cnemu.experiments.run.PlanRunner;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The resident cnemu JVM ({@code cnemu daemon start}): serves {@code run} and {@code validate} command
 * lines in process, so that a user's command skips JVM start-up, class loading and JIT warm-up.
 *
 * <p>Security: it listens on 127.0.0.1 only, on an ephemeral port, and serves only clients that present
 * the random token of its state file (mode 600, see {@link DaemonState}); anything else is refused
 * before a single argument is read.
 *
 * <p>One command at a time: a client arriving while one runs is answered {@code busy} at once (it then
 * runs a fresh JVM instead of waiting). Commands it must not serve (other subcommands, --cluster but for
 * a farmed plan ({@link #servable}), --prometheus, --instrument-actors, which hold ports or global
 * telemetry state) are answered
 * {@code unsupported}, and the client falls back the same way. So are commands that arrive when the
 * checkout's build is no longer the one the daemon runs ({@link BuildCheck}: a source edited since the
 * build, a jar rebuilt): answered {@code stale}, the client then builds and runs a fresh JVM.
 *
 * <p>Wire protocol (bash-friendly: the client is bin/cnemu over /dev/tcp). The client first makes the
 * daemon prove it knows the token, so that a token is never sent to a listener that is not this daemon
 * (another user's process bound to a dead daemon's port): it sends NUL-terminated {@code cnemu-daemon-3,
 * nonce} (32 fresh random hex digits); the daemon answers the line {@code proof <hex>}, a MAC of the nonce
 * under the token (see {@link #proof}). Only then does the client send the
 * NUL-terminated UTF-8 fields {@code token, op}; op {@code exec} continues with {@code cwd, flags, argc,
 * arg...} (flags: space-separated {@code tty=0|1 debug=0|1}, and {@code warm-up=1} for the daemon's own warm-up
 * rounds, {@link #warmUpRoundThroughTheSocket}); ops {@code status} and {@code stop} end
 * there. Response: {@code \n}-terminated lines. First one of {@code accepted}, {@code busy},
 * {@code unsupported}, {@code stale}, {@code denied}, {@code bad-request} (all but the first end the
 * connection); after {@code accepted}: output records whose first character says where the rest goes
 * ({@code o} stdout line, {@code O} stdout text without a newline, {@code e}/{@code E} the same for stderr), then
 * {@code x<exit code>} last. A run's output is never mixed with another's: each connection has its
 * own writers and only one command runs at a time.
 */
public final class DaemonServer implements AutoCloseable {
  public static final String MAGIC = "cnemu-daemon-3";
  /** Connections not yet authenticated (no valid token yet) held at once; more are closed at once. */
  static final int MAX_PRE_AUTH = 8;
  /** An unauthenticated connection must have sent its token within this time, in all. */
  static final int PRE_AUTH_TIMEOUT_MS = 5_000;
  /** The subcommands served in process; everything else gets a fresh JVM. */
  static final Set<String> SERVED = Set.of("run", "validate");
  /** Options whose runs hold process-wide telemetry (Kamon) or join a cluster as a member: fresh JVM. */
  static final Set<String> NOT_SERVED_OPTIONS = Set.of("--prometheus", "--prometheus-host", "--instrument-actors",
      "--coordinate-only", "--insecure");
  /** Options of a run on a cluster: served only for a farmed plan ({@link #servable}). */
  static final Set<String> CLUSTER_OPTIONS = Set.of("--cluster", "--bind", "--nodes", "--cluster-mode", "--cluster-key");
  /** A request must arrive within this time; a silent client cannot hold the daemon. */
  static final int REQUEST_TIMEOUT_MS = 10_000;
  private static final int MAX_FIELD = 64 * 1024;
  private static final int MAX_ARGS = 4096;
  /** The name of a thread of {@link #THREADS} between its tasks. */
  static final String IDLE_THREAD = "cnemu-daemon-idle";
  /**
   * The threads of the connections and of their commands' client watches, kept between tasks (idle ones end
   * after a minute): a served command, which needs two, then hands each to a waiting thread instead of
   * starting one, which costs more and, on a loaded machine, waits longer for its first time slice
   * (docs/benchmarks.md).
   * As unbounded as a thread per task: the connections are bounded before authentication
   * ({@link #MAX_PRE_AUTH}), and only one command runs at a time.
   */
  private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, IDLE_THREAD);
    t.setDaemon(true);
    return t;
  });

  private final ServerSocket server;
  private final byte[] token;
  private final String tokenText;
  private final AtomicBoolean busy = new AtomicBoolean();
  /** Exit codes being written: the command is over (not busy) but its client has not got the code yet. */
  private final AtomicInteger replying = new AtomicInteger();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final Thread acceptor;
  private final Semaphore preAuth;
  private final int preAuthTimeoutMs;
  /**
   * Held while something runs in process: a served command, or one round of the background warm-up
   * ({@link WarmUp}), which a command preempts: it sets the round's flag (the round's run stops at its
   * next {@link org.cnemu.emulator.Cancellation} check) and takes the lock next (fair: a round that ends
   * cannot take it back first).
   */
  private final ReentrantLock running = new ReentrantLock(true);
  /** Commands waiting for {@link #running}: a warm-up round does not start while there is one. */
  private final AtomicInteger commandsWaiting = new AtomicInteger();
  /** The stop flag of the warm-up round running now, or null. */
  private volatile AtomicBoolean warmUpRound;
  /** Warm-up rounds served through the socket (for tests). */
  private final AtomicInteger warmUpRoundsServed = new AtomicInteger();
  /** How the last warm-up round sent through the socket ended (null: it did not get to run). */
  private volatile Round warmUpOutcome;
  /** What {@code status} says of the warm-up (WarmUp sets it). */
  private volatile String warmUpState = "none";
  /** Why the daemon's build is no longer the checkout's, or null when it is (asked before each command). */
  private volatile Supplier<String> stale = () -> null;

  /** Binds 127.0.0.1 on an ephemeral port with a fresh random token; {@link #start()} to serve. */
  public DaemonServer() throws IOException {
    this(newToken());
  }

  DaemonServer(String token) throws IOException {
    this(token, MAX_PRE_AUTH, PRE_AUTH_TIMEOUT_MS);
  }

  DaemonServer(String token, int maxPreAuth, int preAuthTimeoutMs) throws IOException {
    if (!token.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("a daemon token is 64 hex digits");
    this.preAuth = new Semaphore(maxPreAuth);
    this.preAuthTimeoutMs = preAuthTimeoutMs;
    this.tokenText = token;
    this.token = token.getBytes(StandardCharsets.UTF_8);
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    acceptor = new Thread(this::acceptLoop, "cnemu-daemon-accept");
  }

  static String newToken() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Unauthenticated connections being held now (tests: none leaks). */
  int preAuthHeld(int maxPreAuth) {
    return maxPreAuth - preAuth.availablePermits();
  }

  /**
   * What the daemon answers to {@code nonce}: 32 hex digits, SipHash-2-4 of the nonce's 16 bytes under the
   * token's first 128 bits, then under its last 128 bits (the token and the nonce read as 64-bit words,
   * the nonce's bytes little-endian as SipHash takes them). SipHash is a pseudo-random function made to
   * be a MAC: without the key, the answer to a fresh nonce cannot be told from random (forging it takes
   * 2^128 guesses), and answers to old nonces, which anyone may collect pre-auth, give nothing of the key.
   * It replaces a SHA-256 proof that bin/cnemu checked with a {@code sha256sum} fork per command: SipHash
   * is add-rotate-xor on 64-bit words, which bash's arithmetic computes in well under a millisecond.
   */
  static String proof(String token, String nonce) {
    long[] m = {Long.parseUnsignedLong(nonce.substring(0, 16), 16), Long.parseUnsignedLong(nonce.substring(16, 32), 16)};
    return String.format("%016x%016x",
        sipHash24(Long.parseUnsignedLong(token.substring(0, 16), 16), Long.parseUnsignedLong(token.substring(16, 32), 16), m),
        sipHash24(Long.parseUnsignedLong(token.substring(32, 48), 16), Long.parseUnsignedLong(token.substring(48, 64), 16), m));
  }

  /** SipHash-2-4 (Aumasson and Bernstein, 2012) of {@code words} (8 bytes each, little-endian) under key (k0, k1). */
  static long sipHash24(long k0, long k1, long[] words) {
    long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L};
    long[] all = Arrays.copyOf(words, words.length + 1);
    all[words.length] = ((long) words.length * 8) << 56; // the last block: no tail bytes, the length byte
    for (long m : all) {
      v[3] ^= m;
      sipRound(v);
      sipRound(v);
      v[0] ^= m;
    }
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++) sipRound(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
  }

  private static void sipRound(long[] v) {
    v[0] += v[1];
    v[1] = Long.rotateLeft(v[1], 13) ^ v[0];
    v[0] = Long.rotateLeft(v[0], 32);
    v[2] += v[3];
    v[3] = Long.rotateLeft(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = Long.rotateLeft(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = Long.rotateLeft(v[1], 17) ^ v[2];
    v[2] = Long.rotateLeft(v[2], 32);
  }

  static boolean validNonce(String nonce) {
    return nonce != null && nonce.matches("[0-9a-f]{32}");
  }

  public int port() {
    return server.getLocalPort();
  }

  public String token() {
    return tokenText;
  }

  /** Declines every command (answer {@code stale}) while {@code check} gives a reason; set before {@link #start()}. */
  DaemonServer checkingBuild(Supplier<String> check) {
    this.stale = check;
    return this;
  }

  public DaemonServer start() {
    acceptor.start();
    return this;
  }

  /** How one warm-up round ended. */
  enum Round { RAN, PREEMPTED, SKIPPED }

  /**
   * Runs one warm-up round unless a command waits or a stop was asked for ({@code SKIPPED}); a command
   * that arrives meanwhile stops it early ({@code PREEMPTED}: {@code round} ran with the Cancellation flag
   * set part-way) and runs as soon as it returns.
   */
  Round warmUpRound(Runnable round) {
    running.lock();
    try {
      AtomicBoolean stop = new AtomicBoolean();
      warmUpRound = stop; // before the check below: a command either sees this flag or is seen waiting
      if (commandsWaiting.get() > 0 || stopRequested.getCount() == 0) return Round.SKIPPED;
      org.cnemu.emulator.Cancellation.watch(stop);
      try {
        round.run();
      } finally {
        org.cnemu.emulator.Cancellation.clear();
      }
      return stop.get() ? Round.PREEMPTED : Round.RAN;
    } finally {
      warmUpRound = null;
      running.unlock();
    }
  }

  /**
   * Sends one warm-up round through the daemon's own socket, as bin/cnemu sends a command (the connection,
   * the proof, the request, the kept load, the output frames: a served command's whole path, which an
   * in-process round never ran): {@code args} run in {@code cwd} as a preemptible round. Returns how the
   * round ended; an {@code IOException} when the daemon declined it (stopping, a stale build).
   */
  Round warmUpRoundThroughTheSocket(DaemonClient client, Path cwd, List<String> args) throws IOException {
    warmUpOutcome = null;
    DaemonClient.Result r = client.exec(cwd.toString(), args, true, NULL_OUT, NULL_OUT);
    if (!r.accepted()) throw new IOException("the daemon declined a round: " + r.answer());
    Round outcome = warmUpOutcome; // set by the round's connection before it sent the exit code
    return outcome != null ? outcome : Round.SKIPPED;
  }

  private static final PrintWriter NULL_OUT = new PrintWriter(Writer.nullWriter());

  int warmUpRoundsServed() {
    return warmUpRoundsServed.get();
  }

  /** Whether a stop was asked for (the warm-up then ends). */
  boolean stopping() {
    return stopRequested.getCount() == 0;
  }

  void warmUpState(String state) {
    warmUpState = state;
  }

  /** Takes {@link #running} for a command, stopping a warm-up round in progress. */
  private void lockForCommand() {
    commandsWaiting.incrementAndGet();
    try {
      AtomicBoolean round = warmUpRound;
      if (round != null) round.set(true);
      running.lock();
    } finally {
      commandsWaiting.decrementAndGet();
    }
  }

  /** Blocks until a client asks to stop, then until the command being served (if any) has finished. */
  public void awaitStop() throws InterruptedException {
    stopRequested.await();
    close();
    // a warm-up round in progress stops early: the daemon exits without waiting for it
    AtomicBoolean round = warmUpRound;
    if (round != null) round.set(true);
    // The listening socket is released only once the thread blocked in accept() has left it.
    if (acceptor.isAlive()) acceptor.join(5_000);
    while (busy.get() || replying.get() > 0) Thread.sleep(20);
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing a listening socket cannot fail in a way worth reporting
    }
    org.cnemu.emulator.cluster.JobFarm.dropKeptSystem(); // a farmed plan's driver system, kept between commands
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (server.isClosed()) return;
        continue;
      }
      // A bounded number of unauthenticated connections: idle or slow ones cannot pile up threads and
      // file descriptors; one more is closed at once (its client then runs a fresh JVM).
      if (!preAuth.tryAcquire()) {
        try {
          s.setSoLinger(true, 0);
          s.close();
        } catch (IOException ignored) {
          // closing a socket we refuse: nothing to report
        }
        continue;
      }
      // One thread per connection: reading a request (bounded by the timeout) or answering busy never
      // waits for the command being served.
      run("cnemu-daemon-client", () -> handle(s));
    }
  }

  /** Runs {@code task} on a thread of {@link #THREADS} named {@code name} while it runs. */
  static void run(String name, Runnable task) {
    THREADS.execute(() -> {
      Thread.currentThread().setName(name);
      try {
        task.run();
      } finally {
        Thread.currentThread().setName(IDLE_THREAD);
      }
    });
  }

  private void handle(Socket s) {
    boolean preAuthHeld = true;
    try (s) {
      PhaseTrace.begin();
      s.setTcpNoDelay(true);
      long preAuthDeadline = System.nanoTime() + preAuthTimeoutMs * 1_000_000L;
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = new BufferedOutputStream(s.getOutputStream());
      if (!MAGIC.equals(field(s, in, preAuthDeadline))) {
        reply(out, "bad-request");
        return;
      }
      String nonce = field(s, in, preAuthDeadline);
      if (!validNonce(nonce)) {
        reply(out, "bad-request");
        return;
      }
      reply(out, "proof " + proof(tokenText, nonce));
      String presented = field(s, in, preAuthDeadline);
      if (presented == null || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
        reply(out, "denied");
        return;
      }
      preAuth.release();
      preAuthHeld = false;
      PhaseTrace.mark("auth");
      s.setSoTimeout(REQUEST_TIMEOUT_MS);
      String op = field(in);
      if ("status".equals(op)) {
        reply(out, "status " + (busy.get() ? "busy" : "idle") + " pid=" + ProcessHandle.current().pid()
            + " warm-up=" + warmUpState);
      } else if ("stop".equals(op)) {
        stopRequested.countDown(); // first: once the client reads the answer, nothing new starts
        reply(out, "stopping");
      } else if ("exec".equals(op)) {
        exec(s, in, out);
      } else {
        reply(out, "bad-request");
      }
    } catch (IOException e) {
      // the client went away, sent garbage or took too long: nothing to answer
    } finally {
      if (preAuthHeld) preAuth.release();
    }
  }

  private void exec(Socket s, InputStream in, OutputStream out) throws IOException {
    String cwd = field(in);
    String flags = field(in);
    String argc = field(in);
    int n;
    try {
      n = Integer.parseInt(argc == null ? "" : argc);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (cwd == null || flags == null || n < 0 || n > MAX_ARGS || !Path.of(cwd).isAbsolute()) {
      reply(out, "bad-request");
      return;
    }
    List<String> args = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String a = field(in);
      if (a == null) {
        reply(out, "bad-request");
        return;
      }
      args.add(a);
    }
    if (!servable(args)) {
      reply(out, "unsupported");
      return;
    }
    List<String> f = List.of(flags.split(" "));
    // A round of the daemon's own warm-up (WarmUp), sent by the daemon itself with its token: served as
    // a client's command is, but preemptible, so it neither takes nor needs `busy` (a client arriving
    // meanwhile is accepted and stops the round).
    boolean warmUp = f.contains("warm-up=1");
    if (!warmUp && !busy.compareAndSet(false, true)) {
      reply(out, "busy");
      return;
    }
    boolean released = warmUp;
    try {
      if (stopRequested.getCount() == 0) {
        reply(out, "busy"); // stopping: the client runs a fresh JVM
        return;
      }
      String why = stale.get();
      PhaseTrace.mark("build-check");
      if (why != null) {
        if (warmUp) {
          reply(out, "stale");
          return;
        }
        // nothing ran: the client builds the checkout and runs the command in a fresh JVM. Logged and
        // free before the answer goes out, as after a served command: a client that rebuilds quickly
        // and comes straight back must not find the daemon still busy declining it.
        System.out.printf(Locale.ROOT, "%s declined %s in %s: %s%n", java.time.Instant.now(),
            String.join(" ", args), cwd, why);
        System.out.flush();
        released = true;
        freeThenAnswer(() -> reply(out, "stale"));
        return;
      }
      s.setSoTimeout(0);
      reply(out, "accepted");
      // a farmed plan's driver keeps its actor system (remoting, TLS, connections) for the next command
      Invocation inv = new Invocation(Path.of(cwd), f.contains("tty=1"), f.contains("debug=1"), true);
      Frames frames = new Frames(out);
      PrintWriter stdout = new PrintWriter(new ChannelWriter(frames, 'o', 'O'), true);
      PrintWriter stderr = new PrintWriter(new ChannelWriter(frames, 'e', 'E'), true);
      int[] code = {ExitCodes.FAILURE};
      long t0 = System.nanoTime();
      ClientWatch watch = ClientWatch.start(in);
      if (warmUp) {
        warmUpOutcome = warmUpRound(() -> code[0] = execute(args, stdout, stderr, inv));
        watch.finished();
        warmUpRoundsServed.incrementAndGet();
      } else {
        lockForCommand();
        PhaseTrace.mark("lock");
        org.cnemu.emulator.Cancellation.watch(watch.gone);
        try {
          code[0] = execute(args, stdout, stderr, inv);
        } finally {
          org.cnemu.emulator.Cancellation.clear();
          running.unlock();
          watch.finished();
        }
      }
      stdout.flush();
      stderr.flush();
      PhaseTrace.mark("execute");
      int exit = code[0];
      if (warmUp) {
        frames.send('x', Integer.toString(exit));
        PhaseTrace.end(); // a round's phases are not a command's: not logged
        return;
      }
      // The daemon's log (its stdout): one line per served command, for `cnemu daemon` users and CI;
      // written before the exit code, so that it is there when the client returns.
      System.out.printf(Locale.ROOT, "%s served %s in %s: exit %d, %.3f s%s%n", java.time.Instant.now(),
          String.join(" ", args), cwd, exit, (System.nanoTime() - t0) / 1e9,
          watch.clientGone() ? " (client gone: run stopped)" : frames.broken() ? " (client gone before the end)" : "");
      System.out.flush();
      released = true;
      freeThenAnswer(() -> frames.send('x', Integer.toString(exit)));
      PhaseTrace.mark("answer");
      String trace = PhaseTrace.end();
      if (!trace.isEmpty()) System.out.println(trace);
    } finally {
      if (!released) busy.set(false);
    }
  }

  /** Runs a served command line in process; a bug escaping {@link Cli#execute} is reported like a failed run. */
  private static int execute(List<String> args, PrintWriter stdout, PrintWriter stderr, Invocation inv) {
    try {
      return Cli.execute(args.toArray(String[]::new), stdout, stderr, inv);
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      stderr.println("error: " + PlanRunner.describe(e));
      return ExitCodes.FAILURE;
    }
  }

  /** An answer that may fail as the client goes away. */
  private interface Answer {
    void send() throws IOException;
  }

  /**
   * Frees the daemon, then sends the command's last answer: a client that goes straight on to its next
   * command must not find the daemon still busy with this one (it would fall back to a fresh JVM). Until
   * the answer is out, {@link #awaitStop} still waits for it ({@code replying}).
   */
  private void freeThenAnswer(Answer answer) throws IOException {
    replying.incrementAndGet();
    busy.set(false);
    try {
      answer.send();
    } finally {
      replying.decrementAndGet();
    }
  }

  /**
   * Watches a served command's connection: the client sends nothing after its request, so the end of
   * its stream means it went away (Ctrl-C, a killed shell). The command's runs are then asked to stop
   * ({@link org.cnemu.emulator.Cancellation}): the run in progress ends at its next check with its
   * results folder marked incomplete (a fresh JVM killed by Ctrl-C leaves no results file at all), and
   * the daemon is free at once instead of finishing a run nobody waits for.
   */
  static final class ClientWatch {
    final AtomicBoolean gone = new AtomicBoolean();
    private volatile boolean finished;

    static ClientWatch start(InputStream in) {
      ClientWatch w = new ClientWatch();
      run("cnemu-daemon-client-watch", () -> {
        try {
          while (in.read() >= 0) {
            // a client sends nothing more; ignore anything it does
          }
        } catch (IOException e) {
          // reset by the peer: gone as well (or closed by us at the end, which finished tells apart)
        }
        if (!w.finished) w.gone.set(true);
      });
      return w;
    }

    /** The command returned: whatever happens to the connection now stops nothing. */
    void finished() {
      finished = true;
    }

    boolean clientGone() {
      return gone.get();
    }
  }

  /**
   * Whether a command line is one the daemon runs in process. A run on a cluster only as a farmed plan
   * that says so ({@code --cluster-mode jobs}) with its key named ({@code --cluster-key DIR}, read per
   * command, relative to the client's folder): its driver is no cluster member, its actor system lives
   * for the command only (bound to loopback unless {@code --bind} says otherwise), and the key and the
   * TLS transport are the command's, as in a fresh JVM. A partitioned run joins the cluster as a member
   * (and a run whose mode the plan decides may), so it gets a fresh JVM; so does {@code --insecure}.
   */
  static boolean servable(List<String> args) {
    if (args.isEmpty() || !SERVED.contains(args.get(0))) return false;
    boolean cluster = false;
    boolean jobsMode = false;
    boolean key = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(0, eq) : a;
      if (NOT_SERVED_OPTIONS.contains(name)) return false;
      if (!CLUSTER_OPTIONS.contains(name)) continue;
      cluster = true;
      String value = eq > 0 ? a.substring(eq + 1) : i + 1 < args.size() ? args.get(i + 1) : null;
      if (name.equals("--cluster-mode")) jobsMode = "jobs".equals(value);
      if (name.equals("--cluster-key")) key = true;
    }
    return !cluster || (args.get(0).equals("run") && jobsMode && key);
  }

  /** {@link #field(InputStream)} before {@code deadlineNanos}: a client dribbling bytes cannot hold on. */
  private static String field(Socket s, InputStream in, long deadlineNanos) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      if (in.available() == 0) {
        long leftMs = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        if (leftMs <= 0) throw new java.net.SocketTimeoutException("request too slow");
        s.setSoTimeout((int) Math.min(leftMs, Integer.MAX_VALUE));
      }
      int c = in.read();
      if (c < 0) return null;
      if (c == 0) return b.toString(StandardCharsets.UTF_8);
      if (b.size() >= MAX_FIELD) throw new IOException("field too long");
      b.write(c);
    }
  }

  /** One NUL-terminated field, or null at end of stream; bounded so a client cannot exhaust memory. */
  private static String field(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      int c = in.read();
      if (c < 0) return null;
      if (c == 0) return b.toString(StandardCharsets.UTF_8);
      if (b.size() >= MAX_FIELD) throw new IOException("field too long");
      b.write(c);
    }
  }

  private static void reply(OutputStream out, String line) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /**
   * The response stream of one connection. Once the client is gone (Ctrl-C), writes are dropped: the
   * command runs to its end (its results folder ends complete, or marked incomplete as usual) and the
   * daemon is free for the next client.
   */
  static final class Frames {
    private final OutputStream out;
    private boolean broken;

    Frames(OutputStream out) {
      this.out = out;
    }

    synchronized boolean broken() {
      return broken;
    }

    synchronized void send(char kind, CharSequence text) {
      if (broken) return;
      try {
        out.write((kind + text.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        broken = true; // the client is gone: drop the rest of the output, let the command finish
      }
    }
  }

  /**
   * One of stdout/stderr as records: each line as {@code line} + text, text flushed before its newline
   * (a progress line's {@code \r} updates) as {@code partial} + text.
   */
  static final class ChannelWriter extends Writer {
    private final Frames frames;
    private final char line;
    private final char partial;
    private final StringBuilder pending = new StringBuilder();

    ChannelWriter(Frames frames, char line, char partial) {
      this.frames = frames;
      this.line = line;
      this.partial = partial;
    }

    @Override
    public synchronized void write(char[] cbuf, int off, int len) {
      for (int i = off; i < off + len; i++) {
        char c = cbuf[i];
        if (c == '\n') {
          frames.send(line, pending);
          pending.setLength(0);
        } else {
          pending.append(c);
        }
      }
    }

    @Override
    public synchronized void flush() {
      if (pending.length() > 0) {
        frames.send(partial, pending);
        pending.setLength(0);
      }
    }

    @Override
    public void close() {
      flush();
    }
  }
}
