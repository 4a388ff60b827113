#!/usr/bin/env bash
# bench/scale.sh: the scale figures (docs/benchmarks.md, "Scale and memory").
#   1. 10,000 idle hosts: model build time and retained heap per host (nodes ScaleTest; it asserts
#      <= 32 KiB per host and prints the build time and bytes per host).
#   2. The 1,000-host star (experiments/bench/star-1000.conf, 1 ms virtual) in one JVM with -Xmx4g:
#      wall time, peak RSS, delivered packets and the conservation balance.
# Run from anywhere: bench/scale.sh
set -euo pipefail
ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${WORK:-/tmp/cnemu-scale-bench}"
mkdir -p "$WORK"
CNEMU="${CNEMU:-$ROOT/bin/cnemu}"
"$CNEMU" --version >/dev/null

echo "# 1. 10,000 idle hosts (ScaleTest: used heap after System.gc() before the build and from inside the run)"
(cd "$ROOT" && mvn -B -o -q test -pl nodes -Dtest=ScaleTest -Dsurefire.failIfNoSpecifiedTests=false 2>&1) | grep -E 'scale:|FAIL|ERROR' || true

echo "# 2. 1,000-host star, 1 ms virtual, one JVM, -Xmx4g"
rm -rf "$WORK/star-1000"
t0=$(date +%s.%N)
JAVA_OPTS="-Xmx4g ${JAVA_OPTS:-}" /usr/bin/time -f "%M" -o "$WORK/rss.txt" \
  "$CNEMU" run "$ROOT/experiments/bench/star-1000.conf" --out "$WORK/star-1000" --quiet --no-report >/dev/null
t1=$(date +%s.%N)
python3 - "$WORK/star-1000/results.json" "$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')" "$(cat "$WORK/rss.txt")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
delivered = sum(f["packets_delivered"] for f in d["flows"])
c = d["conservation"]
print(f"star-1000: {len(d['flows'])} flows, {d['engine']['events']} events, {delivered} packets delivered,"
      f" wall {sys.argv[2]} s (whole process), peak RSS {int(sys.argv[3]) / 1024:.0f} MiB,"
      f" conservation balanced={c['balanced']} (sent {c['sent']}, delivered {c['delivered']}, in flight {c['in_flight']})")
PY
