/**
 * The report layer: turns results folders into CSV tables, PNG+SVG plots (XChart), one self-contained
 * {@code report.html}, and ratio tables between two folders. A library: the CLI and the runner call it;
 * it never runs the emulator and reads nothing but the JSON files named below.
 *
 * <h2>API (stable)</h2>
 * <ul>
 *   <li>{@link org.cnemu.experiments.report.Reports#writeRun(java.nio.file.Path) Reports.writeRun(runDir)}
 *       {@code -> List<Path>}: reads {@code runDir/results.json}, writes the run files below, returns them.
 *       Throws {@link java.nio.file.NoSuchFileException} without results.json, {@link java.io.IOException}
 *       when it is not a JSON object. Missing sections are fine (a failed run has only identity, error,
 *       config and wall; a PHOLD run has no packet figures): the report says what is missing.
 *   <li>{@link org.cnemu.experiments.report.Reports#writeSweep(java.nio.file.Path) Reports.writeSweep(sweepDir)}
 *       {@code -> List<Path>}: reads {@code sweepDir/summary.json} (shape below), writes {@code summary.csv},
 *       {@code sweep-METRIC.png/.svg} per compared metric and {@code report.html}. Call it after {@code writeRun} on
 *       the point folders, so the sweep report links each point's report.html.
 *   <li>{@link org.cnemu.experiments.report.Compare#compare(java.nio.file.Path, java.nio.file.Path)
 *       Compare.compare(dirA, dirB)} {@code -> Compare.Table(labelA, labelB, List<Row(metric, unit, a, b, ratio)>, unresolved)}
 *       and {@link org.cnemu.experiments.report.Compare#format(Compare.Table) Compare.format(table)}
 *       {@code -> String} (aligned text, ends with a newline). Each argument is a run folder
 *       (results.json), a sweep folder or a repeated point (summary.json), or such a file itself.
 *   <li>{@link org.cnemu.experiments.report.Metrics#of(com.fasterxml.jackson.databind.JsonNode) Metrics.of(tree)}
 *       / {@link org.cnemu.experiments.report.Metrics#ofDocument(java.util.Map) Metrics.ofDocument(map)}
 *       {@code -> LinkedHashMap<String, Double>}: the comparable figures of one run by stable name, as the
 *       model that wrote it ({@code config.model}) names them through
 *       {@link org.cnemu.emulator.model.ModelProvider#metrics} (the kernel model: {@code total.throughput_gbps},
 *       {@code flow[f1].throughput_gbps}, {@code host[h2].cpu_busy_pct}, ...), then {@code engine.events},
 *       {@code engine.windows}, {@code engine.messages}.
 *   <li>{@link org.cnemu.experiments.report.TextTable}: fixed-width terminal table for any CLI output.
 * </ul>
 *
 * <h2>Files of a run folder (next to results.json)</h2>
 * <ul>
 *   <li>{@code flows.csv}, {@code cores.csv}, {@code hosts.csv}, {@code drops.csv}: always written (header
 *       only when the section is empty or absent). Columns: the results-schema fields in schema order, nested
 *       objects flattened with dots ({@code latency_us.p50}, {@code softirqs.NET_RX}), then any extra scalar
 *       fields in order of first appearance. Arrays are left out of these tables.
 *   <li>{@code devices.csv}: when results.json has a {@code devices} section (an array of objects, or an
 *       object of objects whose keys become the {@code id} column).
 *   <li>{@code timeseries.csv} ({@code flow,t_ms,gbps}): when flows carry {@code throughput_series}, an
 *       array of {@code {"t_ms": 1.0, "gbps": 9.4}} objects or {@code [t_ms, gbps]} pairs.
 *   <li>{@code cores.png/.svg}: up to {@link org.cnemu.experiments.report.Reports#MAX_CORE_BARS} cores, one bar
 *       per host/core stacked by mpstat category usr/sys/irq/soft/idle; beyond (tens to thousands of hosts), a
 *       heatmap of the busy share (100 - idle) of every core of the
 *       {@link org.cnemu.experiments.report.Reports#MAX_HEATMAP_HOSTS} busiest hosts (highest busy core first),
 *       plus {@code cores-hosts.png/.svg}: CPU used per host in cores, stacked by category, for the
 *       {@link org.cnemu.experiments.report.Reports#MAX_HOST_BARS} busiest hosts.
 *   <li>{@code throughput.png/.svg}: throughput per flow over virtual time when series exist (beyond
 *       {@link org.cnemu.experiments.report.Reports#MAX_FLOW_LINES} flows, the 5 with the highest and the 5
 *       with the lowest mean), else one bar per flow (beyond
 *       {@link org.cnemu.experiments.report.Reports#MAX_FLOW_BARS} flows, every flow's throughput sorted).
 *   <li>{@code latency.png/.svg}: the latency CDF per flow (log axis, ticks at 1, 2 and 5 of each decade with
 *       their unit), or the percentiles per flow when results carry no CDF.
 *   <li>{@code report.html}: one self-contained file (plots as base64 PNG, inline CSS, no external
 *       references): summary with a banner when {@code complete} is false, packet conservation (sent =
 *       delivered + dropped + in flight, balanced yes/no), the plots, then the tables: flows, cores (saturated
 *       cores highlighted: idle &lt;= 5%; beyond {@link org.cnemu.experiments.report.Reports#MAX_HTML_CORES}
 *       cores the busiest only), hosts (a host's own figures, CPU, IRQs, softirqs, IPIs, one row per host; then
 *       each nested group of counters, {@code devices} and a steering policy's {@code steering}, in a table of
 *       its own: one row per counter and one column per host up to
 *       {@link org.cnemu.experiments.report.Reports#MAX_HOST_COLUMNS} hosts, counters zero on every host named
 *       below it; hosts.csv keeps them in one table), drops with total, devices, engine and wall statistics, the
 *       model's own sections (e.g. {@code phold}), links to the files, the resolved config in a collapsible
 *       block. Tables longer than {@link org.cnemu.experiments.report.Reports#MAX_HTML_ROWS} rows are cut in
 *       the HTML (never in the CSV); long ones are folded.
 * </ul>
 * Numbers in CSV and HTML are written as in the JSON, without exponent, and rounded to 12 significant digits
 * so that binary floating-point noise ({@code 48.830000000000005}) reads {@code 48.83}. Plot titles and axes
 * name metrics in words with units ({@link org.cnemu.experiments.report.Metrics#label(String)}); the
 * CSV keeps the stable names. SVGs draw text as outlines (XChart), so their size follows the amount of text:
 * charts keep labels few, and coordinates are written to a tenth of a pixel.
 * CSV and HTML are byte-identical for the same results.json (PNG bytes can depend on font rendering).
 * Plots whose data is absent are not written (a PHOLD run gets CSV headers and report.html only).
 *
 * <h2>summary.json of a sweep folder (what the runner emits)</h2>
 * <pre>{@code
 * {
 *   "experiment": "rate-sweep",
 *   "kind": "sweep",
 *   "keys": ["nic.rate", "policy.name"],           // swept keys, in sweep order; the first is the x axis
 *   "runs": 3,                                     // repetitions per point
 *   "complete": true,                              // false when any run of any point failed
 *   "compared": "policy.name",                     // a comparison only: the key of its compare { } block
 *   "config": { ... },                             // the resolved base config (optional)
 *   "points": [
 *     {
 *       "dir": "point-000",                        // folder of the point, relative to the sweep folder
 *       "values": { "nic.rate": "10Gbps", "policy.name": "rss" },  // as written in the experiment file
 *       "runs": 3,
 *       "complete": true,
 *       "metrics": {                               // names as Metrics.of(...) gives for each run
 *         "total.throughput_gbps": { "mean": 9.4, "ci95_low": 9.3, "ci95_high": 9.5, "stddev": 0.04, "n": 3 },
 *         "flow[f1].throughput_gbps": { ... },
 *         "worst_flow.latency_p99_us": { "mean": 31.2, ..., "n": 3, "samples": 11719 },  // a percentile: the
 *                                                  // fewest samples of a run's
 *         "worst_flow.latency_p999_us": { "mean": null, "ci95_low": null, "ci95_high": null, "stddev": null,
 *           "n": 3, "samples": 274, "samples_to_resolve": 1000 },  // too few samples: no figure
 *         "engine.events": { ... }
 *       },
 *       "baseline": "point-000",                   // a comparison only: the point this arm is compared with
 *       "ratios": {                                // a comparison's non-baseline arms: mean of the per-run
 *         "total.throughput_gbps": { "ratio": 1.47, "ci95_low": 1.41, "ci95_high": 1.53, "n": 3 }
 *       }                                          // ratios arm/baseline (runs paired by seed); a percentile's
 *                                                  // as its metric's: samples, null when unresolved
 *     }
 *   ],
 *   "metric_info": { "total.throughput_gbps": { "unit": "Gbps", "better": "higher", "headline": true } }
 * }
 * }</pre>
 * To emit it: for each point, {@code Metrics.ofDocument(doc)} of each complete run, then per metric name
 * the statistics object (the same {@code mean, ci95_low, ci95_high, stddev, n} object the runner's
 * {@code Stats.summarize} makes, its interval clipped to the metric's range; a bare number is also read, as a mean
 * without interval; a null mean is a percentile its samples cannot resolve, shown as "-"). Values can be
 * numbers or strings; strings that are a number with one common unit ({@code "10Gbps"}, {@code "40Gbps"})
 * are plotted on a numeric axis, other values as categories. Further keys with other values give one line
 * each. Without {@code points}, a summary.json is read as one point (the runner's summary over the
 * repetitions of one configuration: {@code engine} and {@code flows} statistics, plus {@code metrics} if
 * present).
 *
 * <p>Sweep folder outputs: {@code summary.csv} (long format:
 * {@code point,KEY...,metric,mean,ci95_low,ci95_high,stddev,n,unit}, and for a comparison also
 * {@code baseline,ratio,ratio_ci95_low,ratio_ci95_high}: the arm's baseline point and its ratio, empty on a
 * baseline's rows and for a ratio summary.json gives as null), {@code sweep-METRIC.png/.svg} (METRIC
 * with characters other than {@code [A-Za-z0-9._-]} replaced by {@code _}; the mean with 95% error bars,
 * plus a dashed band on a numeric axis; only the model's headline metrics and the flows' latency p50/p99
 * ({@link org.cnemu.experiments.report.Metrics#flowLatencies}), every metric when summary.json flags no headline;
 * at most {@link org.cnemu.experiments.report.Reports#MAX_SWEEP_PLOTS}
 * plots; a categorical key such as the steering policy as grouped bars with 95% whiskers), and
 * {@code report.html} (plots, points linking to their report.html when it exists, metric matrix, config).
 *
 * <h2>Compare</h2>
 * Rows are every metric of A in order, then those only in B; {@code a}/{@code b} are null where absent,
 * {@code ratio} = b/a (1 when both are 0, infinite when only a is 0, null when either is missing). For
 * sweeps, points are matched by their swept values and rows are prefixed {@code [key=value, ...]}; two
 * single-point inputs (run vs run, run vs repeated point) are compared directly.
 */
package org.cnemu.experiments.report;
