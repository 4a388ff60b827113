#!/usr/bin/env bash
# Farmed plans on this machine: plans of one-partition jobs run locally with --jobs 2, and farmed to a
# long-lived `cnemu cluster seed` + `worker` (TLS with a key made for the benchmark; the run JVM only
# coordinates), alternating, REPEAT rounds, for two cases: many short jobs (48 PHOLD jobs of ~4 ms of
# simulation) and a few long ones (12 PHOLD jobs of ~0.5-1 s). For each round it prints each command's
# wall time (JVM start, the driver's actor system and its stop included) and the ratio farmed / local; from
# -Dcnemu.trace=true (driver and nodes) the per-job overhead of farming (each job's round trip at the
# driver, dispatch to result in hand, minus the run's own wall time on the node: dispatch, the node's
# check of the job, results.json text, deflate, transfer, and any wait for a slot when prefetched),
# how long the nodes spent checking jobs, and the fixed cost of a farmed command (its wall time outside
# first dispatch .. last result: JVM start, the driver's actor system, asking the seed for the workers, stopping) with its phases.
# The farmed command says --cluster-mode jobs (as a lab script would: the mode is known), which also
# lets bin/cnemu start its JVM with C1 only (it only coordinates); MODE=auto leaves the mode to the plan.
# Every farmed folder must equal the local one outside wall; the script checks it. The load average is
# printed with the numbers: this machine is shared.
#   bench/farm.sh                       # both cases, 3 rounds each, 2+2 job slots
#   CASES=short SLOTS=1 REPEAT=5 bench/farm.sh
#   SHORT_DURATION=1ms LONG_DURATION=100ms bench/farm.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPEAT="${REPEAT:-3}"
SLOTS="${SLOTS:-0}"                      # job slots per node (0: one per processor)
CASES="${CASES:-short long}"
MODE="${MODE:-jobs}"                     # jobs, or auto (no --cluster-mode)
SHORT_DURATION="${SHORT_DURATION:-300us}" # x 16 runs x 3 points = 48 jobs
LONG_DURATION="${LONG_DURATION:-50ms}"    # x 4 runs x 3 points = 12 jobs
PORT="${PORT:-25899}"
WORK="${WORK:-/tmp/cnemu-farm-bench}"
export CNEMU_NO_DAEMON=1
rm -rf "$WORK"; mkdir -p "$WORK"
bin/cnemu --version >/dev/null   # build outside the measurements
plan() { # name duration runs
  cat > "$WORK/$1.conf" <<CONF
experiment {
  name = farm$1, seed = 3, runs = $3, duration = $2, model = phold
  phold { lps = 16, population = 2 }
  sweep { phold.lps = [8, 16, 24] }
}
CONF
}
plan short "$SHORT_DURATION" 16
plan long "$LONG_DURATION" 4
bin/cnemu cluster init --cluster-key "$WORK/key" >/dev/null
JAVA_OPTS="-Dcnemu.trace=true" bin/cnemu cluster seed --bind "127.0.0.1:$PORT" --threads 1 --job-slots "$SLOTS" \
  --cluster-key "$WORK/key" > "$WORK/seed.log" 2>&1 &
SEED=$!
trap 'kill $SEED ${WORKER:-} 2>/dev/null || true' EXIT
for _ in $(seq 120); do grep -q "listening at" "$WORK/seed.log" 2>/dev/null && break; sleep 0.5; done
JAVA_OPTS="-Dcnemu.trace=true" bin/cnemu cluster worker --seed "127.0.0.1:$PORT" --threads 1 --job-slots "$SLOTS" \
  --cluster-key "$WORK/key" > "$WORK/worker.log" 2>&1 &
WORKER=$!
for _ in $(seq 120); do grep -q "member up" "$WORK/worker.log" 2>/dev/null && break; sleep 0.5; done
MODE_ARGS=(); [ "$MODE" = auto ] || MODE_ARGS=(--cluster-mode "$MODE")
NODE_SLOTS=$SLOTS; [ "$NODE_SLOTS" -gt 0 ] || NODE_SLOTS=$(nproc)
TOTAL_SLOTS=$((2 * NODE_SLOTS))
strip_wall() { sed -n '/"wall"/q;p' "$1"; }
node_checks() { cat "$WORK/seed.log" "$WORK/worker.log" | grep -c "TRACE farm node check" || true; }
# one untimed farmed plan: the nodes' JIT warms up as it does in a lab where they run for days
bin/cnemu run "$WORK/short.conf" --cluster "127.0.0.1:$PORT" --nodes 2 --cluster-key "$WORK/key" \
  --out "$WORK/warm" --no-report -q >/dev/null
for c in $CASES; do
  echo "case $c: $(grep -o 'runs = [0-9]*, duration = [0-9a-z]*' "$WORK/$c.conf") x 3 points"
  for r in $(seq "$REPEAT"); do
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$WORK/$c-local-cpu-$r" \
      bin/cnemu run "$WORK/$c.conf" --jobs 2 --out "$WORK/$c-local-$r" --no-report -q >/dev/null
    t1=$(date +%s.%N)
    cat "$WORK/seed.log" "$WORK/worker.log" | grep "TRACE farm node check" > "$WORK/checks-before" || true
    /usr/bin/time -f '%U %S' -o "$WORK/$c-farm-cpu-$r" env JAVA_OPTS="-Dcnemu.trace=true" \
      bin/cnemu run "$WORK/$c.conf" --cluster "127.0.0.1:$PORT" --nodes 2 ${MODE_ARGS[@]+"${MODE_ARGS[@]}"} \
      --cluster-key "$WORK/key" --out "$WORK/$c-farm-$r" --no-report -q >/dev/null 2>"$WORK/$c-trace-$r"
    t2=$(date +%s.%N)
    for f in $(cd "$WORK/$c-local-$r" && find . -name '*.json'); do
      cmp -s <(strip_wall "$WORK/$c-local-$r/$f") <(strip_wall "$WORK/$c-farm-$r/$f") \
        || { echo "DIFFERENT: $c $f" >&2; exit 1; }
    done
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v r="$r" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
      -v lcpu="$(awk '{ print $1 + $2 }' "$WORK/$c-local-cpu-$r")" -v fcpu="$(awk '{ print $1 + $2 }' "$WORK/$c-farm-cpu-$r")" \
      'BEGIN { printf "  round %d: local --jobs 2 %.2f s, farmed %.2f s, ratio %.2f (load average %s); CPU of the command: local %.2f s, farmed (driver only) %.2f s\n", r, b-a, c-b, (c-b)/(b-a), load, lcpu, fcpu }'
    # per job (means): round trip at the driver = dispatch (+ any wait in the node's prefetch queue) up to
    # the node's "started", then the run, then the result back; slot time lost = the slots' time over the
    # jobs phase (first dispatch .. last result) not spent running a job, per job (tail included)
    awk -v slots="$TOTAL_SLOTS" '/^TRACE farm job/ { rt += $7; run += $10; st += $16; n++ }
      /^TRACE farm (first dispatch|last result)/ { t[$4] = $NF }
      END { phase = (t["result"] - t["dispatch"]) * 1e3
        printf "    %d jobs: round trip %.1f ms = started %.1f ms after dispatch + run on the node %.1f ms + result back %.1f ms;\n", n, rt/n, st/n, run/n, (rt-st-run)/n
        printf "    slot time lost per job %.1f ms (%d slots x %.2f s of jobs phase - the runs, / jobs)\n", (slots*phase - run)/n, slots, phase/1e3 }' "$WORK/$c-trace-$r"
    cat "$WORK/seed.log" "$WORK/worker.log" | grep "TRACE farm node check" | grep -vxF -f "$WORK/checks-before" \
      | awk '{ ck += $5; n++ } END { if (n) printf "    nodes: checking a job took %.2f ms (mean of %d, validation cached per experiment text)\n", ck/n, n }' || true
    awk -v wall="$(awk -v b="$t1" -v c="$t2" 'BEGIN { print c-b }')" '/^TRACE farm [a-z ]+ [0-9.]+$/ {
        w = $NF; $1 = ""; $2 = ""; $NF = ""; gsub(/^ +| +$/, ""); t[$0] = w }
      END { jobs = t["last result"] - t["first dispatch"]
        printf "    fixed cost %.2f s (wall %.2f s - jobs %.2f s): JVM start to driver start %.2f s, actor system %.2f s, workers listed %.2f s, first ready %.2f s, first job out %.2f s, stop %.2f s\n",
          wall - jobs, wall, jobs, t["start"], t["system started"] - t["start"], t["workers listed"] - t["system started"],
          t["first node ready"] - t["workers listed"], t["first dispatch"] - t["first node ready"], t["stopped"] - t["close"] }' "$WORK/$c-trace-$r"
  done
done
