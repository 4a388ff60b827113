package org.cnemu.experiments.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

/**
 * bin/cnemu's logging set up in code: the same as {@code logback.xml} (warnings and errors only, to
 * stderr, pattern {@code %level %logger{20}: %msg%n}, no status output, Pekko streams' materializer at
 * ERROR, the cluster transport's lines rate-limited by {@link RemoteLogLimit}), without Joran's XML
 * parsing, which took 0.4-0.7 s of every command's start-up.
 *
 * <p>Found by logback through {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}. A
 * user who sets {@code -Dlogback.configurationFile=...} gets logback's normal XML configuration
 * instead; so does anyone who sets {@code -Dcnemu.logback.xml=true} (then logback.xml is read).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class FastLogbackConfigurator extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%level %logger{20}: %msg%n";
  static final String QUIET_ON_LEAVE = "org.apache.pekko.stream.Materializer";

  @Override
  public ExecutionStatus configure(LoggerContext lc) {
    if (System.getProperty("logback.configurationFile") != null || Boolean.getBoolean("cnemu.logback.xml")) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    NopStatusListener nop = new NopStatusListener();
    lc.getStatusManager().add(nop);
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(lc);
    enc.setPattern(PATTERN);
    enc.start();
    ConsoleAppender<ILoggingEvent> app = new ConsoleAppender<>();
    app.setContext(lc);
    app.setName("STDERR");
    app.setTarget("System.err");
    app.setEncoder(enc);
    app.start();
    ch.qos.logback.classic.Logger root = lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(app);
    // Artery's streams to a node that left or is leaving end with "Upstream failed ... connection has been
    // aborted" at WARN, after every cluster run; a lost node is reported by the run itself, with its name.
    lc.getLogger(QUIET_ON_LEAVE).setLevel(Level.ERROR);
    // Whoever reaches a cluster port can make the transport log: at most 5 lines, then one a minute.
    RemoteLogLimit limit = new RemoteLogLimit();
    limit.setContext(lc);
    limit.start();
    lc.addTurboFilter(limit);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
