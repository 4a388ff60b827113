package org.cnemu.emulator.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The cluster key: one private key and its self-signed certificate, shared by every node of a lab's
 * cluster, in a PKCS12 file that only its owner can read. Artery's {@code tls-tcp} transport presents it
 * and trusts exactly it (mutual authentication), so a peer without the key never gets past the TLS
 * handshake; the data plane's connections prove the key with an HMAC of a secret derived from it.
 *
 * <p>The keystore password is not a secret (it is {@link #STORE_PASSWORD}, as with an ssh key without a
 * passphrase): the file's owner-only permissions protect the key, and {@link #load} refuses a file that
 * others can read.
 */
public final class ClusterKey {
  /** The key file inside the key folder. */
  public static final String FILE_NAME = "cluster-key.p12";
  static final String ALIAS = "cnemu-cluster";
  static final String STORE_PASSWORD = "cnemu-cluster";
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

  /** A key that cannot be used: the message is one line for the user, naming the file and the fix. */
  public static final class KeyException extends Exception {
    private static final long serialVersionUID = 1L;

    public KeyException(String message) {
      super(message);
    }
  }

  private final Path file;
  private final PrivateKey privateKey;
  private final X509Certificate certificate;
  private final byte[] dataPlaneSecret;
  /** Built once per loaded key ({@link #sslContext}). */
  private SSLContext sslContext;

  private ClusterKey(Path file, PrivateKey privateKey, X509Certificate certificate, byte[] dataPlaneSecret) {
    this.file = file;
    this.privateKey = privateKey;
    this.certificate = certificate;
    this.dataPlaneSecret = dataPlaneSecret;
  }

  /** {@code $XDG_CONFIG_HOME/cnemu/cluster}, else {@code ~/.config/cnemu/cluster}. */
  public static Path defaultDirectory() {
    String xdg = System.getenv("XDG_CONFIG_HOME");
    Path config = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".config");
    return config.resolve("cnemu").resolve("cluster");
  }

  /** The key file of a key folder. */
  public static Path file(Path directory) {
    return directory.resolve(FILE_NAME);
  }

  /**
   * Generates a new cluster key in {@code directory} (created owner-only if missing) with the JDK's
   * keytool: an EC P-256 key pair and a self-signed certificate valid for ten years.
   *
   * @param replace false: refuse when the folder already holds a key (the lab machines would lose it)
   */
  public static ClusterKey init(Path directory, boolean replace) throws KeyException, IOException {
    Path file = file(directory);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !replace) {
      throw new KeyException(file + ": a cluster key exists already (use --force to replace it; every node then "
          + "needs the new one)");
    }
    if (!Files.isDirectory(directory)) {
      Files.createDirectories(directory.toAbsolutePath().getParent());
      Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
    } else {
      // A folder that exists is the user's to set up: never change its permissions (it may be /tmp).
      checkOwnedByMe(directory);
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(directory);
      if (!OWNER_ONLY_DIR.containsAll(perms)) {
        throw new KeyException(directory + ": others can use this folder (" + PosixFilePermissions.toString(perms)
            + "); name a new folder (it is made owner-only) or run 'chmod 700 " + directory + "'");
      }
    }
    // keytool writes next to the final name inside the owner-only folder, then the file is moved over.
    Path tmp = directory.resolve(FILE_NAME + ".new");
    Files.deleteIfExists(tmp);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
        "-validity", "3650", "-dname", "CN=cnemu cluster", "-storetype", "PKCS12", "-keystore", tmp.toString(),
        "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD, "-noprompt"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("keytool did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool ran");
    }
    if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
      Files.deleteIfExists(tmp);
      throw new IOException("keytool failed (exit " + p.exitValue() + "): " + output.lines().findFirst().orElse(""));
    }
    Files.setPosixFilePermissions(tmp, OWNER_ONLY_FILE);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return load(directory);
  }

  /** The key this JVM loaded last, with the file's bytes it came from (guarded by ClusterKey.class). */
  private record Loaded(Path file, byte[] bytes, ClusterKey key) {}

  private static Loaded lastLoaded;

  /**
   * Loads the key of {@code directory}; refuses a missing key, one that others may read or that another
   * user owns, and a file that is not a cluster key. The checks and the read run on every call; a file
   * whose bytes equal the ones this JVM loaded last from that path gives that key again, without
   * decrypting it anew (PBKDF2: three times 10,000 rounds, tens of milliseconds of CPU per read: the
   * daemon serves every farmed command with a key read; docs/benchmarks.md, "Farmed plans").
   */
  public static ClusterKey load(Path directory) throws KeyException {
    Path file = file(directory);
    if (!Files.exists(file)) {
      throw new KeyException("no cluster key at " + file + ": run 'cnemu cluster init' (then copy the folder to every "
          + "lab machine, docs/cluster.md), name another folder with --cluster-key, or use --insecure");
    }
    try {
      checkOwnedByMe(file);
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      Set<PosixFilePermission> others = EnumSet.copyOf(perms);
      others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE));
      if (!others.isEmpty()) {
        throw new KeyException(file + ": the cluster key is readable by others (" + PosixFilePermissions.toString(perms)
            + "); run 'chmod 600 " + file + "'");
      }
      byte[] bytes = Files.readAllBytes(file);
      synchronized (ClusterKey.class) {
        if (lastLoaded != null && lastLoaded.file().equals(file) && java.util.Arrays.equals(lastLoaded.bytes(), bytes)) {
          return lastLoaded.key();
        }
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
        ks.load(in, STORE_PASSWORD.toCharArray());
      }
      if (!ks.isKeyEntry(ALIAS) || !(ks.getCertificate(ALIAS) instanceof X509Certificate cert)) {
        throw new KeyException(file + ": not a cnemu cluster key (no entry '" + ALIAS + "'); run 'cnemu cluster init'");
      }
      PrivateKey key = (PrivateKey) ks.getKey(ALIAS, STORE_PASSWORD.toCharArray());
      ClusterKey loaded = new ClusterKey(file, key, cert, derive(key.getEncoded(), "cnemu data plane v1"));
      synchronized (ClusterKey.class) {
        lastLoaded = new Loaded(file, bytes, loaded);
      }
      return loaded;
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new KeyException(file + ": cannot read the cluster key: " + e.getMessage());
    }
  }

  private static void checkOwnedByMe(Path path) throws KeyException, IOException {
    String owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
    String me = System.getProperty("user.name");
    if (!owner.equals(me)) throw new KeyException(path + ": owned by " + owner + ", not by " + me + "; refusing to use it");
  }

  static byte[] derive(byte[] key, String label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  public Path file() {
    return file;
  }

  /** The first 16 hex digits of the certificate's SHA-256: tells two keys apart in messages and docs. */
  public String fingerprint() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()))
          .substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A secret that only holders of the cluster key can compute (the data plane's HMAC key, with the run's token). */
  byte[] dataPlaneSecret() {
    return dataPlaneSecret.clone();
  }

  /**
   * TLS that presents this key and trusts only this key's certificate; mutual authentication. One per
   * loaded key, shared by the key's check against the seed and every Artery connection of this JVM: the
   * PKCS12 file's key derivations (PBKDF2, three times 10,000 rounds per read) run once, in {@link #load},
   * not again per user of the key, and a connection may resume a session of an earlier one
   * (docs/benchmarks.md, "Farmed plans").
   */
  public synchronized SSLContext sslContext() {
    if (sslContext != null) return sslContext;
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry(ALIAS, certificate);
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(new javax.net.ssl.KeyManager[] {new OneKey()}, tmf.getTrustManagers(), null);
      sslContext = ctx;
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS with " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Presents the cluster key, whatever the peer asks for: there is no other key to choose. (A {@code
   * KeyManagerFactory} would need the key in a key store, and a PKCS12 store decrypts it again.)
   */
  private final class OneKey extends javax.net.ssl.X509ExtendedKeyManager {
    private String alias(String keyType) {
      return privateKey.getAlgorithm().equals(keyType) ? ALIAS : null;
    }

    private String alias(String[] keyTypes) {
      if (keyTypes != null) {
        for (String t : keyTypes) if (alias(t) != null) return ALIAS;
      }
      return null;
    }

    @Override
    public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
      return alias(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, java.security.Principal[] issuers, java.net.Socket socket) {
      return alias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, java.security.Principal[] issuers,
        javax.net.ssl.SSLEngine engine) {
      return alias(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
      return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
      return alias(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers,
        javax.net.ssl.SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? new X509Certificate[] {certificate} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? privateKey : null;
    }
  }

  /**
   * Artery's TLS engines for this key (handed to the actor system as a setup, which no configuration
   * file or property overrides): TLS 1.3 with AES-GCM only, and a node that accepts a connection requires
   * the peer's certificate, which must be this key's. Host names are not checked: every node presents the
   * same certificate, so the key, not a name, is the identity.
   */
  org.apache.pekko.remote.artery.tcp.SSLEngineProvider engineProvider() {
    SSLContext ctx = sslContext();
    return new org.apache.pekko.remote.artery.tcp.SSLEngineProvider() {
      @Override
      public javax.net.ssl.SSLEngine createServerSSLEngine(String hostname, int port) {
        javax.net.ssl.SSLEngine e = engine(hostname, port, false);
        e.setNeedClientAuth(true);
        return e;
      }

      @Override
      public javax.net.ssl.SSLEngine createClientSSLEngine(String hostname, int port) {
        return engine(hostname, port, true);
      }

      private javax.net.ssl.SSLEngine engine(String hostname, int port, boolean client) {
        javax.net.ssl.SSLEngine e = ctx.createSSLEngine(hostname, port);
        e.setUseClientMode(client);
        e.setEnabledProtocols(new String[] {"TLSv1.3"});
        e.setEnabledCipherSuites(CIPHER_SUITES);
        return e;
      }

      @Override
      public scala.Option<Throwable> verifyClientSession(String hostname, javax.net.ssl.SSLSession session) {
        return scala.Option.empty(); // the trust manager accepted only this key's certificate
      }

      @Override
      public scala.Option<Throwable> verifyServerSession(String hostname, javax.net.ssl.SSLSession session) {
        return scala.Option.empty();
      }
    };
  }

  private static final String[] CIPHER_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};

  /**
   * Artery over TLS: applied above every other setting (files, -D properties), so that nothing but the
   * command line's --insecure turns it off. The engines come from {@link #engineProvider} (a setup of the
   * actor system, {@link ClusterSecurity#systemSetup}), not from configuration.
   */
  Config arteryConfig() {
    return ConfigFactory.empty().withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"));
  }
}
