#!/usr/bin/env bash
# Benchmark: one large run in parallel. The same experiment with 1 partition and with P partitions on
# THREADS dispatcher threads, alternating, REPEAT pairs; prints per run the simulation's wall seconds
# (results.json `wall.seconds`), the whole process's wall and CPU seconds (GNU time, user + sys), the
# barrier wait share and the load average, then the medians and the speed-up (1 partition / P, ratio of
# the median simulation seconds, and the median of the per-pair ratios). Every run must give the same
# results.json outside `engine` and `wall`; the script checks it.
# Each run is traced (-Dcnemu.trace=true, engine statistics only): it also prints the JVM's CPU during the
# simulation by thread kind (the JIT compilers, VM+GC, the engine's partitions) and, with P partitions, the
# windows' critical path: how far the windows would let P partitions go on free cores. On 2 cores the JIT
# of a cold JVM competes with the second partition (docs/benchmarks.md).
# WARM=N: each run is N repetitions of the experiment in one JVM (--jobs 1); the simulation seconds are
# the median of repetitions 2..N (JIT mostly done), the CPU and trace figures those of the whole JVM.
#   bench/partitions.sh                                   # star-1000, 1 vs 2 partitions, 3 pairs
#   REPEAT=5 P=4 THREADS=2 FILE=experiments/bench/star-64.conf bench/partitions.sh
#   WARM=4 bench/partitions.sh                            # steady state: 1 vs 2 partitions once warm
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILE="${FILE:-experiments/bench/star-1000.conf}"
REPEAT="${REPEAT:-3}"
P="${P:-2}"
THREADS="${THREADS:-2}"
WARM="${WARM:-1}"
WORK="${WORK:-/tmp/cnemu-partitions-bench}"
export CNEMU_NO_DAEMON=1
rm -rf "$WORK"; mkdir -p "$WORK"
bin/cnemu --version >/dev/null   # build outside the measurements

field() { sed -n "s/.*\"$2\" *: *\([0-9.]*\).*/\1/p" "$1" | head -1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
body() { sed -e '/"engine"/,/}/d' -e '/"wall"/,/}/d' "$1"; }

for i in $(seq 1 "$REPEAT"); do
  for p in 1 "$P"; do
    out="$WORK/r$i-p$p"
    JAVA_OPTS="${JAVA_OPTS:-} -Dcnemu.trace=true" /usr/bin/time -f "%e %U %S" -o "$out.time" \
      bin/cnemu run "$FILE" --partitions "$p" --threads "$THREADS" --set experiment.runs="$WARM" --jobs 1 \
      --no-report --quiet --out "$out" >/dev/null 2>"$out.trace"
    read -r wall user sys < "$out.time"
    if [ "$WARM" -gt 1 ]; then
      res="$out/run-0/results.json"
      sim=$(for r in $(seq 1 $((WARM - 1))); do field "$out/run-$r/results.json" seconds; done | median)
    else
      res="$out/results.json"
      sim=$(field "$res" seconds)
    fi
    share=$(field "$res" barrier_wait_share)
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
    printf 'pair %d  partitions %d  simulation %6.2f s  process %6.2f s wall %6.2f s CPU  barrier wait %s  load %s\n' \
      "$i" "$p" "$sim" "$wall" "$cpu" "$share" "$(cut -d' ' -f1-3 /proc/loadavg)"
    grep -h 'TRACE jvm\|TRACE windows' "$out.trace" | tail -2 | sed 's/^/    /'
    echo "$sim" >> "$WORK/sim-p$p"; echo "$cpu" >> "$WORK/cpu-p$p"
    first="$WORK/r1-p1/results.json"; [ "$WARM" -gt 1 ] && first="$WORK/r1-p1/run-0/results.json"
    if ! cmp -s <(body "$first") <(body "$res"); then
      echo "results differ: $first vs $res" >&2; exit 1
    fi
  done
  awk -v a="$(sed -n "${i}p" "$WORK/sim-p1")" -v b="$(sed -n "${i}p" "$WORK/sim-p$P")" 'BEGIN {print a / b}' >> "$WORK/ratio"
done
s1=$(median < "$WORK/sim-p1"); sp=$(median < "$WORK/sim-p$P")
printf 'median simulation: 1 partition %s s (CPU %s s), %s partitions %s s (CPU %s s)\n' "$s1" \
  "$(median < "$WORK/cpu-p1")" "$P" "$sp" "$(median < "$WORK/cpu-p$P")"
printf 'speed-up: %.2fx (ratio of medians), %.2fx (median of the pairs); results identical\n' \
  "$(awk -v a="$s1" -v b="$sp" 'BEGIN {print a / b}')" "$(median < "$WORK/ratio")"
