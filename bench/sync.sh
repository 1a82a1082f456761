#!/usr/bin/env bash
# Benchmark (not a test): wall time and request count of a full sync and of a no-op sync of the
# five product dashboards against the Grafana simulator on loopback, release build.
# Target: the no-op sync makes 0 writes and takes <= 0.3 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap
source scripts/lib/world.sh
world_start release
RUNS=${RUNS:-10}

"$BIN/kiosk" vendor lock >/dev/null

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

sim_reset
t0=$(now); "$BIN/kiosk" sync-dashboards >/dev/null; t1=$(now)
echo "full sync:  $(elapsed "$t0" "$t1") s, $(sim_requests) requests, $(sim_writes) writes"

times=()
for _ in $(seq "$RUNS"); do
  sim_reset
  t0=$(now); "$BIN/kiosk" sync-dashboards >/dev/null; t1=$(now)
  times+=("$(elapsed "$t0" "$t1")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "no-op sync: median $median s over $RUNS runs, $(sim_requests) requests, $(sim_writes) writes (last run)"
