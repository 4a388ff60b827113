package org.cnemu.emulator.model;

import java.util.List;

/**
 * What {@link ModelProvider#parse} gives: the model's typed spec, or every problem that keeps the
 * experiment from parsing (never both). One step for both, so a file that validates is exactly one that
 * parses.
 *
 * @param spec the typed spec, null when there are problems
 * @param problems one per problem ({@code file:line: key: message}), empty when {@code spec} is set
 */
public record Parsed<S>(S spec, List<ConfigProblem> problems) {
  public Parsed {
    problems = List.copyOf(problems);
    if ((spec == null) == problems.isEmpty()) throw new IllegalArgumentException("a spec or problems, not both");
  }

  public static <S> Parsed<S> of(S spec) {
    return new Parsed<>(spec, List.of());
  }

  public static <S> Parsed<S> failed(List<ConfigProblem> problems) {
    return new Parsed<>(null, problems);
  }

  public boolean ok() {
    return spec != null;
  }
}
