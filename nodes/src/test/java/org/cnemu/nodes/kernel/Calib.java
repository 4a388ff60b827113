package org.cnemu.nodes.kernel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.List;
import java.util.Map;
import org.cnemu.emulator.Simulation;
import org.cnemu.emulator.SimulationBuilder;
import org.cnemu.emulator.SimulationResult;
import org.cnemu.emulator.config.Units;
import org.cnemu.emulator.model.BuiltModel;

/** Runs an experiment file of experiments/calibration with the kernel model (for the tests). */
final class Calib {
  private Calib() {}

  record Run(Map<String, Object> results, SimulationResult sim) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list(String key) {
      return (List<Map<String, Object>>) results.get(key);
    }

    double gbps() {
      double s = 0;
      for (Map<String, Object> f : list("flows")) s += ((Number) f.get("throughput_gbps")).doubleValue();
      return s;
    }

    double kpps() {
      double s = 0;
      for (Map<String, Object> f : list("flows")) s += ((Number) f.get("packet_rate_kpps")).doubleValue();
      return s;
    }

    Map<String, Object> host(String id) {
      for (Map<String, Object> h : list("hosts")) if (h.get("id").equals(id)) return h;
      throw new IllegalArgumentException(id);
    }

    long irqs(String h) {
      return ((Number) host(h).get("irqs")).longValue();
    }

    @SuppressWarnings("unchecked")
    long netRx(String h) {
      return ((Number) ((Map<String, Object>) host(h).get("softirqs")).get("NET_RX")).longValue();
    }

    /** Busy % (100 - idle) of each core of host {@code h}, by core index. */
    double[] busy(String h) {
      return list("cores").stream().filter(c -> c.get("host").equals(h))
          .mapToDouble(c -> 100 - ((Number) c.get("idle")).doubleValue()).toArray();
    }

    double softIrq(String h, int core) {
      for (Map<String, Object> c : list("cores")) {
        if (c.get("host").equals(h) && ((Number) c.get("core")).intValue() == core) {
          return ((Number) c.get("soft")).doubleValue() + ((Number) c.get("irq")).doubleValue();
        }
      }
      return 0;
    }

    /** Busy cores of the host (sum of busy %, / 100). */
    double busyCores(String h) {
      double s = 0;
      for (double b : busy(h)) s += b;
      return s / 100;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> conservation() {
      return (Map<String, Object>) results.get("conservation");
    }
  }

  static Config load(String name) {
    return ConfigFactory.parseFile(new File(name.contains("/") ? "../experiments/" + name + ".conf" : "../experiments/calibration/" + name + ".conf"))
        .withFallback(ConfigFactory.defaultReference()).resolve();
  }

  /** Experiment {@code e} with {@code key} = {@code value} set on every workload. */
  static Config withWorkloads(Config e, String key, Object value) {
    List<Object> wl = new java.util.ArrayList<>();
    for (Config w : e.getConfigList("workloads")) {
      wl.add(w.withValue(key, com.typesafe.config.ConfigValueFactory.fromAnyRef(value)).root().unwrapped());
    }
    return e.withValue("workloads", com.typesafe.config.ConfigValueFactory.fromIterable(wl));
  }

  /** A kernel experiment on hotcloud19 (seed 42, vanilla steering, a 1 ms warm-up) with {@code body}'s keys. */
  static Config experiment(String body) {
    return ConfigFactory.parseString("experiment { name = t, seed = 42, model = kernel, profile = hotcloud19, "
            + "steering = vanilla, warmup = 1ms, " + body + " }")
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("experiment");
  }

  /** results.json of experiment {@code e}, run on one partition and one thread. */
  static Map<String, Object> results(Config e) {
    return run(e, 1, 1).results();
  }

  static Run run(String name) {
    return run(load(name).getConfig("experiment"), 2, 2);
  }

  static Run run(Config e, int partitions, int threads) {
    SimulationBuilder b = new SimulationBuilder(e.getLong("seed"), 0, partitions, SimulationBuilder.Placement.BLOCK);
    BuiltModel m = KernelModels.build(e, b);
    SimulationResult r = Simulation.run(b, Units.nanos(e, "duration"), threads);
    return new Run(m.results(r), r);
  }

  public static void main(String[] args) {
    for (String n : args) {
      long t0 = System.nanoTime();
      Run r = run(n);
      double wall = (System.nanoTime() - t0) / 1e9;
      System.out.printf("%-28s %7.3f Gbps %8.1f kpps  h2 irq=%d netrx=%d busyCores h2=%.2f h1=%.2f wall=%.2fs events=%d%n",
          n, r.gbps(), r.kpps(), r.irqs("h2"), r.netRx("h2"), r.busyCores("h2"), r.busyCores("h1"), wall, r.sim().events());
      System.out.println("   flows " + r.list("flows"));
      System.out.println("   hosts " + r.list("hosts"));
      System.out.println("   drops " + r.list("drops") + " cons " + r.conservation());
      StringBuilder sb = new StringBuilder("   h2 busy:");
      double[] b = r.busy("h2");
      for (int i = 0; i < b.length; i++) if (b[i] > 0.5) sb.append(String.format(" c%d=%.0f(si%.0f)", i, b[i], r.softIrq("h2", i)));
      sb.append("  h1 busy:");
      b = r.busy("h1");
      for (int i = 0; i < b.length; i++) if (b[i] > 0.5) sb.append(String.format(" c%d=%.0f(si%.0f)", i, b[i], r.softIrq("h1", i)));
      System.out.println(sb);
    }
  }
}
