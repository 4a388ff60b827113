package org.cnemu.experiments.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
  @TempDir Path tmp;

  @Test
  void writesCsvPlotsAndHtmlForAFullRun() throws IOException {
    Path dir = Fixtures.copy("run-a", tmp);
    List<Path> written = Reports.writeRun(dir);
    for (Path f : written) {
      assertTrue(Reports.OUTPUT_FILE.matcher(f.getFileName().toString()).matches(), f + ": a rerun would leave it stale");
    }

    for (String f : List.of("flows.csv", "cores.csv", "hosts.csv", "drops.csv", "cores.png", "cores.svg",
        "throughput.png", "throughput.svg", "latency.png", "latency.svg", "report.html")) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), f);
      assertTrue(written.contains(dir.resolve(f)), f + " listed");
    }
    assertFalse(Files.exists(dir.resolve("devices.csv")), "no devices section, no devices.csv");
    assertFalse(Files.exists(dir.resolve("timeseries.csv")), "no series, no timeseries.csv");

    assertEquals(List.of(
        "id,protocol,src,dst,priority,throughput_gbps,packets_sent,packets_delivered,retransmits,out_of_order,"
            + "latency_us.p50,latency_us.p90,latency_us.p99,latency_us.p999",
        "f1,tcp,h1/c1,h2/c1,normal,6.25,1000,990,3,0,,,,",
        "f2,tcp,h1/c2,h2/c2,high,3.16,500,493,1,2,12,15,30,55"), lines(dir, "flows.csv"));
    assertEquals(List.of("host,core,usr,sys,irq,soft,idle",
        "h1,0,20.5,30,1.5,8,40",
        "h1,1,10,15,0.5,4.5,70",
        "h2,0,0,2,3,95,0",
        "h2,1,12,8,0,0,80"), lines(dir, "cores.csv"));
    assertEquals(List.of("id,irqs,softirqs.NET_RX,softirqs.NET_TX", "h1,210,640,1480", "h2,1234,3702,12"),
        lines(dir, "hosts.csv"));
    assertEquals(List.of("host,place,reason,packets", "h2,backlog,netdev_max_backlog,17"), lines(dir, "drops.csv"));

    for (String png : List.of("cores.png", "throughput.png", "latency.png")) assertReadablePng(dir.resolve(png));
    for (String svg : List.of("cores.svg", "throughput.svg", "latency.svg")) assertSvg(dir.resolve(svg));

    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertTrue(html.contains("docker-overlay-tcp-2flow"));
    assertTrue(html.contains("<td class=\"l\">f1</td>") && html.contains("<td class=\"l\">f2</td>"), "flows table");
    assertTrue(html.contains("6.25") && html.contains("3.16"), "throughputs");
    // every table scrolls on its own (a wide flows or devices table), so the page keeps a 1280 px window's width
    // (headless chromium: document scroll width 1265 px, 3631 px before with a run's hosts table ~3,600 px wide)
    assertTrue(html.contains("<table>") && html.split("<table").length == html.split("<div class=\"wide\">\n<table").length,
        "each table in a scroll container");
    // the kernel model's headline figures before any detail: total throughput 6.25 + 3.16 Gbit/s
    String top = html.substring(html.indexOf("<h2>Headline figures</h2>"), html.indexOf("<h2>Packet conservation</h2>"));
    assertTrue(top.contains("<td>9.41</td><td class=\"l\">Gbps</td><td class=\"l\">total.throughput_gbps</td>"), top);
    assertTrue(html.contains("<span class=\"flag yes\">yes</span>"), "balanced flag");
    assertTrue(html.contains("sent 1500 = delivered 1483 + dropped 17 + in flight 0"), "conservation balance");
    assertTrue(html.contains("<tr class=\"hot\"><td class=\"l\">h2</td><td>0</td>"), "saturated core highlighted");
    assertTrue(html.contains("1 of 4 cores saturated"));
    assertTrue(html.contains("<tr class=\"total\"><td class=\"l\">total</td>"), "drops total row");
    assertTrue(html.contains("123456") && html.contains("789") && html.contains("4567"), "engine stats");
    assertTrue(html.contains("38580"), "wall stats");
    assertTrue(html.contains("<details><summary>"), "collapsible config");
    assertTrue(html.contains("a &lt;tag&gt; &amp; \\&quot;quotes\\&quot; must be escaped"), "config escaped");
    assertFalse(html.contains("<tag>"), "nothing from the data is markup");
    assertEquals(3, count(html, "src=\"data:image/png;base64,"), "three embedded plots");
    assertSelfContained(html);
    assertFalse(html.contains("INCOMPLETE"));
  }

  @Test
  void sameResultsGiveByteIdenticalCsvAndHtml() throws IOException {
    Path one = Fixtures.copy("run-a", tmp.resolve("1"));
    Path two = Fixtures.copy("run-a", tmp.resolve("2"));
    Reports.writeRun(one);
    Reports.writeRun(two);
    Reports.writeRun(two); // rewriting in place changes nothing either
    for (String f : List.of("flows.csv", "cores.csv", "hosts.csv", "drops.csv", "report.html")) {
      assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(two.resolve(f)), f);
    }
  }

  @Test
  void pholdRunHasEngineAndPholdSectionsAndNoPacketPlots() throws IOException {
    Path dir = Fixtures.copy("phold", tmp);
    Reports.writeRun(dir);
    assertEquals(1, lines(dir, "flows.csv").size(), "header only");
    assertTrue(lines(dir, "flows.csv").get(0).startsWith("id,protocol,src,dst"));
    assertEquals(List.of("host,core,usr,sys,irq,soft,idle"), lines(dir, "cores.csv"));
    assertFalse(Files.exists(dir.resolve("cores.png")));
    assertFalse(Files.exists(dir.resolve("throughput.png")));
    assertFalse(Files.exists(dir.resolve("latency.png")));
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("Section: phold"));
    assertTrue(html.contains("9f2c1ab0") && html.contains("98765"), "phold values");
    assertTrue(html.contains("No flows in this run."));
    assertTrue(html.contains("No conservation section"));
    assertTrue(html.contains("5 ms (5000000 ns)"), "virtual end");
    assertSelfContained(html);
  }

  @Test
  void incompleteRunWithSeriesDevicesAndMissingSections() throws IOException {
    Path dir = Fixtures.copy("series", tmp);
    Reports.writeRun(dir);
    assertEquals(List.of("flow,t_ms,gbps", "f1,1,1.5", "f1,2,2.5", "f1,3,2", "\"f,2\",1,0.5", "\"f,2\",2,1.25",
        "\"f,2\",3,1.25"), lines(dir, "timeseries.csv"));
    assertEquals(List.of("id,host,kind,rx_packets", "veth0,h2,veth,10"), lines(dir, "devices.csv"));
    assertEquals(List.of("host,place,reason,packets"), lines(dir, "drops.csv"));
    assertReadablePng(dir.resolve("throughput.png"));
    assertFalse(Files.exists(dir.resolve("cores.png")));
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("<div class=\"banner bad\">INCOMPLETE RUN"), "prominent incomplete banner");
    assertTrue(html.contains("node lost: &lt;worker-2&gt;"), "error shown, escaped");
    assertTrue(html.contains("<span class=\"flag no\">no</span>"), "unbalanced flag");
    assertTrue(html.contains("No drops section"));
    assertTrue(html.contains("Throughput per flow over virtual time"));
    assertSelfContained(html);
  }

  @Test
  void oddOrMissingFieldsDoNotCrash() throws IOException {
    Path dir = tmp.resolve("odd");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.json"), """
        {"experiment": "odd", "flows": "not a list", "cores": [1, "x", {"host": "h9"}, {"core": 3, "idle": "n/a"}],
         "hosts": {"h1": {"irqs": 5}}, "drops": [{"packets": "many"}], "conservation": 7,
         "engine": [], "latency_us": null, "extra": 3}
        """);
    Reports.writeRun(dir);
    assertEquals(1, lines(dir, "flows.csv").size());
    assertEquals(List.of("id,irqs", "h1,5"), lines(dir, "hosts.csv"), "an object of hosts keyed by id");
    assertEquals(3, lines(dir, "cores.csv").size());
    assertReadablePng(dir.resolve("cores.png"));
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("(missing)"), "complete flag missing is said");
    assertTrue(html.contains("Other fields"));

    Path empty = tmp.resolve("empty");
    Files.createDirectories(empty);
    Files.writeString(empty.resolve("results.json"), "{}");
    Reports.writeRun(empty);
    assertTrue(Files.isRegularFile(empty.resolve("report.html")));

    Path none = tmp.resolve("none");
    Files.createDirectories(none);
    assertThrows(NoSuchFileException.class, () -> Reports.writeRun(none));
    Files.writeString(none.resolve("results.json"), "[1, 2");
    IOException e = assertThrows(IOException.class, () -> Reports.writeRun(none));
    assertTrue(e.getMessage().contains("results.json"), e.getMessage());
  }

  @Test
  void hostCounterGroupsAreTurnedToOneRowPerCounter() throws IOException {
    Path dir = tmp.resolve("groups");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.json"), """
        {"experiment": "groups", "complete": true, "hosts": [
          {"id": "h1", "irqs": 973, "softirqs": {"NET_RX": 2988, "NET_TX": 0}, "ipis": 0,
           "devices": {"nic_rx_packets": 2420, "nic_tx_packets": 74221, "vxlan_rx_packets": 0}, "cpu_busy_cores": 0.805},
          {"id": "h2", "irqs": 365, "softirqs": {"NET_RX": 6066, "NET_TX": 0}, "ipis": 1982,
           "devices": {"nic_rx_packets": 74221, "nic_tx_packets": 2420, "vxlan_rx_packets": 0}, "cpu_busy_cores": 2.357,
           "steering": {"owd_count.w1": 1650, "owd_p99_ns.w1": 257279, "rx_cores.w1": 32}}]}
        """);
    Reports.writeRun(dir);
    // hosts.csv keeps every column in one table
    assertEquals(List.of("id,irqs,softirqs.NET_RX,softirqs.NET_TX,ipis,devices.nic_rx_packets,devices.nic_tx_packets,"
            + "devices.vxlan_rx_packets,cpu_busy_cores,steering.owd_count.w1,steering.owd_p99_ns.w1,steering.rx_cores.w1",
        "h1,973,2988,0,0,2420,74221,0,0.805,,,", "h2,365,6066,0,1982,74221,2420,0,2.357,1650,257279,32"),
        lines(dir, "hosts.csv"));
    String html = Files.readString(dir.resolve("report.html"));
    String hosts = html.substring(html.indexOf("<h2>Hosts</h2>"), html.indexOf("<h2>Drops</h2>"));
    // a host's own figures in one row per host; the groups of counters apart, one row per counter and one column
    // per host (a real run's single hosts table was 23 columns, ~3,600 px wide)
    String own = hosts.substring(0, hosts.indexOf("</table>"));
    assertTrue(own.contains("<th>ipis</th><th>cpu_<wbr>busy_<wbr>cores</th></tr>"), own);
    assertTrue(own.contains("<tr><td class=\"l\">h2</td><td>365</td><td>6066</td><td>0</td><td>1982</td><td>2.357</td></tr>"), own);
    assertFalse(own.contains("devices") || own.contains("steering"), own);
    assertTrue(hosts.contains("<h3>Hosts: devices counters</h3>"), hosts);
    assertTrue(hosts.contains("<th class=\"l\">counter</th><th>h1</th><th>h2</th>"), hosts);
    assertTrue(hosts.contains("<tr><td class=\"l\">nic_rx_packets</td><td>2420</td><td>74221</td></tr>"), hosts);
    assertTrue(hosts.contains("Zero on every host: vxlan_rx_packets."), hosts);
    assertTrue(hosts.contains("<h3>Hosts: steering counters</h3>"), hosts);
    assertTrue(hosts.contains("<th class=\"l\">counter</th><th>h2</th></tr>"), "a host without any: no column");
    assertTrue(hosts.contains("<tr><td class=\"l\">owd_p99_ns.w1</td><td>257279</td></tr>"), hosts);
    assertTrue(hosts.contains("No steering counters on h1."), hosts);

    // beyond MAX_HOST_COLUMNS hosts a group keeps one row per host, in its own narrower table
    StringBuilder many = new StringBuilder("{\"experiment\": \"many\", \"hosts\": [");
    for (int i = 0; i <= Reports.MAX_HOST_COLUMNS; i++) {
      many.append(i == 0 ? "" : ",").append("{\"id\": \"h").append(i).append("\", \"irqs\": ").append(100 + i)
          .append(", \"steering\": {\"rx_cores.w").append(i).append("\": ").append(i + 1).append("}}");
    }
    Files.writeString(dir.resolve("results.json"), many.append("]}").toString());
    Reports.writeRun(dir);
    html = Files.readString(dir.resolve("report.html"));
    hosts = html.substring(html.indexOf("<h2>Hosts</h2>"), html.indexOf("<h2>Drops</h2>"));
    assertTrue(hosts.contains("<tr><td class=\"l\">h10</td><td>110</td></tr>"), hosts);
    assertTrue(hosts.contains("<tr><td class=\"l\">h10</td><td></td><td></td><td></td><td></td><td></td><td></td>"
        + "<td></td><td></td><td></td><td></td><td>11</td></tr>"), hosts);
  }

  static List<String> lines(Path dir, String file) throws IOException {
    return Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8);
  }

  static void assertReadablePng(Path png) throws IOException {
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, png + " decodes");
    assertTrue(img.getWidth() >= 400 && img.getHeight() >= 300, png + " size " + img.getWidth() + "x" + img.getHeight());
    Set<Integer> colors = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 4) for (int x = 0; x < img.getWidth(); x += 4) colors.add(img.getRGB(x, y));
    assertTrue(colors.size() > 5, png + " has content (" + colors.size() + " colours)");
  }

  static void assertSvg(Path svg) throws IOException {
    String s = Files.readString(svg);
    assertTrue(s.startsWith("<?xml"), svg + " is XML");
    assertTrue(s.contains("<svg"), svg + " has <svg");
    assertTrue(s.trim().endsWith("</svg>"), svg + " is complete");
  }

  /** No reference that would make a browser fetch anything. */
  static void assertSelfContained(String html) {
    assertFalse(Pattern.compile("(?i)https?://").matcher(html).find(), "no http(s) URL");
    assertFalse(Pattern.compile("(?i)(src|href)\\s*=\\s*\"//").matcher(html).find(), "no protocol-relative URL");
    assertFalse(Pattern.compile("(?i)<(script|link|iframe)").matcher(html).find(), "no scripts or stylesheets");
    assertFalse(Pattern.compile("(?i)@import|url\\(").matcher(html).find(), "no CSS fetches");
    var src = Pattern.compile("src=\"([^\"]*)\"").matcher(html);
    while (src.find()) assertTrue(src.group(1).startsWith("data:image/png;base64,"), "embedded: " + src.group(1));
  }

  static int count(String s, String sub) {
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
    return n;
  }
}
