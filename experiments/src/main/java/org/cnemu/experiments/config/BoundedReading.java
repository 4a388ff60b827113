package org.cnemu.experiments.config;

import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseable;
import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the loader reads before HOCON does, so that any file is answered quickly and in one line: only
 * regular files (a FIFO would block, /dev/zero never ends), at most {@link #MAX_FILE_BYTES} each and
 * {@link #MAX_TOTAL_BYTES} with every include, braces nested at most {@link #MAX_DEPTH} deep (the
 * HOCON parser recurses per level), includes of local files and class-path resources only (never a
 * URL: validating a file must not reach the network).
 */
final class BoundedReading {
  static final long MAX_FILE_BYTES = 4L << 20;
  static final long MAX_TOTAL_BYTES = 16L << 20;
  static final int MAX_DEPTH = 64;

  /** A file that must not be parsed; {@code line} 0 when the problem is the whole file. */
  static final class Refused extends RuntimeException {
    final String file;
    final int line;

    Refused(String file, int line, String message) {
      super(message, null, false, false);
      this.file = file;
      this.line = line;
    }
  }

  private long totalBytes;
  private int filesChecked;
  private boolean includes;

  /** Whether the file has includes (of a file or a class-path resource, found or not). */
  boolean included() {
    return filesChecked > 1 || includes;
  }

  /** Checks {@code path} (shown as {@code shown}); throws {@link Refused}. */
  void check(Path path, String shown) {
    filesChecked++;
    if (!Files.isRegularFile(path)) {
      throw new Refused(shown, 0, "not a regular file (a device, FIFO or socket?): experiment files are regular files");
    }
    long size;
    byte[] bytes;
    try {
      size = Files.size(path);
      if (size > MAX_FILE_BYTES) {
        throw new Refused(shown, 0, "file of " + size + " bytes; experiment files are at most " + MAX_FILE_BYTES
            + " bytes (4 MiB)");
      }
      totalBytes += size;
      if (totalBytes > MAX_TOTAL_BYTES) {
        throw new Refused(shown, 0, "with its includes, more than " + MAX_TOTAL_BYTES + " bytes (16 MiB) to read");
      }
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new Refused(shown, 0, "cannot read file: " + e.getMessage());
    }
    if (bytes.length > MAX_FILE_BYTES) throw new Refused(shown, 0, "file grew while being read");
    int line = deepLine(new String(bytes, StandardCharsets.UTF_8));
    if (line > 0) {
      throw new Refused(shown, line, "braces and brackets nested more than " + MAX_DEPTH + " levels deep");
    }
  }

  /**
   * The line where {@code { [ (} nest deeper than {@link #MAX_DEPTH}, outside strings and comments; 0 if
   * they never do. A rough lexer is enough: it only has to bound the parser's recursion.
   */
  static int deepLine(String text) {
    int depth = 0;
    int line = 1;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
      } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
        while (i + 1 < n && text.charAt(i + 1) != '\n') i++;
      } else if (c == '"') {
        boolean triple = i + 2 < n && text.charAt(i + 1) == '"' && text.charAt(i + 2) == '"';
        if (triple) {
          int end = text.indexOf("\"\"\"", i + 3);
          int stop = end < 0 ? n : end + 2;
          for (int j = i; j < stop && j < n; j++) if (text.charAt(j) == '\n') line++;
          i = stop;
        } else {
          i++;
          while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
            if (text.charAt(i) == '\\') i++;
            i++;
          }
          if (i < n && text.charAt(i) == '\n') line++;
        }
      } else if (c == '{' || c == '[' || c == '(') {
        if (++depth > MAX_DEPTH) return line;
      } else if (c == '}' || c == ']' || c == ')') {
        depth = Math.max(0, depth - 1);
      }
    }
    return 0;
  }

  /** The includer that applies {@link #check} to every file an include names, and refuses URLs. */
  ConfigIncluder includer() {
    return new Includer(null);
  }

  private final class Includer implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL,
      ConfigIncluderClasspath {
    private final ConfigIncluder fallback;

    Includer(ConfigIncluder fallback) {
      this.fallback = fallback;
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return new Includer(fallback);
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      includes = true;
      URL url = urlOf(what);
      if (url != null) return includeURL(context, url);
      ConfigParseable p = context.relativeTo(what);
      File file = p != null && p.origin() != null && p.origin().filename() != null ? new File(p.origin().filename()) : null;
      boolean found = file != null && checkExisting(file);
      ConfigObject included = fallback.include(context, what);
      // HOCON skips a missing include silently: a misspelt name would drop its settings without a word
      if (!found && included.isEmpty()) throw missing("include \"" + what + "\"", file);
      return included;
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File file) {
      includes = true;
      if (!checkExisting(file)) throw missing("include file(\"" + file.getPath() + "\")", file);
      return ((ConfigIncluderFile) fallback).includeFile(context, file);
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL url) {
      includes = true;
      if (!"file".equals(url.getProtocol())) {
        throw new Refused(null, 0, "include of " + url + ": an experiment includes local files only, never a URL");
      }
      try {
        checkExisting(new File(url.toURI()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new Refused(null, 0, "include of " + url + ": not a file path");
      }
      return ((ConfigIncluderURL) fallback).includeURL(context, url);
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
      includes = true;
      return ((ConfigIncluderClasspath) fallback).includeResources(context, what);
    }
  }

  /**
   * The file and its name with each extension HOCON tries for a bare name, those that exist; whether any
   * exists.
   */
  private boolean checkExisting(File file) {
    boolean any = false;
    for (String suffix : List.of("", ".conf", ".json", ".properties")) {
      if (!suffix.isEmpty() && file.getName().contains(".")) break;
      File f = suffix.isEmpty() ? file : new File(file.getPath() + suffix);
      if (f.exists()) {
        check(f.toPath(), f.getPath());
        any = true;
      }
    }
    return any;
  }

  private static Refused missing(String include, File file) {
    return new Refused(null, 0, include + ": no such file" + (file == null ? "" : " (" + file.getPath() + ")")
        + "; an include is relative to the including file's folder");
  }

  /** {@code what} as a URL when it is one (HOCON's heuristic include tries that first), else null. */
  private static URL urlOf(String what) {
    try {
      return new URL(what);
    } catch (MalformedURLException e) {
      return null;
    }
  }
}
