package org.cnemu.nodes.kernel;

import java.util.ArrayList;
import java.util.List;
import org.cnemu.devices.Packet;
import org.cnemu.emulator.Channel;
import org.cnemu.emulator.Entity;
import org.cnemu.emulator.EntityRef;

/**
 * Output-queued store-and-forward switch at the centre of the star. Each output port serializes at
 * the link rate; a packet that would find more than {@code queueBytes} ahead of it is dropped
 * (drop-tail). A train stays a train: one message in, one message out.
 */
final class SwitchEntity extends Entity<Object> {
  private final EntityRef<Object>[] hostNics;
  final Channel[] ports;
  private final long[] busyUntil;
  private final long queueBytes;
  private final long rate;
  private final long prop;
  final long[] dropped;
  final long[] forwarded;

  SwitchEntity(EntityRef<Object>[] hostNics, long rate, long prop, long queueBytes) {
    this.hostNics = hostNics;
    this.ports = new Channel[hostNics.length];
    this.busyUntil = new long[hostNics.length];
    this.dropped = new long[hostNics.length];
    this.forwarded = new long[hostNics.length];
    this.queueBytes = queueBytes;
    this.rate = rate;
    this.prop = prop;
  }

  @Override
  protected void onMessage(Object m) {
    Msgs.WireTrain w = (Msgs.WireTrain) m;
    int out = w.pkts()[0].dstHost();
    long t = now();
    List<Packet> keep = new ArrayList<>(w.pkts().length);
    long firstDepartEnd = -1;
    for (int i = 0; i < w.pkts().length; i++) {
      Packet p = w.pkts()[i];
      long ser = NicEntity.serNanos(p.len() + w.wireOverhead(), rate);
      if (i > 0) t += NicEntity.serNanos(p.len() + w.wireOverhead(), w.bitsPerSec());
      long backlogNs = Math.max(0, busyUntil[out] - t);
      long backlogBytes = backlogNs * rate / 8_000_000_000L;
      if (backlogBytes + p.len() + w.wireOverhead() > queueBytes) {
        dropped[out]++;
        continue;
      }
      long start = Math.max(t, busyUntil[out]);
      busyUntil[out] = start + ser;
      if (firstDepartEnd < 0) firstDepartEnd = start + ser;
      keep.add(p);
    }
    if (keep.isEmpty()) return;
    forwarded[out] += keep.size();
    send(ports[out], hostNics[out], firstDepartEnd - now() + prop,
        new Msgs.WireTrain(keep.toArray(new Packet[0]), rate, w.wireOverhead()));
  }

  @Override
  protected Object report() {
    return new SwitchReport(dropped.clone(), forwarded.clone());
  }

  record SwitchReport(long[] dropped, long[] forwarded) {}
}
