#!/usr/bin/env bash
# Issue 6 benchmark: the 64-host star in one JVM vs two JVMs (a `cnemu cluster seed` + the driver, which
# hosts partitions too) on this machine, same partitioning (2 partitions), alternating, medians of REPEAT.
# Prints wall seconds, events per wall second, the ratio 2 JVMs / 1 JVM, cross-node windows per virtual
# millisecond and the barrier wait share (from results.json). Both runs must give the same results.json
# outside `wall`; the script checks it.
#   bench/cluster.sh                 # experiments/bench/star-64.conf, 3 pairs
#   FILE=experiments/cluster/star-4.conf REPEAT=5 bench/cluster.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILE="${FILE:-experiments/bench/star-64.conf}"
REPEAT="${REPEAT:-3}"
PARTITIONS="${PARTITIONS:-2}"
PORT="${PORT:-25799}"
WORK="${WORK:-/tmp/cnemu-cluster-bench}"
mkdir -p "$WORK"
bin/cnemu --version >/dev/null   # build outside the measurements

bin/cnemu cluster seed --bind "127.0.0.1:$PORT" --threads 1 > "$WORK/seed.log" 2>&1 &
SEED=$!
trap 'kill $SEED 2>/dev/null || true' EXIT
for _ in $(seq 60); do grep -q "listening at" "$WORK/seed.log" 2>/dev/null && break; sleep 0.5; done

field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
one=(); two=()
for i in $(seq "$REPEAT"); do
  bin/cnemu run "$FILE" --partitions "$PARTITIONS" --threads 1 --out "$WORK/one-$i" --quiet --no-report >/dev/null
  bin/cnemu run "$FILE" --partitions "$PARTITIONS" --threads 1 --out "$WORK/two-$i" --quiet --no-report \
    --cluster "127.0.0.1:$PORT" --nodes 2 >/dev/null
  python3 - "$WORK/one-$i/results.json" "$WORK/two-$i/results.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("wall"); b.pop("wall")
if a != b:
    sys.exit("results differ between one and two JVMs")
PY
  one+=("$(field "$WORK/one-$i/results.json" "d['wall']['seconds']")")
  two+=("$(field "$WORK/two-$i/results.json" "d['wall']['seconds']")")
  echo "pair $i: one JVM ${one[-1]} s, two JVMs ${two[-1]} s"
done
python3 - "$WORK" "$REPEAT" "${one[@]}" "${two[@]}" <<'PY'
import json, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
one = [float(x) for x in sys.argv[3:3 + n]]
two = [float(x) for x in sys.argv[3 + n:3 + 2 * n]]
r1 = json.load(open(f"{work}/one-1/results.json")); r2 = json.load(open(f"{work}/two-1/results.json"))
events = r1["engine"]["events"]; windows = r1["engine"]["windows"]; vms = r1["virtual_end_ns"] / 1e6
m1, m2 = statistics.median(one), statistics.median(two)
print(f"events {events:,}, windows {windows:,} ({windows / vms:.0f} per virtual ms), virtual {vms} ms")
print(f"one JVM : median {m1:.2f} s wall, {events / m1:,.0f} events/s, barrier wait share {r1['wall']['barrier_wait_share']}")
print(f"two JVMs: median {m2:.2f} s wall, {events / m2:,.0f} events/s, barrier wait share {r2['wall']['barrier_wait_share']}")
print(f"ratio two/one (events per wall second): {m1 / m2:.2f}x")
PY
