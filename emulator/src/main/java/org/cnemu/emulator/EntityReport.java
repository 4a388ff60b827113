package org.cnemu.emulator;

/** What one entity handed back at the end of the run. */
public record EntityReport(int index, String name, Object report) {}
