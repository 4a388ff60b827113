package org.cnemu.emulator.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports on 127.0.0.1 for the nodes a test starts, taken below the kernel's ephemeral range.
 * A port from {@code new ServerSocket(0)} is ephemeral: once that socket closes, any process's outgoing
 * connection (a node dialling its seed, say) may get it as its local port before the node binds it,
 * and the node then fails with "Address already in use". Ports below the range are never handed out
 * that way; each one is still checked free, and one JVM never hands the same port out twice.
 */
public final class TestPorts {
  private static final int SPAN = 12_000;
  private static final int LOW = ephemeralLow() - SPAN;
  private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(SPAN));

  private TestPorts() {}

  public static int free() throws IOException {
    for (int tries = 0; tries < SPAN; tries++) {
      int port = LOW + Math.floorMod(NEXT.getAndIncrement(), SPAN);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException inUse) {
        // taken: try the next one
      }
    }
    throw new IOException("no free port in " + LOW + ".." + (LOW + SPAN - 1));
  }

  private static int ephemeralLow() {
    try {
      // Files.readString returned one byte of this procfs file here (it trusts the size procfs reports)
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      return Math.max(SPAN + 1024, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default
    }
  }
}
