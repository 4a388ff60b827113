package org.cnemu.devices;

import java.util.ArrayList;
import java.util.List;

/**
 * Generic receive offload over one NAPI poll's packets (napi_gro_receive + napi_gro_flush at the end
 * of the poll): consecutive in-order TCP data segments of one flow coalesce up to {@code maxSegs}
 * (GRO_MAX_SIZE 64 KiB); UDP, ACKs and fragments never coalesce. Aggregates of different flows may
 * interleave (GRO keeps up to 8 flows in its list: MAX_GRO_SKBS).
 */
public final class Gro {
  private Gro() {}

  public static List<Packet> coalesce(List<Packet> in, int maxSegs) {
    List<Packet> out = new ArrayList<>(in.size());
    int[] openIdx = new int[8];
    int open = 0;
    for (Packet p : in) {
      if (p.udp() || p.isAck() || p.len() == 0) {
        out.add(p);
        continue;
      }
      boolean merged = false;
      for (int k = 0; k < open; k++) {
        Packet a = out.get(openIdx[k]);
        if (a.flow() == p.flow() && a.dir() == p.dir() && a.endSeq() == p.seq() && a.retx() == p.retx()
            && a.segs() + p.segs() <= maxSegs) {
          out.set(openIdx[k], new Packet(a.flow(), a.dir(), false, a.seq(), a.len() + p.len(), a.segs() + p.segs(),
              p.ack(), p.wnd(), a.sackStart(), a.sackEnd(), (short) 0, (short) 1, a.hash(), a.prio(), a.dstHost(),
              a.sentNanos(), a.retx(), Journey.merge(a.journey(), p.journey())));
          merged = true;
          break;
        }
      }
      if (!merged) {
        if (open == openIdx.length) {
          System.arraycopy(openIdx, 1, openIdx, 0, open - 1); // flush the oldest
          open--;
        }
        openIdx[open++] = out.size();
        out.add(p);
      }
    }
    return out;
  }
}
