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
# It also prints the nodes' CPU seconds over each farmed command (seed + worker, from /proc), the driver's
# CPU by thread name (compilers, main, the actor system's start, remoting, ...), and, from
# the nodes' trace, each job's time on its job thread (wall and CPU), deflate + send (on the job thread),
# and how much later the node's actor heard of it; and from the nodes' timeline each slot's idle time between jobs, split by whether the
# next job was already queued on the node or the queue was empty (waiting for the driver's round trip);
# and, per job from both sides' clocks (the driver's dispatch and result in hand, the node's receipt, start,
# end), the dispatch and the result's way back in ms: their sum is what farming adds to a job beyond its run.
# Round 0 is the nodes' first plan (cold JIT, fresh arm), timed as such; the rounds after it find them warm.
# ARMS says how the commands run: `fresh`, a fresh JVM per command (local and farmed), and `served`, both
# through one private daemon (`cnemu daemon serve` in this script's session, its own state folder, stopped on exit), as a
# lab user running many sweeps would: the local plan in the daemon's warm JVM, the farmed one with the
# driver's actor system and driver actor the daemon keeps between farmed commands. The daemon runs with -Dcnemu.trace=true unless TRACE=0
# (both served arms alike); its CPU over each served command is read from /proc, and the farm's trace lines
# (phases, per-job figures) from its log.
#   bench/farm.sh                       # both cases, both arms, 3 rounds each, default job slots (the
#                                       # machine's processors, shared by the seed and the worker: 1 + 1 on 2 cores)
#   CASES=short SLOTS=1 REPEAT=5 bench/farm.sh
#   ARMS=served CASES=short REPEAT=6 bench/farm.sh
#   SHORT_DURATION=1ms LONG_DURATION=100ms bench/farm.sh
#   CNEMU=../base/bin/cnemu WORK=/tmp/farm-base bench/farm.sh   # another build, this script
# PLANS=N (served arm): each round runs N local plans, then N farmed ones, and prints their totals (wall
# and CPU), so a plan's fixed CPU is resolved to 10 ms / N per JVM instead of one clock tick per plan;
# CASES=tiny is a plan of 3 jobs (one run per point) of the short length: mostly the plan's own cost.
#   ARMS=served CASES="tiny short" PLANS=20 REPEAT=3 TRACE=0 bench/farm.sh
# The crossover (the farmed / local ratio by job length, plans of one size): CASES="short medium long"
# LONG_RUNS=16 (48 jobs each of ~8, ~40 and ~150 ms on an idle machine), with TRACE=0 (no trace lines,
# no per-job clock reads: what a user runs; walls and CPU only). The served arm first runs WARM_PLANS
# farmed plans (and as many local ones) of the first case untimed, and 2 of each other case: nodes and a
# kept driver that served many plans, as in a lab. 150 by default: the code a node runs once or a few times
# per job reaches C2 only after ~5,000 calls (the JVM's Tier4InvocationThreshold), i.e. after ~100-150 plans
# of 48 jobs on 1 + 1 slots; until then each node's C2 compiles it method by method, 1-3.5 ms of CPU per job
# (docs/benchmarks.md, "The steady state is ~150 plans away"). Each round also prints
# farming's cost per job in CPU (the driver's and the nodes' CPU over the farmed command, less the nodes'
# idle CPU over as long (measured over the local command), less the local command's CPU, per job) and
# in slot time (the wall difference times the machine's two slots, per job).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPEAT="${REPEAT:-3}"
SLOTS="${SLOTS:-0}"                      # job slots per node (0: the default, one per processor shared by the nodes on this machine)
CASES="${CASES:-short long}"
ARMS="${ARMS:-fresh served}"             # fresh (a JVM per command), served (through a private daemon)
TRACE="${TRACE:-1}"                      # 1: -Dcnemu.trace=true in every JVM and the per-job analysis; 0: walls and CPU only
WARM_PLANS="${WARM_PLANS:-150}"          # served arm: untimed farmed (and local) plans of the first case before the rounds (2 of each other)
MODE="${MODE:-jobs}"                     # jobs, or auto (no --cluster-mode)
SHORT_DURATION="${SHORT_DURATION:-300us}" # x 16 runs x 3 points = 48 jobs
MEDIUM_DURATION="${MEDIUM_DURATION:-10ms}" # x 16 runs x 3 points = 48 jobs
LONG_DURATION="${LONG_DURATION:-50ms}"    # x LONG_RUNS runs x 3 points
LONG_RUNS="${LONG_RUNS:-4}"               # 4: 12 jobs; 16: 48, the size of the other cases (the crossover)
PLANS="${PLANS:-1}"                       # served arm: plans of each kind per round (their totals are printed)
PORT="${PORT:-25899}"
CNEMU="${CNEMU:-bin/cnemu}"               # the build to measure (another tree's bin/cnemu for an A/B)
WORK="${WORK:-/tmp/cnemu-farm-bench}"
export CNEMU_NO_DAEMON=1
rm -rf "$WORK"; mkdir -p "$WORK"
"$CNEMU" --version >/dev/null   # build outside the measurements
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
plan tiny "$SHORT_DURATION" 1
plan medium "$MEDIUM_DURATION" 16
plan long "$LONG_DURATION" "$LONG_RUNS"
JOPTS=""; [ "$TRACE" = 0 ] || JOPTS="-Dcnemu.trace=true"
"$CNEMU" cluster init --cluster-key "$WORK/key" >/dev/null
JAVA_OPTS="$JOPTS" "$CNEMU" cluster seed --bind "127.0.0.1:$PORT" --threads 1 --job-slots "$SLOTS" \
  --cluster-key "$WORK/key" > "$WORK/seed.log" 2>&1 &
SEED=$!
trap 'kill $SEED ${WORKER:-} 2>/dev/null || true; [ -z "${DAEMON_PID:-}" ] || CNEMU_DAEMON_DIR="$WORK/daemon" CNEMU_NO_DAEMON=0 JAVA_OPTS="$JOPTS" "$CNEMU" daemon stop >/dev/null 2>&1 || true' EXIT
for _ in $(seq 120); do grep -q "listening at" "$WORK/seed.log" 2>/dev/null && break; sleep 0.5; done
JAVA_OPTS="$JOPTS" "$CNEMU" cluster worker --seed "127.0.0.1:$PORT" --threads 1 --job-slots "$SLOTS" \
  --cluster-key "$WORK/key" > "$WORK/worker.log" 2>&1 &
WORKER=$!
for _ in $(seq 120); do grep -q "member up" "$WORK/worker.log" 2>/dev/null && break; sleep 0.5; done
MODE_ARGS=(); [ "$MODE" = auto ] || MODE_ARGS=(--cluster-mode "$MODE")
# default slots: the seed and the worker share this machine's processors (at least one each)
TOTAL_SLOTS=$((2 * SLOTS)); [ "$SLOTS" -gt 0 ] || TOTAL_SLOTS=$(( $(nproc) > 2 ? $(nproc) : 2 ))
node_ticks() { # user + system CPU ticks of the seed and the worker so far
  local t=0 p s f
  for p in $SEED $WORKER; do s=$(cat "/proc/$p/stat"); s=${s##*) }; read -r -a f <<<"$s"; t=$((t + f[11] + f[12])); done
  echo "$t"
}
strip_wall() { sed -n '/"wall"/q;p' "$1"; }
node_checks() { cat "$WORK/seed.log" "$WORK/worker.log" | grep -c "TRACE farm node check" || true; }
# the per-job figures, the nodes' timeline and the fixed cost of one farmed command from its driver's
# trace ($1: the trace lines of this command; $2: its wall seconds; $3: fresh or served)
analyse() {
  local trace="$1" wall="$2" arm="$3"
  # per job (means): round trip at the driver = dispatch (+ any wait in the node's prefetch queue) up to
  # the node's "started", then the run, then the result back; slot time lost = the slots' time over the
  # jobs phase (first dispatch .. last result) not spent running a job, per job (tail included)
  awk -v slots="$TOTAL_SLOTS" '/^TRACE farm job/ { rt += $7; run += $10; st += $16; n++ }
    /^TRACE farm (first dispatch|last result)/ { t[$4] = $NF }
    END { phase = (t["result"] - t["dispatch"]) * 1e3
      printf "    %d jobs: round trip %.1f ms = started %.1f ms after dispatch + run on the node %.1f ms + result back %.1f ms;\n", n, rt/n, st/n, run/n, (rt-st-run)/n
      printf "    slot time lost per job %.1f ms (%d slots x %.2f s of jobs phase - the runs, / jobs)\n", (slots*phase - run)/n, slots, phase/1e3 }' "$trace"
  # each slot's gaps between jobs (the nodes' absolute timeline): a job already queued on the node when
  # the last one ended starts after the node's actor and a thread wake-up; one that was not waited for
  # the driver's round trip (the queue was too shallow)
  cat "$WORK/seed.log" "$WORK/worker.log" | grep "TRACE farm node timeline" | grep -vxF -f "$WORK/checks-before" \
    | sort -k5,5 -k11,11n | awk '{ if ($5 == node) { if ($9 > end) { e++; ei += $11 - end } else { q++; qi += $11 - end } }
        node = $5; end = $13 }
      END { printf "    nodes, between jobs: next job already queued %d times (slot idle %.2f ms mean), queue empty %d times (slot idle %.1f ms mean)\n",
        q, q ? qi / q / 1e3 : 0, e, e ? ei / e / 1e3 : 0 }' || true
  # per job from both sides' timestamps (epoch us, one clock on this machine): dispatch = the driver's send to
  # the node's receipt; queued = receipt to the job thread's start; result back = the job thread's end to the
  # result in the driver's hand (deflate and send on the job thread, the transfer, the driver's inflate);
  # dispatch + result back is what farming adds to a job that no queue hides
  { grep "^TRACE farm driver timeline" "$trace"
    cat "$WORK/seed.log" "$WORK/worker.log" | grep "TRACE farm node timeline" | grep -vxF -f "$WORK/checks-before"; } \
    | awk '/driver timeline/ { d[$6] = $8; r[$6] = $10; next }
      { rc[$7] = $9; st[$7] = $11; en[$7] = $13; sn[$7] = $17 }
      END { for (j in d) if ((j in rc) && r[j] > 0) { n++; di += rc[j] - d[j]; q += st[j] - rc[j]; ru += en[j] - st[j]; tx += sn[j] - en[j]; bk += r[j] - en[j] }
        if (n) printf "    per job (both clocks, %d jobs): dispatch %.2f ms, queued on the node %.1f ms, run %.1f ms, result back %.2f ms (of which deflate + send %.2f ms); dispatch + result back %.2f ms\n",
          n, di/n/1e3, q/n/1e3, ru/n/1e3, bk/n/1e3, tx/n/1e3, (di+bk)/n/1e3 }' || true
  cat "$WORK/seed.log" "$WORK/worker.log" | grep "TRACE farm node" | grep -vxF -f "$WORK/checks-before" \
    | awk '/node check/ { ck += $5; n++ } /node job/ { th += $7; cpu += $10; out += $13; act += $19; m++ }
      END { if (n) printf "    nodes: checking a job took %.2f ms (mean of %d, validation cached per experiment text)\n", ck/n, n
        if (m) printf "    nodes, per job: job thread %.1f ms (CPU %.1f ms), then deflate + send on it %.2f ms (the node actor heard of it %.2f ms later)\n", th/m, cpu/m, out/m, act/m }' || true
  # the driver's CPU by thread (its JVM's /proc at exit; JIT compilers and the collector included)
  grep '^TRACE farm cpu \[' "$trace" | sed 's/^TRACE farm cpu //' | awk '{ print $NF, $0 }' | sort -rn \
    | head -6 | awk '{ $1 = ""; $NF = $NF " s"; l = l (l ? "," : "") $0 } END { if (l) print "    driver CPU by thread:" l }' || true
  # fixed cost: the command's wall outside the jobs phase. Fresh: from the JVM's start (the trace's clock);
  # served: from the client's start, so "before the driver" is everything until the driver starts (the
  # client, the daemon's checks, reading the key).
  awk -v wall="$wall" -v arm="$arm" '/^TRACE farm [a-z ]+ [0-9.]+$/ {
      w = $NF; $1 = ""; $2 = ""; $NF = ""; gsub(/^ +| +$/, ""); t[$0] = w }
    END { jobs = t["last result"] - t["first dispatch"]
      before = arm == "fresh" ? t["start"] : wall - (t["stopped"] - t["start"])
      printf "    fixed cost %.2f s (wall %.2f s - jobs %.2f s): %s %.3f s, actor system %.3f s, workers listed %.3f s, first ready %.3f s, first job out %.3f s, last result to close %.3f s, stop %.3f s\n",
        wall - jobs, wall, jobs, arm == "fresh" ? "JVM start to driver start" : "before the driver (and after its stop)", before,
        t["system started"] - t["start"], t["workers listed"] - t["system started"],
        t["first node ready"] - t["workers listed"], t["first dispatch"] - t["first node ready"],
        t["close"] - t["last result"], t["stopped"] - t["close"] }' "$trace"
}
same_folders() { # $1 $2: every json of the local folder equals the farmed one outside wall
  local f
  for f in $(cd "$1" && find . -name '*.json'); do
    cmp -s <(strip_wall "$1/$f") <(strip_wall "$2/$f") || { echo "DIFFERENT: $1 $2 $f" >&2; exit 1; }
  done
}

# one round: the local plan and the farmed one of case $1, round $2, arm $3 (fresh or served)
round() {
  local c="$1" r="$2" arm="$3"
    if [ "$arm" = fresh ]; then
      m0=$(node_ticks); t0=$(date +%s.%N)
      /usr/bin/time -f '%U %S' -o "$WORK/$c-local-cpu-$r" \
        "$CNEMU" run "$WORK/$c.conf" --jobs 2 --out "$WORK/$c-local-$r" --no-report -q >/dev/null
      tl=$(date +%s.%N); m1=$(node_ticks)
      cat "$WORK/seed.log" "$WORK/worker.log" | grep "TRACE farm node" > "$WORK/checks-before" || true
      n0=$(node_ticks); t1=$(date +%s.%N)   # the farmed command's own time, without the script's bookkeeping
      /usr/bin/time -f '%U %S' -o "$WORK/$c-farm-cpu-$r" env JAVA_OPTS="$JOPTS" \
        "$CNEMU" run "$WORK/$c.conf" --cluster "127.0.0.1:$PORT" --nodes 2 ${MODE_ARGS[@]+"${MODE_ARGS[@]}"} \
        --cluster-key "$WORK/key" --out "$WORK/$c-farm-$r" --no-report -q >/dev/null 2>"$WORK/$c-trace-$r"
      t2=$(date +%s.%N)
      n1=$(node_ticks)
      same_folders "$WORK/$c-local-$r" "$WORK/$c-farm-$r"
      lcpu=$(awk '{ print $1 + $2 }' "$WORK/$c-local-cpu-$r"); fcpu=$(awk '{ print $1 + $2 }' "$WORK/$c-farm-cpu-$r")
      what="CPU of the command: local %.2f s, farmed (driver only) %.2f s"
      lout="$WORK/$c-local-$r"
      trace="$WORK/$c-trace-$r"
    else
      m0=$(node_ticks); d0=$(daemon_ticks); t0=$(date +%s.%N)
      for k in $(seq "$PLANS"); do
        served run "$WORK/$c.conf" --jobs 2 --out "$WORK/$c-slocal-$r/$k" --no-report -q >/dev/null
      done
      tl=$(date +%s.%N); dl=$(daemon_ticks); m1=$(node_ticks)
      cat "$WORK/seed.log" "$WORK/worker.log" | grep "TRACE farm node" > "$WORK/checks-before" || true
      n0=$(node_ticks); lines=$(wc -l <"$DAEMON_LOG")
      d1=$(daemon_ticks); t1=$(date +%s.%N)   # the farmed command's own time, without the script's bookkeeping
      for k in $(seq "$PLANS"); do
        served run "$WORK/$c.conf" --cluster "127.0.0.1:$PORT" --nodes 2 --cluster-mode jobs \
          --cluster-key "$WORK/key" --out "$WORK/$c-sfarm-$r/$k" --no-report -q >/dev/null
      done
      t2=$(date +%s.%N); d2=$(daemon_ticks)
      n1=$(node_ticks)
      tail -n +"$((lines + 1))" "$DAEMON_LOG" > "$WORK/$c-strace-$r"
      grep -q " served run .*--cluster-mode jobs.* exit 0" "$WORK/$c-strace-$r" || { echo "the daemon did not serve the farmed plan" >&2; exit 1; }
      same_folders "$WORK/$c-slocal-$r" "$WORK/$c-sfarm-$r"
      hz=$(getconf CLK_TCK)
      lcpu=$(awk -v a="$d0" -v b="$dl" -v hz="$hz" 'BEGIN { print (b - a) / hz }')
      fcpu=$(awk -v a="$d1" -v b="$d2" -v hz="$hz" 'BEGIN { print (b - a) / hz }')
      what="the daemon's CPU over the command: local %.2f s, farmed (driver only) %.2f s"
      lout="$WORK/$c-slocal-$r"
      trace="$WORK/$c-strace-$r"
    fi
    awk -v a="$t0" -v b="$tl" -v b2="$t1" -v c="$t2" -v r="$r" -v arm="$arm" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
      -v lcpu="$lcpu" -v fcpu="$fcpu" -v what="$what" \
      -v ncpu="$(awk -v a="$n0" -v b="$n1" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')" \
      'BEGIN { printf "  round %d, %s: local --jobs 2 %.2f s, farmed %.2f s, ratio %.2f (load average %s); " what "; nodes over the farmed command %.2f s\n", r, arm, b-a, c-b2, (c-b2)/(b-a), load, lcpu, fcpu, ncpu }'
    # farming's cost per job: CPU (driver + nodes over the farmed command, less the nodes' idle rate over
    # the local command times the farmed wall, less the local command's CPU) and slot time (2 slots)
    awk -v jobs="$(find "$lout" -name results.json | wc -l)" \
      -v lw="$(awk -v a="$t0" -v b="$tl" 'BEGIN { print b-a }')" -v fw="$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b-a }')" \
      -v lcpu="$lcpu" -v fcpu="$fcpu" -v hz="$(getconf CLK_TCK)" -v m0="$m0" -v m1="$m1" -v n0="$n0" -v n1="$n1" \
      'BEGIN { idle = (m1 - m0) / hz / lw; nodes = (n1 - n0) / hz
        printf "    per job (%d jobs): farming adds %.1f ms of CPU (driver %.1f + nodes %.1f - nodes idle %.1f - local %.1f) and %.1f ms of slot time ((farmed - local wall) x 2 slots)\n",
          jobs, (fcpu + nodes - idle * fw - lcpu) * 1e3 / jobs, fcpu * 1e3 / jobs, nodes * 1e3 / jobs, idle * fw * 1e3 / jobs,
          lcpu * 1e3 / jobs, (fw - lw) * 2e3 / jobs }'
    [ "$TRACE" = 0 ] || analyse "$trace" "$(awk -v b="$t1" -v c="$t2" 'BEGIN { print c-b }')" "$arm"
}

# round 0, the nodes cold: the first farmed plan they serve (fresh arm), as on a lab's first plan after
# their start; the rounds after it find them warm, as in a lab where they run for days
COLD_CASE="${CASES%% *}"
echo "case $COLD_CASE, the nodes' first plan (cold):"
round "$COLD_CASE" 0 fresh

# the served arm: a private daemon with the trace on unless TRACE=0 (the served commands pass the same
# JAVA_OPTS, else bin/cnemu would not use it), warmed up, then WARM_PLANS untimed farmed and local commands
# (the kept driver starts; the nodes' and the daemon's JIT settle)
DAEMON_LOG="$WORK/daemon/daemon.log"
served() { CNEMU_DAEMON_DIR="$WORK/daemon" CNEMU_NO_DAEMON=0 JAVA_OPTS="$JOPTS" "$CNEMU" "$@"; }
daemon_ticks() { local s f; s=$(cat "/proc/$DAEMON_PID/stat"); s=${s##*) }; read -r -a f <<<"$s"; echo $((f[11] + f[12])); }
if [[ " $ARMS " == *" served "* ]]; then
  mkdir -m 700 "$WORK/daemon"
  # `daemon serve` (what `daemon start` runs in a session of its own) in this script's session: Linux
  # shares the CPU among sessions first (autogroups), so with the daemon in a session of its own a loaded
  # machine gave a served farmed plan (daemon + nodes: two sessions) twice the share of the served local
  # one (the daemon alone), and farmed plans of long jobs ran in half the local wall (docs/benchmarks.md)
  served daemon serve >"$DAEMON_LOG" 2>&1 &
  for _ in $(seq 240); do [ -s "$WORK/daemon/daemon.state" ] && break; sleep 0.5; done
  DAEMON_PID="$(sed -n 's/^pid=//p' "$WORK/daemon/daemon.state")"
  [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" || { echo "the daemon did not start" >&2; exit 1; }
  for _ in $(seq 240); do grep -q " warm-up: " "$DAEMON_LOG" 2>/dev/null && break; sleep 0.5; done
  for c in $CASES; do
    n="$WARM_PLANS"; [ "$c" = "$COLD_CASE" ] || n="$((WARM_PLANS < 2 ? WARM_PLANS : 2))"
    for w in $(seq "$((n > 0 ? n : 1))"); do
      served run "$WORK/$c.conf" --cluster "127.0.0.1:$PORT" --nodes 2 --cluster-mode jobs --cluster-key "$WORK/key" \
        --out "$WORK/warm-served-$c" --no-report -q >/dev/null
      served run "$WORK/$c.conf" --jobs 2 --out "$WORK/warm-served-local-$c" --no-report -q >/dev/null
      rm -rf "$WORK/warm-served-$c" "$WORK/warm-served-local-$c"
    done
  done
  [ "$(grep -c " served run .* exit 0" "$DAEMON_LOG")" -ge 2 ] || { echo "the daemon did not serve the warm-up runs" >&2; exit 1; }
fi

for c in $CASES; do
  echo "case $c: $(grep -o 'runs = [0-9]*, duration = [0-9a-z]*' "$WORK/$c.conf") x 3 points"
  for r in $(seq "$REPEAT"); do
    for arm in $ARMS; do
      round "$c" "$r" "$arm"
    done
  done
done
