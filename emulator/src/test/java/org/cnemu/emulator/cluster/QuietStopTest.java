package org.cnemu.emulator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.event.Logging;
import org.junit.jupiter.api.Test;

/**
 * A run's member that finished and left stops without the transport's warnings (they are about connections it
 * closes on purpose), but still with its errors: its event stream's level goes from a run's WARNING to ERROR.
 * Every adapter (Artery's Association's too) and the SLF4J filter check that level before a line is made.
 */
class QuietStopTest {
  @Test
  void aMemberThatLeftLogsOnlyErrorsWhileItStops() {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "quiet-stop",
        com.typesafe.config.ConfigFactory.parseString("pekko.loglevel = WARNING")
            .withFallback(com.typesafe.config.ConfigFactory.load()));
    try {
      assertEquals(Logging.WarningLevel(), system.classicSystem().eventStream().logLevel(), "a run's level");
      ClusterNode.quietForStop(system);
      assertEquals(Logging.ErrorLevel(), system.classicSystem().eventStream().logLevel(), "errors only");
    } finally {
      system.terminate();
    }
  }
}
