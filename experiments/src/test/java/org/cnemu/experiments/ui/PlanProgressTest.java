package org.cnemu.experiments.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The progress line shows the whole plan and never wraps. */
class PlanProgressTest {
  @Test
  void lineShowsThePlanAndFitsTheTerminal() {
    try (PlanProgress p = new PlanProgress(new PrintWriter(new StringWriter()), 123_456, true, 80)) {
      for (int i = 0; i < 1000; i++) {
        p.started(i);
        p.finished(i);
      }
      p.started(1000);
      p.listener(1000).onProgress(50, 100);
      String status = p.status();
      assertTrue(status.startsWith("1000/123456 jobs done, 1 running, 122455 left, 1%, ETA "), status);
      String line = p.line(status);
      assertTrue(line.length() <= 79, line.length() + ": " + line);
      assertTrue(line.startsWith("1000/123456 jobs done"), "no room for a bar: the counts come first: " + line);
    }
    try (PlanProgress p = new PlanProgress(new PrintWriter(new StringWriter()), 16, true, 80)) {
      p.started(0);
      p.started(1);
      p.finished(0);
      String line = p.line(p.status());
      assertTrue(line.length() <= 79, line.length() + ": " + line);
      assertTrue(line.matches("\\[[#-]+\\] 1/16 jobs done, 1 running, 14 left, .*ETA .*"), line);
    }
    try (PlanProgress narrow = new PlanProgress(new PrintWriter(new StringWriter()), 3, true, 40)) {
      String line = narrow.line(narrow.status());
      assertEquals(39, line.length(), line);
    }
  }

  /** A job past its virtual end is writing results (seconds for a large run's report): no "ETA 0.0s" meanwhile. */
  @Test
  void aJobAtItsVirtualEndIsShownWritingResults() {
    try (PlanProgress p = new PlanProgress(new PrintWriter(new StringWriter()), 3, true, 200)) {
      p.started(0);
      p.started(1);
      p.listener(0).onProgress(100, 100);
      p.listener(1).onProgress(50, 100);
      assertTrue(p.status().startsWith("0/3 jobs done, 2 running (1 writing results), 1 left, 50%, ETA "), p.status());
      p.finished(1);
      p.finished(2);
      assertTrue(p.status().startsWith("2/3 jobs done, 1 running (writing results), 0 left, 100%, ETA ?, elapsed "),
          p.status());
    }
  }

  @Test
  void aFarmedPlanShowsEachNodesRunningJobsWithTheirVirtualTime() {
    try (PlanProgress p = new PlanProgress(new PrintWriter(new StringWriter()), 10, true, 200)) {
      p.runsOn(0, "pekko://cnemu@127.0.0.1:25521");
      p.started(0);
      p.runsOn(1, "pekko://cnemu@127.0.0.1:25520");
      p.started(1);
      p.runsOn(2, "pekko://cnemu@127.0.0.1:25521");
      p.started(2);
      p.listener(0).onProgress(31, 100);
      p.listener(1).onProgress(80, 100);
      assertTrue(p.status().endsWith("; 127.0.0.1:25520 80%; 127.0.0.1:25521 31% 0%"), p.status());
      p.finished(1);
      String s = p.status();
      assertTrue(s.startsWith("1/10 jobs done, 2 running, 7 left, 13%") && s.endsWith("s; 127.0.0.1:25521 31% 0%"), s);
    }
  }

  /**
   * A farmed job whose result is back is written here (results and report: ~0.2 s of CPU per job against a
   * few ms of simulation on the node): the line says so, and lists under each node only the jobs running there,
   * not 118 "0%" of jobs long done on the nodes.
   */
  @Test
  void aFarmedJobWhoseResultIsBackIsWritingResultsAndNotListedUnderItsNode() {
    try (PlanProgress p = new PlanProgress(new PrintWriter(new StringWriter()), 4, true, 200)) {
      for (int j = 0; j < 3; j++) {
        p.runsOn(j, "pekko://cnemu@127.0.0.1:25520");
        p.started(j);
      }
      p.listener(0).onProgress(1, 1);
      p.listener(1).onProgress(1, 1);
      p.listener(2).onProgress(40, 100);
      String s = p.status();
      assertTrue(s.startsWith("0/4 jobs done, 3 running (2 writing results), 1 left, ") && s.endsWith("s; 127.0.0.1:25520 40%"),
          s);
    }
  }
}
