package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.cnemu.emulator.RandomStreams;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.model.BuiltModel;
import org.cnemu.emulator.model.ConfigProblem;
import org.cnemu.emulator.model.Parsed;

/** Tests' way into the kernel model: parse an experiment block over the reference, then build or expand it. */
public final class KernelModels {
  private KernelModels() {}

  /** The parse's problems (empty when the block parses). */
  public static List<ConfigProblem> problems(Config e) {
    return new KernelModelProvider().parse(e, ConfigFactory.defaultReference()).problems();
  }

  /** The block's typed spec; a block with problems fails the test with them. */
  public static KernelSpec parse(Config e) {
    Parsed<KernelSpec> p = new KernelModelProvider().parse(e, ConfigFactory.defaultReference());
    if (!p.ok()) throw new IllegalArgumentException("does not parse: " + p.problems());
    return p.spec();
  }

  /**
   * Builds a run of {@code e} read without the model's checks: unit tests of a mechanism build blocks the
   * checks would refuse for unrelated reasons (an unlisted container, a UDP message over 64 KB).
   */
  public static BuiltModel build(Config e, SimulationBuilder b) {
    return new KernelModelProvider().build(unchecked(e), b);
  }

  static KernelSpec unchecked(Config e) {
    List<ConfigProblem> out = new java.util.ArrayList<>();
    org.cnemu.kernel.api.ConfiguredPolicy<?> policy = KernelChecks.policy(e, ConfigFactory.defaultReference(), out);
    if (policy == null) throw new IllegalArgumentException("the policy's settings do not parse: " + out);
    return new KernelSpec(e, ConfigFactory.defaultReference(), policy);
  }

  /** Run 0's expansion. */
  static Spec spec(Config e) {
    return spec(e, new RandomStreams(e.getLong("seed"), 0));
  }

  static Spec spec(Config e, RandomStreams streams) {
    return new Spec(unchecked(e), streams);
  }
}
