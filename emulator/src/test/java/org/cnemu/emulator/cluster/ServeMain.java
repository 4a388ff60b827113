package org.cnemu.emulator.cluster;

/**
 * For the tests: a cluster node in its own JVM: {@code bindHost:port seedHost:port threads KEY_DIR|--insecure}.
 */
public final class ServeMain {
  private ServeMain() {}

  public static void main(String[] a) throws Exception {
    ClusterSecurity security = a[3].equals("--insecure") ? ClusterSecurity.insecure()
        : ClusterSecurity.withKey(ClusterKey.load(java.nio.file.Path.of(a[3])));
    var system = ClusterNode.serve(ClusterNode.HostPort.parse(a[0]), ClusterNode.HostPort.parse(a[1]),
        Integer.parseInt(a[2]), security, null);
    System.out.println("READY " + a[0]);
    System.out.flush();
    system.getWhenTerminated().toCompletableFuture().get();
  }
}
