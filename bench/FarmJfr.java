// Execution samples and compilations of one JFR recording inside the windows bench/farm-threads.sh wrote (JFR=1):
//   java bench/FarmJfr.java WORK/seed.jfr farm WORK/windows [stack depth]
// prints samples by thread, by top frame (and the first cnemu frame), by stack, and compilations by package and method.
import java.nio.file.*;
import java.util.*;
import jdk.jfr.consumer.*;

/** Execution samples of one JFR recording inside the windows given as "kind start|end epochNanos" lines. */
public class FarmJfr {
  public static void main(String[] a) throws Exception {
    Path rec = Path.of(a[0]);
    String kind = a[1];
    List<long[]> win = new ArrayList<>();
    long s = -1;
    for (String l : Files.readAllLines(Path.of(a[2]))) {
      String[] p = l.split(" ");
      if (!p[0].equals(kind)) continue;
      if (p[1].equals("start")) s = Long.parseLong(p[2]); else win.add(new long[] {s, Long.parseLong(p[2])});
    }
    int depth = a.length > 3 ? Integer.parseInt(a[3]) : 1;
    Map<String, Integer> byThread = new HashMap<>(), byFrame = new HashMap<>(), byStack = new HashMap<>();
    Map<String, Integer> other = new TreeMap<>(), comp = new HashMap<>(), compPkg = new HashMap<>();
    int n = 0;
    try (RecordingFile f = new RecordingFile(rec)) {
      while (f.hasMoreEvents()) {
        RecordedEvent e = f.readEvent();
        String t = e.getEventType().getName();
        java.time.Instant i = e.getStartTime();
        long ns = i.getEpochSecond() * 1_000_000_000L + i.getNano();
        boolean in = false;
        for (long[] w : win) if (ns >= w[0] && ns <= w[1]) in = true;
        if (!in) continue;
        if (t.equals("jdk.Compilation")) {
          jdk.jfr.consumer.RecordedMethod m = e.getValue("method");
          String mn = m.getType().getName() + "." + m.getName() + " tier " + e.getValue("compileLevel");
          long us = e.getDuration().toNanos() / 1000;
          comp.merge(mn.replaceAll("\\$\\$Lambda\\$[0-9/x]+", "\\$\\$Lambda"), (int) us, Integer::sum);
          compPkg.merge(pkg(m.getType().getName()) + " tier " + e.getValue("compileLevel"), (int) us, Integer::sum);
        }
        if (!t.equals("jdk.ExecutionSample")) { other.merge(t, 1, Integer::sum); continue; }
        n++;
        RecordedThread th = e.getThread("sampledThread");
        String tn = th == null ? "?" : th.getJavaName();
        if (tn != null) tn = tn.replaceAll("[0-9]+", "#");
        byThread.merge(tn, 1, Integer::sum);
        RecordedStackTrace st = e.getStackTrace();
        if (st == null) continue;
        List<RecordedFrame> fr = st.getFrames();
        if (fr.isEmpty()) continue;
        String top = name(fr.get(0));
        byFrame.merge(top, 1, Integer::sum);
        StringBuilder sb = new StringBuilder(tn);
        for (int k = 0; k < Math.min(depth, fr.size()); k++) sb.append(" <- ").append(name(fr.get(k)));
        byStack.merge(sb.toString(), 1, Integer::sum);
        // first frame in cnemu code
        for (RecordedFrame x : fr) {
          String nm = name(x);
          if (nm.startsWith("org.cnemu")) { byFrame.merge("[cnemu] " + nm, 1, Integer::sum); break; }
        }
      }
    }
    System.out.println(rec + ": " + n + " execution samples in the " + kind + " windows");
    print("by thread", byThread, 15);
    print("by top frame", byFrame, 30);
    print("by stack (" + depth + ")", byStack, 25);
    print("compilations by package, us", compPkg, 15);
    print("compilations, us", comp, 20);
    System.out.println("other events: " + other);
  }

  static String pkg(String cls) {
    String[] p = cls.split("\\.");
    return p.length > 3 ? p[0] + "." + p[1] + "." + p[2] : cls;
  }

  static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  static void print(String title, Map<String, Integer> m, int top) {
    System.out.println("-- " + title);
    m.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(top)
        .forEach(e -> System.out.printf("%6d  %s%n", e.getValue(), e.getKey()));
  }
}
