#!/usr/bin/env bash
# Benchmark: many runs at once. sweep-16 (16 independent one-partition runs) with `--jobs 1` and with
# `--jobs 2`, alternating, REPEAT pairs, each a whole cold process (JVM start, validation, the 16 jobs,
# the summary), timed from outside; prints per command the wall and CPU seconds (GNU time, user + sys),
# the load average and the JVM's CPU during the jobs by thread kind (-Dcnemu.trace=true: `jit` the C1/C2
# compilers, `vm+gc` the VM thread that runs the serial collector, `other` the jobs and the main thread;
# then the collections and their pause time), then the medians and the ratio `--jobs 2` / `--jobs 1`
# (target: at most 0.6; docs/benchmarks.md, "Many runs at once"). Every command must write the same
# results.json and summary.json outside `wall`; the script checks it.
# JAVA_OPTS reach both sides (they come after bin/cnemu's defaults, so they can undo one to compare).
# DAEMON=1 runs both sides through one private daemon instead (`cnemu daemon`, its own state folder, started
# here with -Dcnemu.trace=true and stopped on exit; one untimed pair first): the JIT is warm, there is no JVM
# start, and the CPU column is the daemon's over each command (from /proc).
#   bench/jobs.sh                                   # 4 s of virtual time per job, 3 pairs
#   REPEAT=5 DURATION=500ms bench/jobs.sh
#   DAEMON=1 REPEAT=5 bench/jobs.sh                 # warm: through a daemon
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILE="${FILE:-experiments/bench/sweep-16.conf}"
REPEAT="${REPEAT:-3}"
DURATION="${DURATION:-4s}"
WORK="${WORK:-/tmp/cnemu-jobs-bench}"
export CNEMU_NO_DAEMON=1
rm -rf "$WORK"; mkdir -p "$WORK"
bin/cnemu --version >/dev/null   # build (and write the CDS archive) outside the measurements

DAEMON="${DAEMON:-0}"
served() { CNEMU_DAEMON_DIR="$WORK/daemon" CNEMU_NO_DAEMON=0 JAVA_OPTS="${JAVA_OPTS:-} -Dcnemu.trace=true" bin/cnemu "$@"; }
if [ "$DAEMON" = 1 ]; then
  mkdir -m 700 "$WORK/daemon"
  trap 'served daemon stop >/dev/null 2>&1 || true' EXIT
  served daemon start >/dev/null
  DAEMON_PID="$(sed -n 's/^pid=//p' "$WORK/daemon/daemon.state")"
  for _ in $(seq 240); do grep -q " warm-up: " "$WORK/daemon/daemon.log" 2>/dev/null && break; sleep 0.5; done
  for j in 1 2; do
    served run "$FILE" --jobs "$j" --set experiment.duration="$DURATION" --no-report --quiet --out "$WORK/warm-j$j" >/dev/null
  done
  [ "$(grep -c " served run .* exit 0" "$WORK/daemon/daemon.log")" -ge 2 ] || { echo "the daemon did not serve the warm-up pair" >&2; exit 1; }
fi
daemon_ticks() { local s f; s=$(cat "/proc/$DAEMON_PID/stat"); s=${s##*) }; read -r -a f <<<"$s"; echo $((f[11] + f[12])); }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
body() { sed -e '/"wall"/,/}/d' "$1"; }

for i in $(seq 1 "$REPEAT"); do
  for j in 1 2; do
    out="$WORK/r$i-j$j"
    if [ "$DAEMON" = 1 ]; then
      lines=$(wc -l <"$WORK/daemon/daemon.log"); d0=$(daemon_ticks); t0=$(date +%s.%N)
      served run "$FILE" --jobs "$j" --set experiment.duration="$DURATION" --no-report --quiet --out "$out" >/dev/null
      t1=$(date +%s.%N); d1=$(daemon_ticks)
      tail -n +"$((lines + 1))" "$WORK/daemon/daemon.log" > "$out.trace"
      grep -q " served run .* exit 0" "$out.trace" || { echo "the daemon did not serve $out" >&2; exit 1; }
      wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
      cpu=$(awk -v a="$d0" -v b="$d1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
    else
      JAVA_OPTS="${JAVA_OPTS:-} -Dcnemu.trace=true" /usr/bin/time -f "%e %U %S" -o "$out.time" \
        bin/cnemu run "$FILE" --jobs "$j" --set experiment.duration="$DURATION" --no-report --quiet --out "$out" \
        >/dev/null 2>"$out.trace"
      read -r wall user sys < "$out.time"
      cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
    fi
    printf 'pair %d  --jobs %d  %6.2f s wall  %6.2f s CPU  load %s\n' "$i" "$j" "$wall" "$cpu" \
      "$(cut -d' ' -f1-3 /proc/loadavg)"
    grep -h 'TRACE jvm CPU during the jobs' "$out.trace" | sed 's/^/    /'
    echo "$wall" >> "$WORK/wall-j$j"; echo "$cpu" >> "$WORK/cpu-j$j"
    (cd "$out" && find . -name '*.json' | sort) > "$out.files"
    cmp -s "$WORK/r1-j1.files" "$out.files" || { echo "different files: $WORK/r1-j1 vs $out" >&2; exit 1; }
    while read -r f; do
      cmp -s <(body "$WORK/r1-j1/$f") <(body "$out/$f") || { echo "results differ: $WORK/r1-j1/$f vs $out/$f" >&2; exit 1; }
    done < "$out.files"
  done
  awk -v a="$(sed -n "${i}p" "$WORK/wall-j2")" -v b="$(sed -n "${i}p" "$WORK/wall-j1")" 'BEGIN {print a / b}' >> "$WORK/ratio"
done
w1=$(median < "$WORK/wall-j1"); w2=$(median < "$WORK/wall-j2")
printf 'median wall: --jobs 1 %s s, --jobs 2 %s s; ratio %.3f (of the medians), %.3f (median of the pairs)\n' \
  "$w1" "$w2" "$(awk -v a="$w2" -v b="$w1" 'BEGIN {print a / b}')" "$(median < "$WORK/ratio")"
printf 'median CPU: --jobs 1 %s s, --jobs 2 %s s; results identical\n' "$(median < "$WORK/cpu-j1")" "$(median < "$WORK/cpu-j2")"
