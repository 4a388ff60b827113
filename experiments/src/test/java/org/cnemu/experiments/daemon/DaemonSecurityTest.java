package org.cnemu.experiments.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnemu.experiments.Cli;
import org.cnemu.experiments.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's folder, identity and pre-authentication limits: what a local attacker could try. */
class DaemonSecurityTest {
  @TempDir
  Path dir;

  @Test
  void anExistingFolderOpenToOthersIsRefusedAndLeftUnchanged() throws Exception {
    for (String mode : List.of("rwxrwxrwx", "rwxr-x---", "rwx---r--")) {
      Path shared = Files.createDirectory(dir.resolve("shared-" + mode));
      Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString(mode));
      var before = Files.getPosixFilePermissions(shared);
      assertThrows(DaemonState.UnsafeDirException.class, () -> DaemonState.ensurePrivateDir(shared));
      DaemonState st = new DaemonState(1, "t", 1, -1, "", List.of());
      assertThrows(DaemonState.UnsafeDirException.class, () -> st.write(shared));
      assertEquals(before, Files.getPosixFilePermissions(shared), mode);
      try (var files = Files.list(shared)) {
        assertEquals(0, files.count(), "nothing written into " + shared);
      }
    }
    // `cnemu daemon start` with such a folder: one line, exit 2, nothing started, nothing changed
    Path shared = dir.resolve("shared-rwxrwxrwx");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Cli.class.getName(), "daemon", "start", "--warm-up", "0");
    pb.environment().put("CNEMU_DAEMON_DIR", shared.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(ExitCodes.BAD_INPUT, p.exitValue(), output);
    assertEquals(1, output.strip().lines().count(), output);
    assertTrue(output.startsWith("error: daemon folder " + shared + " has mode rwxrwxrwx"), output);
    assertEquals(PosixFilePermissions.fromString("rwxrwxrwx"), Files.getPosixFilePermissions(shared));
    try (var files = Files.list(shared)) {
      assertEquals(0, files.count());
    }
  }

  @Test
  void aMissingFolderIsCreatedPrivateAndAPrivateOneIsUsedAsItIs() throws IOException {
    Path fresh = dir.resolve("a").resolve("cnemu");
    DaemonState.ensurePrivateDir(fresh);
    assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(fresh));
    Path ownerOnlyRead = Files.createDirectory(dir.resolve("r"));
    Files.setPosixFilePermissions(ownerOnlyRead, PosixFilePermissions.fromString("rwx------"));
    DaemonState st = new DaemonState(1234, "tok", 99, 42, "k", List.of("1 2 /x.jar"));
    st.write(ownerOnlyRead);
    assertEquals(PosixFilePermissions.fromString("rw-------"),
        Files.getPosixFilePermissions(ownerOnlyRead.resolve(DaemonState.FILE)));
    assertEquals(st, DaemonState.read(ownerOnlyRead));
  }

  @Test
  void aReusedPidIsNotTheDaemon() {
    long me = ProcessHandle.current().pid();
    long start = DaemonState.startTicks(me);
    assertTrue(start > 0, "no /proc/self/stat start time");
    assertTrue(new DaemonState(1, "t", me, start, "", List.of()).alive());
    // the same pid, alive, but started at another time: another process given the daemon's old pid
    assertFalse(new DaemonState(1, "t", me, start + 1, "", List.of()).alive());
    // the parser counts from the name's last ')': a name with spaces and parentheses does not shift it
    assertEquals(start, DaemonState.startTicks(me));
  }

  /** A listener on the state file's port (a dead daemon's, taken by another process) that records what it gets. */
  private abstract static class RecordingListener implements AutoCloseable {
    final ServerSocket socket = new ServerSocket();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final long joinMillis;
    Thread thread;

    RecordingListener(long joinMillis) throws IOException {
      this.joinMillis = joinMillis;
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    String received() {
      synchronized (received) {
        return received.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
      thread.join(joinMillis);
    }
  }

  /** A listener on a dead daemon's port that accepts and records, and answers a made-up proof. */
  private static final class FakeListener extends RecordingListener {
    FakeListener(boolean answer) throws IOException {
      super(5_000);
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket s = socket.accept()) {
            s.setSoTimeout(2_000);
            if (answer) s.getOutputStream().write(("proof " + "0".repeat(64) + "\n").getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            try {
              while ((n = in.read(buf)) > 0) {
                synchronized (received) {
                  received.write(buf, 0, n);
                }
              }
            } catch (SocketTimeoutException e) {
              // the client went quiet: next connection
            }
          } catch (IOException e) {
            // closed
          }
        }
      }, "fake-listener");
      thread.start();
    }
  }

  @Test
  void aListenerThatCannotProveTheTokenNeverReceivesIt() throws Exception {
    String token = DaemonServer.newToken();
    for (boolean answers : List.of(true, false)) {
      try (FakeListener fake = new FakeListener(answers)) {
        DaemonClient c = new DaemonClient(fake.socket.getLocalPort(), token);
        assertThrows(DaemonClient.NotOurDaemonException.class, () -> c.control("status"));
        assertThrows(DaemonClient.NotOurDaemonException.class, () -> c.exec(dir.toString(), List.of("validate", "x.conf"),
            new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())));
        fake.socket.close();
        fake.thread.join(5_000);
        String got = fake.received();
        assertTrue(got.startsWith(DaemonServer.MAGIC + "\0"), got); // it was asked for a proof...
        assertFalse(got.contains(token), "the token was sent to a listener that is not the daemon");
        assertFalse(got.contains("validate"), "the command was sent to a listener that is not the daemon");
      }
    }
    // the real daemon proves it, and is served
    try (DaemonServer server = new DaemonServer(token).start()) {
      assertTrue(new DaemonClient(server.port(), token).control("status").startsWith("status idle"));
    }
  }

  /**
   * A listener on the state file's port that reads the magic and the nonce, answers the token's proof of
   * that nonce (or, {@code proves} false, a made-up one), and records everything the client sends after.
   */
  private static final class ProvingListener extends RecordingListener {
    ProvingListener(String token, boolean proves) throws IOException {
      super(10_000);
      thread = new Thread(() -> {
        try (Socket s = socket.accept()) {
          s.setSoTimeout(10_000);
          InputStream in = s.getInputStream();
          StringBuilder field = new StringBuilder();
          int fields = 0;
          int c;
          while (fields < 2 && (c = in.read()) >= 0) {
            synchronized (received) {
              received.write(c);
            }
            if (c == 0 && ++fields == 2) {
              String nonce = field.toString();
              String proof = proves ? DaemonServer.proof(token, nonce) : "0".repeat(32);
              s.getOutputStream().write(("proof " + proof + "\n").getBytes(StandardCharsets.UTF_8));
            } else if (c == 0) {
              field.setLength(0);
            } else {
              field.append((char) c);
            }
          }
          // whatever comes next, until the client closes (it then runs a fresh JVM, or, having sent a request, reads
          // no `accepted` and does the same)
          while ((c = in.read()) >= 0) {
            synchronized (received) {
              received.write(c);
            }
            if (c == 0 && received().contains("\0exec\0") && received().endsWith("\0x.conf\0")) break;
          }
        } catch (IOException e) {
          // closed
        }
      }, "proving-listener");
      thread.start();
    }
  }

  /**
   * Runs bin/cnemu's own client (the script up to its daemon attempt, which then says it fell back instead of
   * building and starting a JVM) for {@code validate x.conf}, against a state file naming {@code listener}'s port,
   * {@code token}, this JVM's pid and {@code startTicks}; returns what the listener received.
   */
  private String binCnemuClient(ProvingListener listener, String token, long startTicks) throws Exception {
    Path script = Files.exists(Path.of("../bin/cnemu")) ? Path.of("../bin/cnemu") : Path.of("bin/cnemu");
    String text = Files.readString(script);
    // the client is the one-pass loop that ends with `done` and `set -e` (it breaks out of it to fall back)
    String attempt = "done\nset -e\n";
    int from = text.indexOf("for _ in once; do\n");
    assertTrue(from > 0 && text.indexOf(attempt, from) > 0, "no daemon attempt in " + script);
    Path checkout = Files.createDirectories(dir.resolve("checkout"));
    Path target = Files.createDirectories(checkout.resolve("experiments").resolve("target"));
    Path client = Files.createDirectories(checkout.resolve("bin")).resolve("cnemu");
    Files.writeString(client, text.substring(0, text.indexOf(attempt, from) + attempt.length()) + "echo fell back\n");
    Path state = dir.resolve("daemon");
    DaemonState.ensurePrivateDir(state);
    long me = ProcessHandle.current().pid();
    Files.writeString(state.resolve("daemon.state"), new DaemonState(listener.socket.getLocalPort(), token, me, startTicks,
        "|0|1", List.of("0 0 " + target.resolve("cnemu-experiments-0.1.0-SNAPSHOT.jar"))).format());
    ProcessBuilder pb = new ProcessBuilder("bash", client.toString(), "validate", "x.conf").redirectErrorStream(true);
    pb.environment().keySet().removeAll(List.of("JAVA_OPTS", "CNEMU_FAST_START", "CNEMU_CDS", "CNEMU_DEBUG"));
    pb.environment().put("CNEMU_NO_DAEMON", "0");
    pb.environment().put("CNEMU_DAEMON_DIR", state.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals("fell back\n", out);
    listener.close();
    return listener.received();
  }

  @Test
  void binCnemuSendsOnlyItsNonceUntilTheListenerProvesTheTokenAndTheStateFilesProcessIsTheDaemon() throws Exception {
    String token = DaemonServer.newToken();
    long start = DaemonState.startTicks(ProcessHandle.current().pid());
    String nonceOnly = java.util.regex.Pattern.quote(DaemonServer.MAGIC + "\0") + "[0-9a-f]{32}\0";
    // the daemon's process and a listener that proves the token: the request follows (the harness works)
    try (ProvingListener l = new ProvingListener(token, true)) {
      String got = binCnemuClient(l, token, start);
      assertTrue(got.matches(nonceOnly + java.util.regex.Pattern.quote(token) + "\0exec\0(?s).*validate\0x\\.conf\0"), got);
    }
    // a listener that cannot prove it: nothing after the nonce
    try (ProvingListener l = new ProvingListener(token, false)) {
      String got = binCnemuClient(l, token, start);
      assertTrue(got.matches(nonceOnly), got);
    }
    // a listener that proves it, but the state file's pid is another process now (a later start time): nothing
    // after the nonce (the client sends its nonce before that check, so that the daemon answers meanwhile)
    try (ProvingListener l = new ProvingListener(token, true)) {
      String got = binCnemuClient(l, token, start + 1);
      assertTrue(got.matches("(" + nonceOnly + ")?"), got);
    }
  }

  @Test
  void idleConnectionsAreBoundedAndClosedAndDoNotKeepARealClientOut() throws Exception {
    int max = 8;
    int deadlineMs = 4_000;
    try (DaemonServer server = new DaemonServer(DaemonServer.newToken(), max, deadlineMs).start()) {
      DaemonClient client = new DaemonClient(server.port(), server.token());
      List<Socket> idle = new ArrayList<>();
      try {
        int refusedWhileConnecting = 0;
        for (int i = 0; i < 3 * max; i++) {
          try {
            idle.add(new Socket(InetAddress.getLoopbackAddress(), server.port()));
          } catch (java.net.SocketException e) {
            refusedWhileConnecting++; // the server's reset arrived before connect() returned: closed at once
          }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.preAuthHeld(max) < max && System.nanoTime() < until) Thread.sleep(5);
        assertEquals(max, server.preAuthHeld(max));
        // meanwhile a real client is turned away at once (it runs a fresh JVM), not left hanging
        long t0 = System.nanoTime();
        assertThrows(IOException.class, () -> client.control("status"));
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(deadlineMs / 2), "the real client waited");
        // the extra ones were closed at once (a first, quick pass), the held ones at their deadline
        int closedAtOnce = refusedWhileConnecting;
        List<Socket> held = new ArrayList<>();
        for (Socket s : idle) {
          s.setSoTimeout(50);
          if (closedByServer(s)) closedAtOnce++;
          else held.add(s);
        }
        int closedAtDeadline = 0;
        for (Socket s : held) {
          s.setSoTimeout(3 * deadlineMs);
          assertTrue(closedByServer(s), "an idle connection outlived its deadline");
          closedAtDeadline++;
        }
        assertEquals(2 * max, closedAtOnce);
        assertEquals(max, closedAtDeadline);
      } finally {
        for (Socket s : idle) s.close();
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (server.preAuthHeld(max) > 0 && System.nanoTime() < until) Thread.sleep(5);
      assertEquals(0, server.preAuthHeld(max), "pre-authentication slots leaked");
      // then the real client is served
      assertTrue(client.control("status").startsWith("status idle"));
      until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (clientThreads() > 0 && System.nanoTime() < until) Thread.sleep(5);
      assertEquals(0, clientThreads(), "connection threads leaked");
    }
  }

  /** The server closed the connection (end of stream or reset) within the socket's timeout. */
  private static boolean closedByServer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true; // reset: closed at once with linger 0
    }
  }

  private static long clientThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("cnemu-daemon-client")).count();
  }
}
