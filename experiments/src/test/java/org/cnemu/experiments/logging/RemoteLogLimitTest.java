package org.cnemu.experiments.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

class RemoteLogLimitTest {
  @Test
  void theTransportsLinesPassUpToTheBurstOthersAlways() {
    LoggerContext lc = new LoggerContext();
    ListAppender<ILoggingEvent> list = new ListAppender<>();
    list.setContext(lc);
    list.start();
    ch.qos.logback.classic.Logger root = lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(list);
    RemoteLogLimit limit = new RemoteLogLimit();
    limit.setContext(lc);
    limit.start();
    lc.addTurboFilter(limit);
    for (int i = 0; i < 10_000; i++) lc.getLogger("org.apache.pekko.remote.artery.Decoder").warn("garbage {}", i);
    assertEquals(5, list.list.size(), "the burst, then nothing within the minute");
    for (int i = 0; i < 100; i++) lc.getLogger("org.cnemu.experiments.Run").warn("ours {}", i);
    assertEquals(105, list.list.size(), "other loggers are not limited");
    limit.setRefillSeconds(0); // a refill: the next line passes and says how many were dropped
    lc.getLogger("org.apache.pekko.stream.Materializer").error("again");
    assertTrue(list.list.get(105).getFormattedMessage().startsWith("9995 earlier lines"),
        list.list.get(105).getFormattedMessage());
    assertEquals("again", list.list.get(106).getFormattedMessage());
  }
}
