#!/usr/bin/env bash
# Screenshots of report.html files with Debian's headless Chromium, to check a report by eye.
#
#   bench/report-screenshots.sh RUN_OR_SWEEP_DIR...            # one PNG per folder, next to its report.html
#   OUT=target/shots WIDTH=1280 HEIGHT=4000 bench/report-screenshots.sh target/rr target/star64
#
# Installs the `chromium` package when it is missing. Chromium runs without network (file:// only),
# sandbox off (containers), a throw-away profile, and is given at most 60 s per page.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 RESULTS_DIR..." >&2; exit 2; }
width="${WIDTH:-1280}"
height="${HEIGHT:-4000}"
if ! command -v chromium >/dev/null; then
  as_root=""; [ "$(id -u)" -eq 0 ] || as_root="sudo"
  $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium >/dev/null
fi
for dir in "$@"; do
  report="$(cd "$dir" && pwd)/report.html"
  [ -f "$report" ] || { echo "$dir: no report.html" >&2; exit 2; }
  out_dir="${OUT:-$dir}"
  mkdir -p "$out_dir"
  png="$(cd "$out_dir" && pwd)/report-$(basename "$dir").png"
  profile="$(mktemp -d)"
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$width,$height" --screenshot="$png" "file://$report" \
    >/dev/null 2>&1 || true
  rm -rf "$profile"
  [ -s "$png" ] || { echo "$dir: no screenshot written" >&2; exit 1; }
  echo "$png"
done
