package org.cnemu.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;

/**
 * A job's results text: what the runner needs of every job read in one streaming pass, the whole document
 * only on demand, and from the same text (the document a summary reads is the file's).
 */
class ResultsTextTest {
  private static final String DONE = "{\n  \"experiment\" : \"x\",\n  \"complete\" : true,\n"
      + "  \"flows\" : [ { \"id\" : \"f1\", \"packets_delivered\" : 12, \"p99\" : 1.5e-6 } ],\n"
      + "  \"wall\" : { \"seconds\" : 0.25, \"simulation_seconds\" : 0.125, \"events_per_second\" : 1000,"
      + " \"threads\" : 2, \"barrier_wait_share\" : 0.5, \"out_dir\" : \"/o\" }\n}\n";

  @Test
  void theDocumentIsParsedFromTheTextOnlyWhenAskedFor() throws Exception {
    ResultsText r = ResultsText.of(DONE);
    assertNotNull(r);
    assertTrue(r.complete());
    assertNull(r.error());
    assertEquals(new Wall(0.25, 0.125, 1000, 2, 0.5, "/o", null), r.wall());
    assertSame(DONE, r.text());
    assertFalse(r.parsed(), "reading complete, error and wall built the whole document");
    assertEquals(JsonFiles.MAPPER.readValue(DONE, LinkedHashMap.class), r.document());
    assertTrue(r.parsed());
    assertSame(r.document(), r.document(), "parsed once");
  }

  @Test
  void anIncompleteRunSaysWhyAsTheDocumentDoes() {
    assertEquals("boom", ResultsText.of("{\"complete\": false, \"error\": \"boom\", \"wall\": {}}").error());
    assertEquals("incomplete", ResultsText.of("{\"complete\": false}").error());
    assertEquals("null", ResultsText.of("{\"complete\": false, \"error\": null}").error());
    assertEquals("{code=3}", ResultsText.of("{\"complete\": false, \"error\": {\"code\": 3}}").error());
    // the last of a repeated field counts, as in the parsed document
    assertFalse(ResultsText.of("{\"complete\": true, \"complete\": false}").complete());
  }

  @Test
  void textThatIsNoResultsDocumentIsRefused() {
    assertNull(ResultsText.of("[1, 2]"));
    assertNull(ResultsText.of("{\"experiment\": \"x\"}"), "no complete");
    assertNull(ResultsText.of("{\"complete\": \"yes\"}"), "complete not a boolean");
    assertNull(ResultsText.of("{\"complete\": true, \"complete\": 1}"), "the last complete is not a boolean");
    // malformed inside a section the pass skips: every token is still read
    assertNull(ResultsText.of("{\"complete\": true, \"flows\": [ {\"id\": 1,, } ]}"));
    assertNull(ResultsText.of("{\"complete\": true, \"flows\": [ 1, 2"), "cut short");
    assertNull(ResultsText.of(""));
  }
}
