import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A listener that is not the daemon: it took the daemon's port and pid slot (as another user's process
 * could after the daemon died) and records every byte a client sends. .ci/run points bin/cnemu's daemon
 * client at it to check that the client refuses it before sending the token.
 *
 * <p>Usage: {@code java .ci/FakeDaemon.java PORT_FILE RECEIVED_FILE}. Answers each connection with a
 * wrong proof, keeps reading for 2 s, appends what it got to RECEIVED_FILE. Runs until killed.
 */
public class FakeDaemon {
  public static void main(String[] args) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Files.writeString(Path.of(args[0] + ".tmp"), Integer.toString(server.getLocalPort()));
      Files.move(Path.of(args[0] + ".tmp"), Path.of(args[0]));
      while (true) {
        try (Socket s = server.accept()) {
          s.setSoTimeout(2000);
          InputStream in = s.getInputStream();
          ByteArrayOutputStream got = new ByteArrayOutputStream();
          byte[] buf = new byte[4096];
          boolean answered = false;
          long end = System.nanoTime() + 2_000_000_000L;
          while (System.nanoTime() < end) {
            int n;
            try {
              n = in.read(buf);
            } catch (SocketTimeoutException e) {
              break;
            }
            if (n < 0) break;
            got.write(buf, 0, n);
            if (!answered) {
              // a proof it cannot have computed: it does not know the token
              s.getOutputStream().write(("proof " + "0".repeat(64) + "\n").getBytes(StandardCharsets.US_ASCII));
              answered = true;
            }
          }
          Files.write(Path.of(args[1]), got.toByteArray(),
              java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
      }
    }
  }
}
