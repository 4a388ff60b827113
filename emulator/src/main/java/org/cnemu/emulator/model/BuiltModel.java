package org.cnemu.emulator.model;

import java.util.Map;
import org.cnemu.emulator.SimulationResult;

/** A model after {@link ModelProvider#build}: turns the entities' end reports into result sections. */
public interface BuiltModel {
  /**
   * Result sections to merge into results.json (for example {@code flows}, {@code cores},
   * {@code hosts}, {@code drops}, {@code conservation}, or a model's own section). Values are
   * maps, lists, strings, numbers and booleans, in the order they should be written.
   */
  Map<String, Object> results(SimulationResult result);
}
