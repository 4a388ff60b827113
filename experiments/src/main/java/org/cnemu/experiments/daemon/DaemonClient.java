package org.cnemu.experiments.daemon;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The daemon's wire protocol from Java ({@link DaemonServer} describes it): {@code cnemu daemon
 * stop|status} and the tests use it. bin/cnemu speaks the same protocol in bash.
 */
public final class DaemonClient {
  private final int port;
  private final String token;

  public DaemonClient(int port, String token) {
    this.port = port;
    this.token = token;
  }

  /** What an exec answered: the first line, and when accepted the exit code (-1: connection lost). */
  public record Result(String answer, int code) {
    public boolean accepted() {
      return "accepted".equals(answer);
    }
  }

  /** The daemon's one-line answer to {@code status} or {@code stop}. */
  public String control(String op) throws IOException {
    try (Socket s = connect()) {
      BufferedReader r = authenticate(s);
      send(s.getOutputStream(), List.of(token, op));
      String line = r.readLine();
      return line == null ? "" : line;
    }
  }

  /** Runs a command line in the daemon, writing its output to {@code out} and {@code err} as it comes. */
  public Result exec(String cwd, List<String> args, PrintWriter out, PrintWriter err) throws IOException {
    return exec(cwd, args, false, out, err);
  }

  /** {@link #exec}, or as a round of the daemon's own warm-up ({@link WarmUp}): preemptible, never busy. */
  Result exec(String cwd, List<String> args, boolean warmUpRound, PrintWriter out, PrintWriter err) throws IOException {
    try (Socket s = connect()) {
      BufferedReader r = authenticate(s);
      List<String> fields = new java.util.ArrayList<>(List.of(token, "exec", cwd,
          warmUpRound ? "tty=0 debug=0 warm-up=1" : "tty=0 debug=0", Integer.toString(args.size())));
      fields.addAll(args);
      send(s.getOutputStream(), fields);
      String first = r.readLine();
      if (!"accepted".equals(first)) return new Result(first == null ? "" : first, -1);
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty()) continue;
        String text = line.substring(1);
        switch (line.charAt(0)) {
          case 'o' -> out.println(text);
          case 'O' -> out.print(text);
          case 'e' -> err.println(text);
          case 'E' -> err.print(text);
          case 'x' -> {
            out.flush();
            err.flush();
            return new Result(first, Integer.parseInt(text));
          }
          default -> { } // a newer server's record: ignore
        }
      }
      out.flush();
      err.flush();
      return new Result(first, -1);
    }
  }

  /** A listener that cannot prove it knows the token; the token was not sent to it. */
  public static final class NotOurDaemonException extends IOException {
    NotOurDaemonException(String message) {
      super(message);
    }
  }

  /**
   * Makes the listener prove it knows the token (answer to a fresh nonce, {@link DaemonServer#proof})
   * before anything secret is sent; throws {@link NotOurDaemonException} otherwise.
   */
  private BufferedReader authenticate(Socket s) throws IOException {
    byte[] n = new byte[16];
    new java.security.SecureRandom().nextBytes(n);
    String nonce = java.util.HexFormat.of().formatHex(n);
    send(s.getOutputStream(), List.of(DaemonServer.MAGIC, nonce));
    s.setSoTimeout(5_000);
    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    String line;
    try {
      line = r.readLine();
    } catch (java.net.SocketTimeoutException e) {
      line = null;
    }
    if (line == null || !java.security.MessageDigest.isEqual(
        ("proof " + DaemonServer.proof(token, nonce)).getBytes(StandardCharsets.UTF_8),
        line.getBytes(StandardCharsets.UTF_8))) {
      throw new NotOurDaemonException("the listener on 127.0.0.1:" + port + " did not prove it is the daemon");
    }
    s.setSoTimeout(0);
    return r;
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    s.setSoTimeout(0);
    return s;
  }

  private static void send(OutputStream out, List<String> fields) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (String f : fields) {
      b.write(f.getBytes(StandardCharsets.UTF_8));
      b.write(0);
    }
    out.write(b.toByteArray());
    out.flush();
  }
}
