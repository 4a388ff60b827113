#!/usr/bin/env bash
# Where a warm farmed job's CPU goes, by JVM and thread: a seed and a worker (TLS, one slot each on 2 cores) and a
# private daemon (`daemon serve`, the farming driver), WARM untimed pairs of a farmed and a local plan of
# bench/farm.sh's short case (48 PHOLD jobs of 300 us), then ROUNDS rounds of K farmed plans and K local plans
# (`--jobs 2`, served), alternating. Each block reads every thread's user + system ticks of the three JVMs from
# /proc/PID/task/*/stat before and after (summed by thread name, digits folded to #; CPU of threads that ended in
# between is the process total less its live threads': "(ended threads)"). It prints, per JVM and thread name,
# the ms of CPU per job in the farmed blocks and in the local ones (all blocks summed), and their difference:
# the local blocks stand for what the three JVMs spend anyway (the nodes idle, the daemon running the local plan).
#   bench/farm-threads.sh                         # WARM=150 ROUNDS=3 K=20
#   JFR=1 bench/farm-threads.sh                   # also a JFR recording of each JVM (profile settings, started
#                                                 # with the JVM), cut to the farmed blocks by bench/FarmJfr.java (java bench/FarmJfr.java WORK/seed.jfr farm WORK/windows)
#   CNEMU=../base/bin/cnemu WORK=/tmp/ft-base bench/farm-threads.sh   # another build
# With RT=1 the three JVMs run at SCHED_RR 10 (chrt; root), a stand-in for an idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WARM="${WARM:-150}"
ROUNDS="${ROUNDS:-3}"
K="${K:-20}"
PORT="${PORT:-25897}"
CNEMU="${CNEMU:-bin/cnemu}"
WORK="${WORK:-/tmp/cnemu-farm-threads}"
JFR="${JFR:-0}"
RT="${RT:-0}"
export CNEMU_NO_DAEMON=1
rm -rf "$WORK"; mkdir -p "$WORK"
"$CNEMU" --version >/dev/null
cat > "$WORK/short.conf" <<CONF
experiment {
  name = farmshort, seed = 3, runs = 16, duration = 300us, model = phold
  phold { lps = 16, population = 2 }
  sweep { phold.lps = [8, 16, 24] }
}
CONF
EXTRA_OPTS="${EXTRA_OPTS:-}"           # more JVM options for all three JVMs (e.g. -D settings to try)
jfr_opts() { echo "$EXTRA_OPTS $([ "$JFR" = 1 ] && echo "-XX:StartFlightRecording=filename=$WORK/$1.jfr,settings=profile,dumponexit=true" || true)"; }
PRE=(); [ "$RT" = 1 ] && PRE=(chrt -r 10)
"$CNEMU" cluster init --cluster-key "$WORK/key" >/dev/null
JAVA_OPTS="$(jfr_opts seed)" "${PRE[@]}" "$CNEMU" cluster seed --bind "127.0.0.1:$PORT" --threads 1 --job-slots 0 \
  --cluster-key "$WORK/key" > "$WORK/seed.log" 2>&1 &
SEED=$!
served() { CNEMU_DAEMON_DIR="$WORK/daemon" CNEMU_NO_DAEMON=0 JAVA_OPTS="$(jfr_opts daemon)" "$CNEMU" "$@"; }
trap 'kill $SEED ${WORKER:-} 2>/dev/null || true; [ -z "${DAEMON_PID:-}" ] || served daemon stop >/dev/null 2>&1 || true' EXIT
for _ in $(seq 120); do grep -q "listening at" "$WORK/seed.log" 2>/dev/null && break; sleep 0.5; done
JAVA_OPTS="$(jfr_opts worker)" "${PRE[@]}" "$CNEMU" cluster worker --seed "127.0.0.1:$PORT" --threads 1 --job-slots 0 \
  --cluster-key "$WORK/key" > "$WORK/worker.log" 2>&1 &
WORKER=$!
for _ in $(seq 120); do grep -q "member up" "$WORK/worker.log" 2>/dev/null && break; sleep 0.5; done
mkdir -m 700 "$WORK/daemon"
"${PRE[@]}" env CNEMU_DAEMON_DIR="$WORK/daemon" CNEMU_NO_DAEMON=0 JAVA_OPTS="$(jfr_opts daemon)" "$CNEMU" daemon serve \
  >"$WORK/daemon/daemon.log" 2>&1 &
for _ in $(seq 240); do [ -s "$WORK/daemon/daemon.state" ] && break; sleep 0.5; done
DAEMON_PID="$(sed -n 's/^pid=//p' "$WORK/daemon/daemon.state")"
for _ in $(seq 240); do grep -q " warm-up: " "$WORK/daemon/daemon.log" 2>/dev/null && break; sleep 0.5; done
# the java processes (bin/cnemu execs java, so the pids are the JVMs')
SEEDJ=$SEED; WORKERJ=$WORKER
farmed() { served run "$WORK/short.conf" --cluster "127.0.0.1:$PORT" --nodes 2 --cluster-mode jobs \
  --cluster-key "$WORK/key" --out "$WORK/out-farm" --no-report -q >/dev/null; }
local_() { served run "$WORK/short.conf" --jobs 2 --out "$WORK/out-local" --no-report -q >/dev/null; }
for _ in $(seq "$WARM"); do farmed; local_; done
# snapshot: "jvm thread ticks" lines, plus "jvm (process) ticks"
snap() {
  local name pid
  for name in seed worker daemon; do
    case $name in seed) pid=$SEEDJ ;; worker) pid=$WORKERJ ;; daemon) pid=$DAEMON_PID ;; esac
    awk -v j="$name" '{ s = $0; i = index(s, "("); k = 0; for (p = length(s); p > 0; p--) if (substr(s, p, 1) == ")") { k = p; break }
        c = substr(s, i + 1, k - i - 1); gsub(/[0-9]+/, "#", c); gsub(/ /, "_", c); split(substr(s, k + 2), f, " ")
        print j, c, f[12] + f[13] }' /proc/"$pid"/task/*/stat 2>/dev/null
    awk -v j="$name" '{ s = $0; k = 0; for (p = length(s); p > 0; p--) if (substr(s, p, 1) == ")") { k = p; break }
        split(substr(s, k + 2), f, " "); print j, "(process)", f[12] + f[13] }' /proc/"$pid"/stat
    # context switches of the live threads (voluntary: a thread that parked or slept; the others: preempted)
    cat /proc/"$pid"/task/*/status 2>/dev/null | awk -v j="$name" '/^voluntary_ctxt/ { v += $2 } /^nonvoluntary_ctxt/ { n += $2 }
        END { print j, "(switches_voluntary)", v; print j, "(switches_preempted)", n }'
  done
}
: > "$WORK/deltas"
block() { # $1 farm|local
  snap > "$WORK/a"; date +%s.%N > "$WORK/t0"
  [ "$JFR" = 1 ] && echo "$1 start $(date +%s%N)" >> "$WORK/windows"
  for _ in $(seq "$K"); do if [ "$1" = farm ]; then farmed; else local_; fi; done
  [ "$JFR" = 1 ] && echo "$1 end $(date +%s%N)" >> "$WORK/windows"
  snap > "$WORK/b"
  awk -v kind="$1" 'NR == FNR { a[$1 " " $2] += $3; next } { b[$1 " " $2] += $3 }
    END { for (k in b) print kind, k, b[k] - (k in a ? a[k] : 0) }' "$WORK/a" "$WORK/b" >> "$WORK/deltas"
  echo "  $1 x $K: $(awk -v a="$(cat "$WORK/t0")" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f s", b - a }'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
for r in $(seq "$ROUNDS"); do block farm; block local; done
cmp -s <(sed -n '/"wall"/q;p' "$WORK/out-farm/point-001/run-0/results.json") \
  <(sed -n '/"wall"/q;p' "$WORK/out-local/point-001/run-0/results.json") || echo "DIFFERENT results" >&2
JOBS=$((ROUNDS * K * 48)); HZ=$(getconf CLK_TCK)
echo "ms of CPU per job ($JOBS jobs each side): farmed blocks, local blocks, farmed - local"
awk -v jobs="$JOBS" -v hz="$HZ" '{ v[$1 " " $2 " " $3] += $4; keys[$2 " " $3] = 1 }
  END { for (k in keys) { split(k, p, " "); f = v["farm " k] * 1e3 / hz / jobs; l = v["local " k] * 1e3 / hz / jobs
      if ((f > 0.005 || l > 0.005) && p[2] !~ /switches/) printf "%-7s %-28s %7.3f %7.3f %7.3f\n", p[1], p[2], f, l, f - l } }' "$WORK/deltas" | sort -k5,5 -gr > "$WORK/table"
echo "context switches per job (live threads): farmed blocks, local blocks, farmed - local"
awk -v jobs="$JOBS" '$3 ~ /switches/ { v[$1 " " $2 " " $3] += $4; keys[$2 " " $3] = 1 }
  END { for (k in keys) { split(k, p, " "); f = v["farm " k] / jobs; l = v["local " k] / jobs
      printf "%-7s %-28s %7.1f %7.1f %7.1f\n", p[1], p[2], f, l, f - l } }' "$WORK/deltas" | sort
# ended threads: the process total less its live threads
awk -v jobs="$JOBS" -v hz="$HZ" '$3 !~ /switches/ { if ($3 == "(process)") t[$1 " " $2] += $4; else s[$1 " " $2] += $4 }
  END { n = split("seed worker daemon", js, " ")
    for (i = 1; i <= n; i++) { j = js[i]; f = t["farm " j] - s["farm " j]; l = t["local " j] - s["local " j]
      printf "%-7s %-28s %7.3f %7.3f %7.3f\n", j, "(ended_threads)", f * 1e3 / hz / jobs, l * 1e3 / hz / jobs, (f - l) * 1e3 / hz / jobs } }' "$WORK/deltas" >> "$WORK/table"
cat "$WORK/table"
