package org.cnemu.experiments.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Copies a fixture folder from test resources (report/NAME) into a scratch folder. */
final class Fixtures {
  private Fixtures() {}

  static Path resource(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/report/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing test resource report/" + name, e);
    }
  }

  static Path copy(String name, Path into) throws IOException {
    Path src = resource(name);
    Path dst = into.resolve(name);
    try (Stream<Path> files = Files.walk(src)) {
      files.forEach(p -> {
        try {
          Path t = dst.resolve(src.relativize(p).toString());
          if (Files.isDirectory(p)) Files.createDirectories(t);
          else Files.copy(p, t);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return dst;
  }
}
