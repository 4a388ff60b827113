#!/usr/bin/env bash
# Benchmark: one large run in parallel. The same experiment with 1 partition and with P partitions on
# THREADS threads, alternating, REPEAT pairs; prints per run the job's wall seconds (results.json
# `wall.seconds`: model build, simulation and results, what a user waits for per run) and the
# simulation's (`wall.simulation_seconds`: the engine, from building the partitions' entities to their
# reports), the whole process's wall and CPU seconds (GNU time, user + sys), the barrier wait share and
# the load average, then the medians and the speed-ups (1 partition / P: ratio of the medians, and the
# median of the per-pair ratios) of both. Every run must give the same results.json outside `engine`
# and `wall`; the script checks it.
# Each run is traced (-Dcnemu.trace=true, engine statistics only): it also prints the JVM's CPU during the
# simulation by thread kind (the JIT compilers, VM+GC, the engine's partitions) and, with P partitions, the
# windows' critical path: how far the windows would let P partitions go on free cores, and their balance
# (per-window CPU spread, events, time off CPU, what made long waits long). On 2 cores the JIT
# of a cold JVM competes with the second partition (docs/benchmarks.md).
# WARM=N: each run is N repetitions of the experiment in one JVM (--jobs 1); the simulation seconds are
# the median of repetitions 2..N (JIT mostly done), the CPU and trace figures those of the whole JVM.
# Each traced run also prints where a job's seconds went (TRACE job: model build, simulation, results).
#   bench/partitions.sh                                   # star-1000, 1 vs 2 partitions, 3 pairs
#   REPEAT=5 P=4 THREADS=2 FILE=experiments/bench/star-64.conf bench/partitions.sh
#   WARM=4 bench/partitions.sh                            # steady state: 1 vs 2 partitions once warm
#   CNEMU=../base/bin/cnemu WORK=/tmp/partitions-base bench/partitions.sh   # another build, this script
#   MAX_LOAD=1.5 WARM=3 REPEAT=3 bench/partitions.sh      # each pair waits for a 1-minute load average <= 1.5
# On a shared machine a pair measured while others work says nothing: MAX_LOAD=X makes each pair wait (up to
# LOAD_WAIT seconds, default 600) until the 1-minute load average is at most X, and marks a pair that
# started above it or ended above twice it ("loaded"); the medians are then given over the unmarked pairs too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILE="${FILE:-experiments/bench/star-1000.conf}"
REPEAT="${REPEAT:-3}"
P="${P:-2}"
THREADS="${THREADS:-2}"
WARM="${WARM:-1}"
WORK="${WORK:-/tmp/cnemu-partitions-bench}"
MAX_LOAD="${MAX_LOAD:-}"
LOAD_WAIT="${LOAD_WAIT:-600}"
CNEMU="${CNEMU:-bin/cnemu}"               # the build to measure (another tree's bin/cnemu for an A/B)
export CNEMU_NO_DAEMON=1
rm -rf "$WORK"; mkdir -p "$WORK"
"$CNEMU" --version >/dev/null   # build outside the measurements

field() { sed -n "s/.*\"$2\" *: *\([0-9.]*\).*/\1/p" "$1" | head -1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
body() { sed -e '/"engine"/,/}/d' -e '/"wall"/,/}/d' "$1"; }

load1() { cut -d' ' -f1 /proc/loadavg; }
above() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a > b)}'; }
for i in $(seq 1 "$REPEAT"); do
  loaded=0
  if [ -n "$MAX_LOAD" ]; then
    waited=0
    while above "$(load1)" "$MAX_LOAD" && [ "$waited" -lt "$LOAD_WAIT" ]; do sleep 5; waited=$((waited + 5)); done
    if above "$(load1)" "$MAX_LOAD"; then loaded=1; fi
  fi
  for p in 1 "$P"; do
    out="$WORK/r$i-p$p"
    JAVA_OPTS="${JAVA_OPTS:-} -Dcnemu.trace=true" /usr/bin/time -f "%e %U %S" -o "$out.time" \
      "$CNEMU" run "$FILE" --partitions "$p" --threads "$THREADS" --set experiment.runs="$WARM" --jobs 1 \
      --no-report --quiet --out "$out" >/dev/null 2>"$out.trace"
    read -r wall user sys < "$out.time"
    if [ "$WARM" -gt 1 ]; then
      res="$out/run-0/results.json"
      job=$(for r in $(seq 1 $((WARM - 1))); do field "$out/run-$r/results.json" seconds; done | median)
      sim=$(for r in $(seq 1 $((WARM - 1))); do field "$out/run-$r/results.json" simulation_seconds; done | median)
    else
      res="$out/results.json"
      job=$(field "$res" seconds)
      sim=$(field "$res" simulation_seconds)
    fi
    share=$(field "$res" barrier_wait_share)
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
    printf 'pair %d  partitions %d  job %6.2f s  simulation %6.2f s  process %6.2f s wall %6.2f s CPU  barrier wait %s  load %s\n' \
      "$i" "$p" "$job" "$sim" "$wall" "$cpu" "$share" "$(cut -d' ' -f1-3 /proc/loadavg)"
    grep -h 'TRACE balance\|TRACE jvm CPU during the run\|TRACE windows\|TRACE job\|TRACE actor system' "$out.trace" | tail -5 | sed 's/^/    /'
    # per run: whether the young generation was collected before it, and whether one fell inside its windows
    grep -h 'TRACE eden\|TRACE jvm CPU during the run' "$out.trace" | sed -n 's/.*\(TRACE eden.*\)/\1/p; s/.*\(collections [0-9]*, [0-9.]* s\).*/in the run: \1/p' | sed 's/^/    /'
    echo "$job" >> "$WORK/job-p$p"; echo "$sim" >> "$WORK/sim-p$p"; echo "$cpu" >> "$WORK/cpu-p$p"
    if [ -n "$MAX_LOAD" ] && above "$(load1)" "$(awk -v m="$MAX_LOAD" 'BEGIN {print 2 * m}')"; then loaded=1; fi
    first="$WORK/r1-p1/results.json"; [ "$WARM" -gt 1 ] && first="$WORK/r1-p1/run-0/results.json"
    if ! cmp -s <(body "$first") <(body "$res"); then
      echo "results differ: $first vs $res" >&2; exit 1
    fi
  done
  for k in job sim; do
    a="$(sed -n "${i}p" "$WORK/$k-p1")"; b="$(sed -n "${i}p" "$WORK/$k-p$P")"
    awk -v a="$a" -v b="$b" 'BEGIN {print a / b}' >> "$WORK/ratio-$k"
    if [ "$loaded" = 0 ]; then
      echo "$a" >> "$WORK/$k-p1-calm"; echo "$b" >> "$WORK/$k-p$P-calm"
      awk -v a="$a" -v b="$b" 'BEGIN {print a / b}' >> "$WORK/ratio-$k-calm"
    fi
  done
  [ "$loaded" = 0 ] || echo "pair $i loaded (1-minute load average above $MAX_LOAD at its start or above twice that after a run)"
done
for k in job sim; do
  s1=$(median < "$WORK/$k-p1"); sp=$(median < "$WORK/$k-p$P")
  name=$([ "$k" = job ] && echo "job (what a user waits for)" || echo "simulation")
  printf 'median %s: 1 partition %s s, %s partitions %s s; speed-up %.2fx (ratio of medians), %.2fx (median of the pairs)\n' \
    "$name" "$s1" "$P" "$sp" "$(awk -v a="$s1" -v b="$sp" 'BEGIN {print a / b}')" "$(median < "$WORK/ratio-$k")"
done
if [ -n "$MAX_LOAD" ]; then
  for k in job sim; do
    [ -s "$WORK/$k-p1-calm" ] || { echo "no pair ran at a load average <= $MAX_LOAD"; break; }
    s1=$(median < "$WORK/$k-p1-calm"); sp=$(median < "$WORK/$k-p$P-calm")
    printf 'median %s over the %d pairs not loaded: 1 partition %s s, %s partitions %s s; speed-up %.2fx (ratio of medians), %.2fx (median of the pairs)\n' \
      "$k" "$(wc -l < "$WORK/$k-p1-calm")" "$s1" "$P" "$sp" "$(awk -v a="$s1" -v b="$sp" 'BEGIN {print a / b}')" "$(median < "$WORK/ratio-$k-calm")"
  done
fi
printf 'median process CPU: 1 partition %s s, %s partitions %s s; results identical\n' \
  "$(median < "$WORK/cpu-p1")" "$P" "$(median < "$WORK/cpu-p$P")"
