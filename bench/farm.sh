#!/usr/bin/env bash
# Farmed plans on this machine: a plan of many short one-partition jobs run locally with --jobs 2, and
# farmed to a long-lived `cnemu cluster seed` + `worker` (TLS with a key made for the benchmark; the run
# JVM only coordinates), alternating, REPEAT rounds. Prints each command's wall time (JVM start, cluster
# join and leave included), the ratio farmed / local, and from -Dcnemu.trace=true the per-job overhead of
# farming: each job's round trip at the driver (dispatch to result written back) minus the run's own
# wall time on the node (so: dispatch, checking the job on the node, results.json text, deflate, transfer).
# Every farmed folder must equal the local one outside wall; the script checks it. The load average is
# printed with the numbers: this machine is shared.
#   bench/farm.sh                       # 48 jobs of PHOLD, 300 us virtual each, 3 rounds, 2+2 job slots
#   SLOTS=1 JOBS_PER_POINT=16 REPEAT=5 bench/farm.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPEAT="${REPEAT:-3}"
SLOTS="${SLOTS:-0}"                # job slots per node (0: one per processor)
JOBS_PER_POINT="${JOBS_PER_POINT:-16}"
DURATION="${DURATION:-300us}"
PORT="${PORT:-25899}"
WORK="${WORK:-/tmp/cnemu-farm-bench}"
export CNEMU_NO_DAEMON=1
rm -rf "$WORK"; mkdir -p "$WORK"
bin/cnemu --version >/dev/null   # build outside the measurements
cat > "$WORK/plan.conf" <<CONF
experiment {
  name = farmbench, seed = 3, runs = $JOBS_PER_POINT, duration = $DURATION, model = phold
  phold { lps = 16, population = 2 }
  sweep { phold.lps = [8, 16, 24] }
}
CONF
bin/cnemu cluster init --cluster-key "$WORK/key" >/dev/null
bin/cnemu cluster seed --bind "127.0.0.1:$PORT" --threads 1 --job-slots "$SLOTS" --cluster-key "$WORK/key" \
  > "$WORK/seed.log" 2>&1 &
SEED=$!
trap 'kill $SEED ${WORKER:-} 2>/dev/null || true' EXIT
for _ in $(seq 120); do grep -q "listening at" "$WORK/seed.log" 2>/dev/null && break; sleep 0.5; done
bin/cnemu cluster worker --seed "127.0.0.1:$PORT" --threads 1 --job-slots "$SLOTS" --cluster-key "$WORK/key" \
  > "$WORK/worker.log" 2>&1 &
WORKER=$!
for _ in $(seq 120); do grep -q "member up" "$WORK/worker.log" 2>/dev/null && break; sleep 0.5; done
strip_wall() { sed -n '/"wall"/q;p' "$1"; }
# one untimed farmed plan: the nodes' JIT warms up as it does in a lab where they run for days
bin/cnemu run "$WORK/plan.conf" --cluster "127.0.0.1:$PORT" --nodes 2 --cluster-key "$WORK/key" --out "$WORK/warm" \
  --no-report -q >/dev/null
for r in $(seq "$REPEAT"); do
  t0=$(date +%s.%N)
  bin/cnemu run "$WORK/plan.conf" --jobs 2 --out "$WORK/local-$r" --no-report -q >/dev/null
  t1=$(date +%s.%N)
  JAVA_OPTS="-Dcnemu.trace=true" bin/cnemu run "$WORK/plan.conf" --cluster "127.0.0.1:$PORT" --nodes 2 \
    --cluster-key "$WORK/key" --out "$WORK/farm-$r" --no-report -q >/dev/null 2>"$WORK/trace-$r"
  t2=$(date +%s.%N)
  for f in $(cd "$WORK/local-$r" && find . -name '*.json'); do
    cmp -s <(strip_wall "$WORK/local-$r/$f") <(strip_wall "$WORK/farm-$r/$f") || { echo "DIFFERENT: $f" >&2; exit 1; }
  done
  awk -v a="$t0" -v b="$t1" -v c="$t2" -v r="$r" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    'BEGIN { printf "round %d: local --jobs 2 %.2f s, farmed %.2f s, ratio %.2f (load average %s)\n", r, b-a, c-b, (c-b)/(b-a), load }'
  grep "TRACE farm job" "$WORK/trace-$r" | awk '{ rt += $7; run += $10; n++ } END {
    printf "  %d jobs: round trip %.1f ms, run on the node %.1f ms, overhead %.1f ms per job (means)\n", n, rt/n, run/n, (rt-run)/n }'
done
