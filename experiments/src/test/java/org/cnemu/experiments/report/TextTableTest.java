package org.cnemu.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextTableTest {
  @Test
  void alignsColumns() {
    TextTable t = new TextTable("flow", "Gbps", "note").align(2, TextTable.Align.LEFT);
    t.row("f1", 9.41, "bulk");
    t.row("flow-22", null, "x");
    t.row("f3", "10");
    assertEquals("""
        flow     Gbps  note
        -------  ----  ----
        f1       9.41  bulk
        flow-22     -  x
        f3         10
        """, t.render());
    assertEquals(3, t.rowCount());
  }

  @Test
  void rejectsTooManyCellsAndKeepsOneLinePerRow() {
    TextTable t = new TextTable("a");
    assertThrows(IllegalArgumentException.class, () -> t.row("1", "2"));
    t.row("two\nlines");
    assertEquals("a\n---------\ntwo lines\n", t.render());
  }
}
