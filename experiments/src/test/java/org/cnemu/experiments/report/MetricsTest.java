package org.cnemu.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A metric name's two halves, each on its own: {@link Metrics#unit} reads the unit off the name's suffix, and the
 * words of a name no model spells ({@link Metrics#words}, by its unitless part) drop that suffix. A ratio
 * ("_per_gbps") is the case they split: its unit belongs to its words, so unit() gives none and the words keep it.
 */
class MetricsTest {
  @Test
  void unitIsTheNamesSuffixAndARatioHasNone() {
    assertEquals("Gbit/s", Metrics.unit("total.throughput_gbps"));
    assertEquals("us", Metrics.unit("flow[rr].latency_p99_us"));
    assertEquals("%", Metrics.unit("host[h2].cpu_busy_pct"));
    assertEquals("kpackets/s", Metrics.unit("flow[f].packet_rate_kpps"));
    assertEquals("per second", Metrics.unit("total.transactions_per_sec"));
    assertEquals("", Metrics.unit("phold.committed"), "a count");
    // cores per Gbit/s, not Gbit/s: read as a rate it would be labelled "... per Gbit/s (Gbit/s)"
    assertEquals("", Metrics.unit("receivers.busy_cores_per_gbps"));
    assertEquals("", Metrics.unit("x.bytes_per_us"));
  }

  @Test
  void unitlessWordsDropTheSuffixButKeepARatiosUnit() {
    // names no model spells: the fallback words are the name without its unit suffix
    assertEquals("x queue depth", Metrics.words("x.queue_depth_bytes"));
    assertEquals("x rtt", Metrics.words("x.rtt_us"));
    assertEquals("x plain count", Metrics.words("x.plain_count"));
    // a ratio keeps its unit in words: without that it read "receivers busy cores per"
    assertEquals("receivers busy cores per Gbit/s", Metrics.words("receivers.busy_cores_per_gbps"));
    assertEquals("x bytes per us", Metrics.words("x.bytes_per_us"));
  }
}
