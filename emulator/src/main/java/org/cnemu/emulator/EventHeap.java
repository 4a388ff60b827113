package org.cnemu.emulator;

import java.util.Arrays;

/** A 4-ary min-heap of events: fewer cache misses than a binary heap, no comparator indirection. */
final class EventHeap {
  private Event[] a = new Event[1024];
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  Event peek() {
    return size == 0 ? null : a[0];
  }

  long peekTime() {
    return size == 0 ? Long.MAX_VALUE : a[0].timeNanos;
  }

  void forEach(java.util.function.Consumer<Event> action) {
    for (int i = 0; i < size; i++) action.accept(a[i]);
  }

  void add(Event e) {
    if (size == a.length) a = Arrays.copyOf(a, size * 2);
    int i = size++;
    while (i > 0) {
      int p = (i - 1) >>> 2;
      Event pe = a[p];
      if (!e.before(pe)) break;
      a[i] = pe;
      i = p;
    }
    a[i] = e;
  }

  Event poll() {
    if (size == 0) return null;
    Event top = a[0];
    Event last = a[--size];
    a[size] = null;
    if (size > 0) siftDown(last);
    return top;
  }

  private void siftDown(Event e) {
    int i = 0;
    int n = size;
    while (true) {
      int c = (i << 2) + 1;
      if (c >= n) break;
      Event best = a[c];
      int bi = c;
      int end = Math.min(c + 4, n);
      for (int j = c + 1; j < end; j++) {
        if (a[j].before(best)) {
          best = a[j];
          bi = j;
        }
      }
      if (!best.before(e)) break;
      a[i] = best;
      i = bi;
    }
    a[i] = e;
  }
}
