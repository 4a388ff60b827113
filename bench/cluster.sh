#!/usr/bin/env bash
# Benchmark: the 64-host star in one JVM vs two JVMs (a `cnemu cluster seed` + the driver, which
# hosts partitions too) on this machine, same partitioning (2 partitions), alternating, medians of REPEAT.
# Every pair runs: one JVM with 1 partition (the default: sequential, no windows), one JVM with 2
# partitions (same windows as the cluster run), and two JVMs with the direct data plane; ARTERY=1 adds two
# JVMs with window traffic over Artery (the first design). Prints, per setting, the simulation's events
# per wall second (results.json `wall.events_per_second`: from the partitions' start to the last
# partition's end, the rate of the run itself) and the whole command's wall time (JVM start, cluster join
# and leave included), the ratios against one JVM, cross-node windows per virtual millisecond and the
# barrier wait share. Every run must give the same results.json outside `wall`; the script checks it.
# WARM=1 measures steady state instead, as a lab runs it: the one-JVM runs go through a warm resident
# daemon (`cnemu daemon`, private to the benchmark), and the two JVMs are a long-lived seed + worker that
# host the partitions while the `run` JVM only coordinates (--coordinate-only); WARMUP untimed rounds first.
#   bench/cluster.sh                 # experiments/bench/star-64.conf, 3 rounds
#   FILE=experiments/cluster/star-4.conf REPEAT=5 ARTERY=1 bench/cluster.sh
#   WARM=1 REPEAT=5 bench/cluster.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILE="${FILE:-experiments/bench/star-64.conf}"
REPEAT="${REPEAT:-3}"
PARTITIONS="${PARTITIONS:-2}"
PORT="${PORT:-25799}"
WORK="${WORK:-/tmp/cnemu-cluster-bench}"
ARTERY="${ARTERY:-0}"
WARM="${WARM:-0}"
WARMUP="${WARMUP:-3}"
rm -rf "$WORK"; mkdir -p "$WORK"
bin/cnemu --version >/dev/null   # build outside the measurements

# the secure default, as on a lab: TLS between the JVMs with a key made for this benchmark
bin/cnemu cluster init --cluster-key "$WORK/key" >/dev/null
bin/cnemu cluster seed --bind "127.0.0.1:$PORT" --threads 1 --cluster-key "$WORK/key" > "$WORK/seed.log" 2>&1 &
SEED=$!
trap 'kill $SEED 2>/dev/null || true' EXIT
for _ in $(seq 60); do grep -q "listening at" "$WORK/seed.log" 2>/dev/null && break; sleep 0.5; done

settings=(seq one two)
[ "$ARTERY" = 1 ] && settings+=(artery)
if [ "$WARM" = 1 ]; then
  settings=(wseq wone wtwo)
  bin/cnemu cluster worker --seed "127.0.0.1:$PORT" --bind 127.0.0.1:0 --threads 1 --cluster-key "$WORK/key" > "$WORK/worker.log" 2>&1 &
  WORKER=$!
  export CNEMU_DAEMON_DIR="$WORK/daemon"   # a private daemon, always stopped
  trap 'kill $SEED $WORKER 2>/dev/null || true; CNEMU_NO_DAEMON=0 bin/cnemu daemon stop >/dev/null 2>&1 || true' EXIT
  log_lines=0; [ -f "$CNEMU_DAEMON_DIR/daemon.log" ] && log_lines=$(wc -l <"$CNEMU_DAEMON_DIR/daemon.log")
  CNEMU_NO_DAEMON=0 bin/cnemu daemon start >/dev/null
  # its JIT warm-up runs in the background once it serves and logs one line when done: not inside the timings
  for _ in $(seq 120); do
    tail -n +"$((log_lines + 1))" "$CNEMU_DAEMON_DIR/daemon.log" | grep -q " warm-up: " && break
    sleep 1
  done
fi
run() { # setting round
  local s=$1 i=$2 args=(run "$FILE" --threads 1 --out "$WORK/$1-$2" --quiet --no-report)
  case $s in
    seq) args+=(--partitions 1) ;;
    one) args+=(--partitions "$PARTITIONS") ;;
    two) args+=(--partitions "$PARTITIONS" --cluster "127.0.0.1:$PORT" --cluster-key "$WORK/key" --nodes 2) ;;
    artery) args+=(--partitions "$PARTITIONS" --cluster "127.0.0.1:$PORT" --cluster-key "$WORK/key" --nodes 2) ;;
    wseq) args+=(--partitions 1) ;;
    wone) args+=(--partitions "$PARTITIONS") ;;
    wtwo) args+=(--partitions "$PARTITIONS" --cluster "127.0.0.1:$PORT" --cluster-key "$WORK/key" --nodes 2 --coordinate-only) ;;
  esac
  local t0 t1
  t0=$(date +%s%N)
  if [ "$s" = artery ]; then
    JAVA_OPTS="${JAVA_OPTS:-} -Dcnemu.cluster.data-plane.transport=artery" bin/cnemu "${args[@]}" >/dev/null 2>&1
  elif [ "$s" = wseq ] || [ "$s" = wone ]; then
    CNEMU_NO_DAEMON=0 bin/cnemu "${args[@]}" >/dev/null 2>&1
    tail -n 1 "$CNEMU_DAEMON_DIR/daemon.log" | grep -q " served run .* exit 0" \
      || { echo "the daemon did not serve the $s run" >&2; exit 1; }
  else
    bin/cnemu "${args[@]}" >/dev/null 2>&1
  fi
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) > "$WORK/$s-$i/process-ms"
}
if [ "$WARM" = 1 ]; then
  for i in $(seq "$WARMUP"); do for s in "${settings[@]}"; do run "$s" "warmup$i"; done; done
  echo "warm-up done"
fi
for i in $(seq "$REPEAT"); do
  for s in "${settings[@]}"; do run "$s" "$i"; done
  echo "round $i done ($(cut -d' ' -f1 /proc/loadavg) load)"
done
python3 - "$WORK" "$REPEAT" "${settings[@]}" <<'PY'
import json, statistics, sys
work, n, settings = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def load(s, i):
    d = json.load(open(f"{work}/{s}-{i}/results.json"))
    d["process_s"] = int(open(f"{work}/{s}-{i}/process-ms").read()) / 1000
    return d
runs = {s: [load(s, i) for i in range(1, n + 1)] for s in settings}
base = "wone" if "wone" in runs else "one"
ref = dict(runs[base][0]); ref.pop("wall"); ref.pop("process_s")
for s in settings:
    for d in runs[s]:
        x = dict(d); x.pop("wall"); x.pop("process_s")
        if s not in ("seq", "wseq") and x != ref:
            sys.exit(f"results differ between settings ({s})")
        if not d["complete"]:
            sys.exit(f"incomplete run ({s})")
r = runs["wtwo" if "wtwo" in runs else "two"][0]
events, windows, vms = r["engine"]["events"], r["engine"]["windows"], r["virtual_end_ns"] / 1e6
print(f"{events:,} events, {windows:,} windows with 2 partitions ({windows / vms:.0f} per virtual ms), {vms} virtual ms")
label = {"seq": "one JVM, 1 partition ", "one": "one JVM, 2 partitions", "two": "two JVMs (direct)    ",
         "artery": "two JVMs (Artery)    ", "wseq": "warm daemon, 1 partition   ",
         "wone": "warm daemon, 2 partitions  ", "wtwo": "warm seed + worker (direct)"}
med = {}
for s in settings:
    rate = statistics.median(d["wall"]["events_per_second"] for d in runs[s])
    proc = statistics.median(d["process_s"] for d in runs[s])
    wait = statistics.median(d["wall"]["barrier_wait_share"] for d in runs[s])
    med[s] = (rate, proc)
    print(f"{label[s]}: {rate:>12,.0f} events/s in the run, {proc:6.2f} s whole command, barrier wait share {wait}")
one, seq = ("wone", "wseq") if "wone" in med else ("one", "seq")
for s in settings:
    if s in ("seq", "one", "wseq", "wone"):
        continue
    print(f"ratio {label[s].strip()} / {label[one].strip()}: run rate {med[s][0] / med[one][0]:.2f}x, "
          f"whole command {med[one][1] / med[s][1]:.2f}x; vs 1 partition: run rate {med[s][0] / med[seq][0]:.2f}x")
PY
