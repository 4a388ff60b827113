package org.cnemu.emulator.wire;

/**
 * Marker for every message that may cross JVMs. Bound to {@link KryoSerializer} in
 * cluster-config/cnemu-serialization.conf; Java serialization is off, so an unregistered class
 * fails loudly instead of slipping through.
 */
public interface WireMessage {}
