package org.cnemu.kernel.api;

import com.typesafe.config.ConfigOrigin;
import java.util.List;

/**
 * What {@link SteeringPolicyProvider#parse} gives: the policy's typed settings, or every problem of its
 * settings block (never both).
 *
 * @param settings the typed settings, null when there are problems
 * @param problems one per problem, empty when {@code settings} is set
 */
public record ParsedSettings<S>(S settings, List<Problem> problems) {
  /**
   * One bad setting.
   *
   * @param origin where its value was written (file and line), null when unknown
   * @param key the setting's path inside the policy's block ({@code cpus}, {@code boundaries[0]})
   * @param message what was expected and what was found
   */
  public record Problem(ConfigOrigin origin, String key, String message) {}

  public ParsedSettings {
    problems = List.copyOf(problems);
    if ((settings == null) == problems.isEmpty()) throw new IllegalArgumentException("settings or problems, not both");
  }

  public static <S> ParsedSettings<S> of(S settings) {
    return new ParsedSettings<>(settings, List.of());
  }

  public static <S> ParsedSettings<S> failed(List<Problem> problems) {
    return new ParsedSettings<>(null, problems);
  }

  public boolean ok() {
    return settings != null;
  }
}
