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

  public static BuiltModel build(Config e, SimulationBuilder b) {
    return new KernelModelProvider().build(parse(e), b);
  }

  /** Run 0's expansion. */
  static Spec spec(Config e) {
    return spec(e, new RandomStreams(e.getLong("seed"), 0));
  }

  static Spec spec(Config e, RandomStreams streams) {
    return new Spec(parse(e), streams);
  }
}
