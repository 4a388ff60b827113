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

  /** A listener on a dead daemon's port that accepts and records, and answers a made-up proof. */
  private static final class FakeListener implements AutoCloseable {
    final ServerSocket socket = new ServerSocket();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    final Thread thread;

    FakeListener(boolean answer) throws IOException {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
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

    String received() {
      synchronized (received) {
        return received.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
      thread.join(5_000);
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
