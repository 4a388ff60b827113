package org.cnemu.experiments.config;

import java.util.List;
import org.cnemu.emulator.model.ConfigProblem;

/**
 * An experiment file after loading: its typed spec, or every problem found (then {@code spec} is null).
 *
 * @param file the path as the user gave it (used in messages)
 */
public record LoadedExperiment(String file, ExperimentSpec spec, List<ConfigProblem> problems) {

  public boolean ok() {
    return problems.isEmpty();
  }
}
