package org.cnemu.emulator;

/** A message that carries model packets; pending ones at the end count as in flight. */
public interface CarriesPackets {
  int packetCount();
}
