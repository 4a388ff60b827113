package org.cnemu.emulator.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;

/**
 * How a node talks to the rest of its cluster: authenticated and encrypted with the {@link ClusterKey}
 * (the default), or plain TCP that trusts anyone who can reach the port ({@code --insecure}, for tests
 * and throw-away setups on one machine).
 */
public final class ClusterSecurity {
  private final ClusterKey key; // null: insecure

  private ClusterSecurity(ClusterKey key) {
    this.key = key;
  }

  public static ClusterSecurity withKey(ClusterKey key) {
    return new ClusterSecurity(java.util.Objects.requireNonNull(key));
  }

  /** Plain TCP, no authentication: only behind an explicit --insecure. */
  public static ClusterSecurity insecure() {
    return new ClusterSecurity(null);
  }

  public boolean secure() {
    return key != null;
  }

  /** For log lines: "TLS, cluster key 0123456789abcdef" or "plain TCP (--insecure)". */
  public String describe() {
    return key == null ? "plain TCP, no authentication (--insecure)" : "TLS, cluster key " + key.fingerprint();
  }

  /** Transport settings that override every other source of configuration. */
  Config transportConfig() {
    if (key != null) return key.arteryConfig();
    return ConfigFactory.parseString("pekko.remote.artery.transport = tcp");
  }

  /**
   * How an actor system of this node starts: {@code config}, and with the key, Artery's TLS engines from
   * it ({@link ClusterKey#engineProvider}; a setup, so no configuration reaches them).
   */
  org.apache.pekko.actor.setup.ActorSystemSetup systemSetup(Config config) {
    var setup = org.apache.pekko.actor.setup.ActorSystemSetup.create(org.apache.pekko.actor.BootstrapSetup.create(config));
    if (key == null) return setup;
    ClusterKey k = key;
    return setup.and(org.apache.pekko.remote.artery.tcp.SSLEngineProviderSetup.create(system -> k.engineProvider()));
  }

  /** The data plane's HMAC key for a run with secret {@code token}; insecure: the token alone. */
  byte[] dataPlaneKey(String token) {
    byte[] base = key == null ? new byte[32] : key.dataPlaneSecret();
    return ClusterKey.derive(base, "run " + token);
  }

  /**
   * Checks, before this node joins through {@code seed}, that the node there uses the same setting: with
   * the key, that it completes a TLS handshake with it; insecure, that it does not expect TLS. A seed
   * that does not answer yet passes (Pekko keeps trying to join, the seed may start later).
   *
   * @return null, or one line saying why this node would never be let in
   */
  public String probe(ClusterNode.HostPort seed) {
    return ask(seed).refusal();
  }

  /**
   * What {@link #ask} found at a seed's address.
   *
   * @param listening false: the connection was refused (nothing listens there now: a seed still starting,
   *     or a wrong address); a timeout or an unknown host count as listening, since only joining can tell
   * @param refusal null, or one line saying why this node would never be let in
   */
  public record Answer(boolean listening, String refusal) {}

  /** {@link #probe}, also saying whether anything listens at {@code seed} (one connection, as probe's). */
  public Answer ask(ClusterNode.HostPort seed) {
    String at = seed.host() + ":" + seed.port();
    if (key != null) {
      try (SSLSocket s = (SSLSocket) key.sslContext().getSocketFactory().createSocket()) {
        s.connect(new InetSocketAddress(seed.host(), seed.port()), 5_000);
        s.setSoTimeout(5_000);
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.startHandshake(); // verifies the seed's certificate: it must be this key's
        return new Answer(true, null);
      } catch (ConnectException e) {
        return new Answer(false, null); // nobody there (yet): joining reports it
      } catch (java.net.SocketTimeoutException | java.net.UnknownHostException e) {
        return new Answer(true, null); // no answer: joining reports it
      } catch (IOException e) {
        return new Answer(true, "the cluster node at " + at + " does not accept this node's cluster key ("
            + key.fingerprint() + " in " + key.file() + "): it runs with another key or with --insecure; copy its "
            + "key folder here (docs/cluster.md)");
      }
    }
    // Insecure: a node there that completes a TLS handshake (with a client that trusts anything and
    // presents no key) runs with a key, and would drop this node's plain TCP connections.
    try {
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(null, new javax.net.ssl.TrustManager[] {new TrustAll()}, null);
      try (Socket raw = new Socket()) {
        try {
          raw.connect(new InetSocketAddress(seed.host(), seed.port()), 5_000);
        } catch (ConnectException e) {
          return new Answer(false, null); // nobody there (yet)
        }
        raw.setSoTimeout(2_000);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, seed.host(), seed.port(), false)) {
          s.startHandshake();
          return new Answer(true, "the cluster node at " + at + " requires the cluster key (it runs TLS): start this "
              + "node without --insecure, with a copy of that key (docs/cluster.md)");
        }
      }
    } catch (IOException e) {
      return new Answer(true, null); // not TLS (or no answer): plain TCP it is
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Only for the insecure probe above: it sends nothing over the connection it opens. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
