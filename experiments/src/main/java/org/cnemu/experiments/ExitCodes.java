package org.cnemu.experiments;

/** Process exit codes of bin/cnemu. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The run (or benchmark) started and failed: causality violation, model error, I/O. */
  public static final int FAILURE = 1;
  /** Bad input: usage error, missing file, invalid experiment. Nothing was run. */
  public static final int BAD_INPUT = 2;

  private ExitCodes() {}
}
