package org.cnemu.nodes.kernel;

import org.cnemu.devices.Hashing;
import org.cnemu.devices.Packet;
import org.cnemu.emulator.CarriesPackets;
import org.cnemu.emulator.Channel;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;

/**
 * An output-queued, store-and-forward switch with drop-tail output ports: the star's centre, a leaf
 * or a spine ({@link FabricSpec.Switch}). Each output port serializes at its link's rate; a packet
 * that would find more than the port's queue bytes ahead of it is dropped. The output port of a
 * train comes from the route to its destination host; with several candidates (a leaf's uplinks)
 * ECMP picks one by a stable hash of the outer 5-tuple (src host, dst host, protocol, ports: the
 * VXLAN source port for overlays, the L4 ports natively, none for IP fragments), seeded by the
 * switch id, so all packets of one flow direction take one path and never reorder.
 *
 * <p>A train (one TSO skb's wire packets, one flow) stays as few messages as possible: the kept
 * packets leave in runs whose departures are back to back at the output rate or spaced at the
 * input rate (a faster output); each run is one {@link WireTrain}. Packets waiting in an
 * output queue are inside those pending messages, so conservation counts them as in flight.
 */
final class SwitchEntity extends Entity<SwitchEntity.Msg> {
  /** What a switch handles: wire trains only. */
  sealed interface Msg permits WireTrain {
    void deliver(SwitchEntity s);
  }

  /**
   * Wire packets back to back on a link: packet 0's last bit arrives at the message time, packet i
   * {@code bits(i)/rate} later. One message per TSO train, not per MTU packet. The fabric's one
   * message: a switch forwards it, a host's NIC dispatches it to its RX queues (RSS), a queue rings it.
   */
  record WireTrain(Packet[] pkts, long bitsPerSec, int wireOverhead) implements Msg, NicEntity.Msg, NicQueue.Msg,
      CarriesPackets {
    @Override
    public int packetCount() {
      return pkts.length;
    }

    @Override
    public void deliver(SwitchEntity s) {
      s.onTrain(this);
    }

    @Override
    public void deliver(NicEntity n) {
      n.receive(this);
    }

    @Override
    public void deliver(NicQueue q) {
      q.receive(this);
    }
  }

  /**
   * One output port: its transmit schedule, its link (the channel to the next hop, a host's NIC or another
   * switch; rate, propagation delay, queue bytes) and its counters, in one object. A forwarded train reads and
   * updates all of them for its port; as arrays indexed by port they were ten lines far apart (each cold with
   * thousands of ports), here they are two.
   */
  static final class Port extends PortSchedule {
    final Channel channel;
    final EntityRef<? super WireTrain> next;
    final long rateBps;
    final long propNanos;
    final long queueBytes;
    long forwarded;
    long bytes;
    long peakQueue;

    Port(Channel channel, EntityRef<? super WireTrain> next, long rateBps, long propNanos, long queueBytes) {
      this.channel = channel;
      this.next = next;
      this.rateBps = rateBps;
      this.propNanos = propNanos;
      this.queueBytes = queueBytes;
    }
  }

  private final Port[] ports;
  /** Per flow direction: departure end of its last packet here. */
  private final long[] flowLast;
  private final int[][] routes;
  private final int[] flowSrc;
  private final int[] flowDst;
  private final boolean[] overlay;
  private final int seed;
  /** Drops by port (beside the ports: the telemetry publishes the array). */
  final long[] dropped;
  /** Peer (host or switch) id by port (telemetry tags, results); set by the model provider. */
  String[] hostIds;
  private KernelTelemetry.SwitchDrops tel;
  /** The packets kept of the train being forwarded (copied out per message sent): no array per train. */
  private Packet[] scratch = new Packet[8];
  private final String id;

  SwitchEntity(String id, EntityRef<? super WireTrain>[] next, Channel[] channels, long[] rate, long[] prop,
      long[] queueBytes, int[][] routes, int[] flowSrc, int[] flowDst, boolean[] overlay) {
    this.id = id;
    int n = next.length;
    this.ports = new Port[n];
    for (int i = 0; i < n; i++) ports[i] = new Port(channels[i], next[i], rate[i], prop[i], queueBytes[i]);
    this.flowLast = new long[flowSrc.length * 2];
    this.dropped = new long[n];
    this.routes = routes;
    this.flowSrc = flowSrc;
    this.flowDst = flowDst;
    this.overlay = overlay;
    this.seed = Hashing.mix32(org.cnemu.emulator.StableIds.key(id));
  }

  @Override
  protected void onStart() {
    if (hostIds != null && telemetry() != org.cnemu.emulator.telemetry.Telemetry.NOOP) {
      tel = new KernelTelemetry.SwitchDrops(telemetry(), id, hostIds);
    }
  }

  @Override
  protected void onMessage(Msg m) {
    m.deliver(this);
    if (tel != null) tel.maybePublish(now(), dropped, false);
  }

  /** The output port toward the train's destination; ECMP over several candidates. */
  int route(Packet p) {
    if (routes == null) return p.dstHost();
    int[] c = routes[p.dstHost()];
    if (c.length == 1) return c[0];
    int src = p.isAck() ? flowDst[p.flow()] : flowSrc[p.flow()];
    boolean vx = overlay[src];
    long l4 = vx ? (p.hash() & 0xffffL) : p.fragmented() ? -1 : (p.hash() & 0xffffffffL);
    int proto = vx || p.udp() ? 17 : 6;
    int h = Hashing.mix32(((long) seed << 32) ^ Hashing.rss(src, p.dstHost(), l4) ^ proto);
    return c[(int) Long.remainderUnsigned(h & 0xffffffffL, c.length)];
  }

  private void onTrain(WireTrain w) {
    Packet[] pk = w.pkts();
    int out = route(pk[0]);
    int oh = w.wireOverhead();
    Port port = ports[out];
    long r = port.rateBps;
    long t = now();
    port.prune(t);
    Packet[] keep = pk.length <= scratch.length ? scratch : (scratch = new Packet[pk.length]);
    int n = 0;
    long runStart = 0; // departure end of the run's first packet
    long runRate = 0;
    long lastEnd = 0;
    for (int i = 0; i < pk.length; i++) {
      Packet p = pk[i];
      int b = p.len() + oh;
      if (i > 0) t += NicEntity.serNanos(b, w.bitsPerSec());
      long backlogNs = port.backlogNanos(t);
      long backlogBytes = backlogNs * r / 8_000_000_000L;
      if (backlogBytes + b > port.queueBytes) {
        dropped[out]++;
        continue;
      }
      if (backlogBytes + b > port.peakQueue) port.peakQueue = backlogBytes + b;
      long ser = NicEntity.serNanos(b, r);
      int fk = p.flow() * 2 + p.dir(); // a flow direction never overtakes itself at a port
      long end = port.reserve(Math.max(t, flowLast[fk]), ser);
      flowLast[fk] = end;
      if (p.journey() != null) {
        p.journey().add(Journeys.SWITCH, org.cnemu.devices.Journey.FABRIC, end - ser, end);
        p.journey().add(Journeys.LINK, org.cnemu.devices.Journey.FABRIC, end, end + port.propNanos);
      }
      port.forwarded++;
      port.bytes += p.len();
      if (n > 0) {
        long gap = end - lastEnd;
        long fit = runRate != 0 ? (gap == NicEntity.serNanos(b, runRate) ? runRate : -1)
            : gap == ser ? r : gap == NicEntity.serNanos(b, w.bitsPerSec()) ? w.bitsPerSec() : -1;
        if (fit < 0) { // not back to back at one rate: the next packets are a new message
          flush(port, keep, n, runStart, runRate == 0 ? r : runRate, oh);
          n = 0;
        } else {
          runRate = fit;
        }
      }
      if (n == 0) {
        runStart = end;
        runRate = 0;
      }
      keep[n++] = p;
      lastEnd = end;
    }
    if (n > 0) {
      long bits = runRate == 0 ? r : runRate;
      if (n == pk.length && bits == w.bitsPerSec()) { // kept whole, at the rate it came: the same train goes on
        send(port.channel, port.next, runStart - now() + port.propNanos, w);
      } else {
        flush(port, keep, n, runStart, bits, oh);
      }
    }
    java.util.Arrays.fill(keep, 0, pk.length, null); // the scratch holds no packet between trains
  }

  private void flush(Port port, Packet[] keep, int n, long firstEnd, long bitsPerSec, int oh) {
    Packet[] pk = new Packet[n];
    System.arraycopy(keep, 0, pk, 0, n);
    send(port.channel, port.next, firstEnd - now() + port.propNanos, new WireTrain(pk, bitsPerSec, oh));
  }

  @Override
  protected Object report() {
    if (tel != null) tel.maybePublish(endNanos(), dropped, true);
    int n = ports.length;
    long[] forwarded = new long[n];
    long[] bytes = new long[n];
    long[] peakQueue = new long[n];
    for (int i = 0; i < n; i++) {
      forwarded[i] = ports[i].forwarded;
      bytes[i] = ports[i].bytes;
      peakQueue[i] = ports[i].peakQueue;
    }
    return new SwitchReport(id, dropped.clone(), forwarded, bytes, peakQueue);
  }

  record SwitchReport(String id, long[] dropped, long[] forwarded, long[] bytes, long[] peakQueue) {}
}
