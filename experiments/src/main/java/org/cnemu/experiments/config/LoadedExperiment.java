package org.cnemu.experiments.config;

import com.typesafe.config.Config;
import java.util.List;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * An experiment file after loading: the resolved whole (file over every module's reference.conf),
 * the {@code experiment} block, the file's own {@code pekko} overrides, and every problem found.
 * When {@code problems} is not empty the configs may be null and must not be used.
 *
 * @param file the path as the user gave it (used in messages)
 */
public record LoadedExperiment(String file, Config resolved, Config experiment, Config pekkoOverrides,
    Config kamonOverrides, List<ConfigProblem> problems) {

  public boolean ok() {
    return problems.isEmpty();
  }
}
