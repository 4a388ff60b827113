#!/usr/bin/env bash
# bench/ns3-vs-cnemu.sh: cnemu and ns-3 3.37 side by side on the same star scenario.
#
# N hosts around one central node, 40 Gbps links with 1 us delay, every host sends a saturating UDP
# flow (1472 B payload, 10 Gbps offered) to the next host, 10 ms of virtual time (--ms). For each N the
# script runs ns-3 and cnemu alternately REPEAT times in the same run and reports, per simulator, the
# median of delivered packets per wall second of the whole process (start-up included: what a user
# waits for), and the ratio cnemu / ns-3.
#
#   bench/ns3-vs-cnemu.sh                 # N = 8 and 64, 3 alternating pairs each
#   HOSTS="8" REPEAT=5 bench/ns3-vs-cnemu.sh
#   HOSTS=64 REPEAT=1 bench/ns3-vs-cnemu.sh --ms 100   # steady state: 100 ms of virtual time on both sides
#   DAEMON=1 bench/ns3-vs-cnemu.sh        # triples: ns-3, cnemu in a fresh JVM, cnemu through the daemon
#
# Environment:
#   HOSTS          host counts (default "8 64"); cnemu needs experiments/bench/star-N.conf
#   REPEAT         alternating ns-3/cnemu pairs per N (default 3); medians are reported
#   CNEMU          the cnemu command (default: bin/cnemu of this checkout). The checkout is built once
#                  before timing starts, so no build lands inside a measurement.
#   CNEMU_ARGS     arguments of `cnemu run` after the file (default "--quiet --no-report": results.json
#                  only, no CSV tables, plots or HTML report, as ns-3 prints only its counts; set
#                  CNEMU_ARGS=--quiet to include the report layer's charts)
#   JAVA_OPTS, CNEMU_FAST_START, CNEMU_CDS   passed on to bin/cnemu (CNEMU_FAST_START=1: C1-only JIT,
#                  faster start-up for short runs; see docs/benchmarks.md)
#   DAEMON=1       also time cnemu through a resident daemon (`cnemu daemon start`, docs/cli.md): started
#                  once before the timed runs (private state folder under $WORK), its background JIT
#                  warm-up awaited, one untimed run per N, stopped at the end. Its whole process is the bash client's, as the user waits for
#                  it; its CPU seconds are the client's plus the daemon's (from /proc/<pid>/stat).
#   NS3_BIN        prebuilt ns-3 scenario binary (default: compiled from bench/ns3/star.cc into $WORK)
#   WORK           scratch folder (default /tmp/cnemu-ns3-bench)
#   NO_INSTALL=1   do not apt-get install libns3-dev (fail if it is missing)
set -euo pipefail

# Virtual milliseconds per run (both simulators); cnemu gets it as --set experiment.duration=<MS>ms.
MS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --ms) [ $# -ge 2 ] || { echo "--ms needs a value" >&2; exit 2; }; MS="$2"; shift 2 ;;
    --ms=*) MS="${1#--ms=}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown argument: $1 (only --ms MS)" >&2; exit 2 ;;
  esac
done
[[ "$MS" =~ ^[0-9]+$ ]] && [ "$MS" -gt 0 ] || { echo "--ms: a whole number of milliseconds > 0, not '$MS'" >&2; exit 2; }

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOSTS="${HOSTS:-8 64}"
REPEAT="${REPEAT:-3}"
WORK="${WORK:-/tmp/cnemu-ns3-bench}"
CNEMU="${CNEMU:-$ROOT/bin/cnemu}"
CNEMU_ARGS="${CNEMU_ARGS:---quiet --no-report}"
[ "$MS" = 10 ] || CNEMU_ARGS="$CNEMU_ARGS --set experiment.duration=${MS}ms"
mkdir -p "$WORK"

# ---- ns-3: Debian's libns3-dev (3.37) and the scenario binary
if [ -z "${NS3_BIN:-}" ]; then
  if ! pkg-config --exists ns3-core 2>/dev/null; then
    [ "${NO_INSTALL:-0}" = 1 ] && { echo "libns3-dev is not installed" >&2; exit 1; }
    echo "installing libns3-dev (ns-3 3.37) with apt-get..." >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >&2
    if ! $SUDO apt-get install -y -qq libns3-dev >&2; then
      echo "apt-get install libns3-dev failed; look for the package name with: apt-cache search ns3" >&2
      exit 1
    fi
  fi
  NS3_BIN="$WORK/ns3-star"
  if ! [ -x "$NS3_BIN" ] || [ "$ROOT/bench/ns3/star.cc" -nt "$NS3_BIN" ]; then
    echo "compiling bench/ns3/star.cc..." >&2
    # Link the ns-3 modules directly: Debian's .pc files also name libgsl.so, which only libgsl-dev ships.
    g++ -O2 -std=c++17 "$ROOT/bench/ns3/star.cc" -o "$NS3_BIN" $(pkg-config --cflags ns3-core) \
      -lns3-nix-vector-routing -lns3-applications -lns3-point-to-point -lns3-internet -lns3-network -lns3-core
  fi
fi

# ---- cnemu: build once, outside the measurements
"$CNEMU" --version >/dev/null

SIMS="ns3 cnemu"
if [ "${DAEMON:-0}" = 1 ]; then
  SIMS="ns3 cnemu daemon"
  # A private daemon: never one of the user's, and always stopped, even on failure.
  export CNEMU_DAEMON_DIR="$WORK/daemon"
  trap 'CNEMU_NO_DAEMON=0 "$CNEMU" daemon stop >/dev/null 2>&1 || true' EXIT
  log_lines=0; [ -f "$CNEMU_DAEMON_DIR/daemon.log" ] && log_lines=$(wc -l <"$CNEMU_DAEMON_DIR/daemon.log")
  "$CNEMU" daemon start >&2
  DAEMON_PID="$(sed -n 's/^pid=//p' "$CNEMU_DAEMON_DIR/daemon.state")"
  # its JIT warm-up runs in the background once it serves: not inside the timed runs (of any simulator);
  # it logs one line when done
  for _ in $(seq 1 120); do
    tail -n +"$((log_lines + 1))" "$CNEMU_DAEMON_DIR/daemon.log" | grep " warm-up: " >&2 && break
    sleep 1
  done
  CLK_TCK="$(getconf CLK_TCK)"
fi
# CPU seconds the daemon has used so far (user + sys)
daemon_cpu() { awk -v t="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13) / t }' "/proc/$DAEMON_PID/stat"; }

# Wall clock from bash itself ($EPOCHREALTIME, bash 5), CPU from bash's `times` (the children it has
# reaped, user + sys, ms resolution), both read outside the timed interval: between t0 and t1 runs only the
# command, started and awaited by this shell. No process of the instrument's own inside a measurement (a
# `date`, a /usr/bin/time, or a `$(...)` -- which forks this shell -- costs milliseconds of fork and exit on a
# small VM, which a served command of ~40 ms would carry; docs/benchmarks.md); `times` writes and reads its file
# outside the interval too.
[ -n "${EPOCHREALTIME:-}" ] || { echo "bash 5 or later is needed (\$EPOCHREALTIME)" >&2; exit 1; }

# CPU milliseconds (user + sys) of the reaped children of this shell, in CHILD_MS.
children_ms() {
  local line u s
  times >"$WORK/times.txt"
  { read -r line; read -r u s; } <"$WORK/times.txt"
  CHILD_MS=0
  for line in "$u" "$s"; do # "1m2.345s"
    local m=${line%%m*} sec=${line#*m}
    sec=${sec%s}
    CHILD_MS=$((CHILD_MS + m * 60000 + 10#${sec/./}))
  done
}

# Prints "<delivered packets> <wall seconds> <cpu seconds>" of one ns-3 run.
run_ns3() {
  local n=$1 t0 t1 c0
  children_ms; c0=$CHILD_MS
  t0=$EPOCHREALTIME
  "$NS3_BIN" --hosts="$n" --ms="$MS" >"$WORK/ns3-out.txt"
  t1=$EPOCHREALTIME
  children_ms
  sed -n 's/.*delivered_packets=\([0-9]*\).*/\1/p' "$WORK/ns3-out.txt" | tr '\n' ' '
  echo "$t0 $t1 $((CHILD_MS - c0))" | awk '{printf "%.3f %.2f\n", $2 - $1, $3 / 1000}'
}

# Prints "<delivered packets> <wall seconds> <cpu seconds>" of one cnemu run; $2 = daemon: through the
# daemon (whose CPU is added), else in a fresh JVM (CNEMU_NO_DAEMON=1).
run_cnemu() {
  local n=$1 how=${2:-fresh} t0 t1 c0 d0=0 d1=0 no_daemon=1 dir="$WORK/cnemu-star-$1"
  rm -rf "$dir"
  if [ "$how" = daemon ]; then no_daemon=0; d0=$(daemon_cpu); fi
  children_ms; c0=$CHILD_MS
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086
  CNEMU_NO_DAEMON=$no_daemon "$CNEMU" run "$ROOT/experiments/bench/star-$n.conf" --out "$dir" $CNEMU_ARGS >/dev/null
  t1=$EPOCHREALTIME
  children_ms
  if [ "$how" = daemon ]; then
    d1=$(daemon_cpu)
    grep -q " served run .*star-$n.conf .*exit 0" <(tail -n 1 "$CNEMU_DAEMON_DIR/daemon.log") \
      || { echo "the daemon did not serve the star-$n run (fell back to a fresh JVM?)" >&2; exit 1; }
  fi
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(f["packets_delivered"] for f in d["flows"]), end=" ")' \
    "$dir/results.json"
  echo "$t0 $t1 $((CHILD_MS - c0)) $d0 $d1" | awk '{ printf "%.3f %.2f\n", $2 - $1, $3 / 1000 + $5 - $4 }'
}

median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2 }'; }

echo "# cnemu vs ns-3 3.37, star of N hosts, $MS ms virtual, $REPEAT alternating pairs per N, medians; $(date -u +%FT%TZ), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# cnemu: $CNEMU run ... $CNEMU_ARGS${DAEMON:+ (DAEMON=$DAEMON: fresh JVM and daemon)} ${JAVA_OPTS:+(JAVA_OPTS=$JAVA_OPTS)} ${CNEMU_FAST_START:+(CNEMU_FAST_START=$CNEMU_FAST_START)} ${CNEMU_CDS:+(CNEMU_CDS=$CNEMU_CDS)}"
printf "%-4s %-6s %9s %8s %8s %12s %12s   %s\n" N sim packets wall_s cpu_s pkts/wall_s pkts/cpu_s "runs (packets/wall s/cpu s)"
for n in $HOSTS; do
  for sim in $SIMS; do : >"$WORK/$sim-$n.txt"; done
  # untimed: the daemon's first run of this file (its own warm-up ran a shorter star)
  if [ "${DAEMON:-0}" = 1 ]; then run_cnemu "$n" daemon >/dev/null; fi
  for r in $(seq 1 "$REPEAT"); do
    run_ns3 "$n" >>"$WORK/ns3-$n.txt"
    run_cnemu "$n" >>"$WORK/cnemu-$n.txt"
    if [ "${DAEMON:-0}" = 1 ]; then run_cnemu "$n" daemon >>"$WORK/daemon-$n.txt"; fi
  done
  for sim in $SIMS; do
    f="$WORK/$sim-$n.txt"
    pk=$(awk '{print $1}' "$f" | median)
    w=$(awk '{print $2}' "$f" | median)
    c=$(awk '{print $3}' "$f" | median)
    rate=$(awk '{printf "%.1f\n", $1 / $2}' "$f" | median)
    crate=$(awk '{ if ($3 == "-") print 0; else printf "%.1f\n", $1 / $3}' "$f" | median)
    printf "%-4s %-6s %9s %8s %8s %12s %12s   %s\n" "$n" "$sim" "$pk" "$w" "$c" "$rate" "$crate" \
      "$(awk '{printf "%s/%s/%s ", $1, $2, $3}' "$f")"
    eval "rate_$sim=$rate; crate_$sim=$crate"
  done
  # Ratio of the medians, and the median of the per-pair ratios (each pair ran back to back).
  for sim in $SIMS; do
    [ "$sim" = ns3 ] && continue
    pair=$(paste "$WORK/$sim-$n.txt" "$WORK/ns3-$n.txt" | awk '{printf "%.4f\n", ($1 / $2) / ($4 / $5)}' | median)
    eval "c=\$rate_$sim; cc=\$crate_$sim"
    label="cnemu"; [ "$sim" = daemon ] && label="cnemu through the daemon"
    [ "$sim" = cnemu ] && [ "${DAEMON:-0}" = 1 ] && label="cnemu in a fresh JVM"
    # shellcheck disable=SC2154
    awk -v c="$c" -v s="$rate_ns3" -v cc="$cc" -v cs="$crate_ns3" -v p="$pair" -v n="$n" -v l="$label" 'BEGIN{
      printf "N=%s ratio %s / ns-3, delivered packets per wall second: %.2fx (median of per-pair ratios %.2fx)", n, l, c / s, p
      if (cs > 0) printf "; per CPU second: %.2fx", cc / cs
      printf "\n" }'
  done
done
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
