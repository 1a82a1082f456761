# shellcheck shell=bash
# A simulated world for the demo and the benchmarks: the Grafana simulator and the grafana.com
# catalog simulator on loopback, and a kiosk.toml + dashboards directory in a temporary folder
# holding our Fleet Overview and the four vendor dashboards (test fixtures, locked by sha256).
# Source it, then call world_start PROFILE (debug|release); world_stop runs on exit.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

world_start() {
  local profile=$1 flag=()
  [ "$profile" = release ] && flag=(--release)
  cargo build -q "${flag[@]}" -p kiosk -p kiosk-tests --bins
  BIN="$ROOT/target/$profile"
  WORLD=$(mktemp -d)
  trap world_stop EXIT

  "$BIN/grafana-sim" --catalog "$ROOT/tests/fixtures/grafana-com" >"$WORLD/sim.out" 2>"$WORLD/sim.err" &
  SIM_PID=$!
  for _ in $(seq 100); do
    grep -q '^grafana.com ' "$WORLD/sim.out" 2>/dev/null && break
    sleep 0.05
  done
  GRAFANA_URL=$(awk '$1 == "grafana" {print $2}' "$WORLD/sim.out")
  CATALOG_URL=$(awk '$1 == "grafana.com" {print $2}' "$WORLD/sim.out")
  if [ -z "$GRAFANA_URL" ] || [ -z "$CATALOG_URL" ]; then
    cat "$WORLD/sim.err" >&2
    return 1
  fi

  mkdir -p "$WORLD/dashboards"
  cp "$ROOT/dashboards/fleet-overview.json" "$ROOT/tests/fixtures/vendor/vendor.toml" "$WORLD/dashboards/"
  # The simulator's test token; a real one belongs in a file only root can read.
  (umask 077 && echo glsa_test_token >"$WORLD/token")
  cat >"$WORLD/kiosk.toml" <<TOML
[grafana]
url = "$GRAFANA_URL"
auth = "token_file"
token_file = "$WORLD/token"

[datasource]
url = "http://127.0.0.1:9090"

[provision]
dashboards_dir = "$WORLD/dashboards"
grafana_com_url = "$CATALOG_URL"

[cache]
dir = "$WORLD/cache"
TOML
  export KIOSK_CONFIG="$WORLD/kiosk.toml"
}

world_stop() {
  [ -n "${SIM_PID:-}" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  [ -n "${WORLD:-}" ] && rm -rf "$WORLD"
  return 0
}

# The simulator's request log, as a count of all requests or of writes only.
sim_requests() { curl -s "$GRAFANA_URL/__sim/requests" | grep -o '"method"' | wc -l; }
sim_writes() { curl -s "$GRAFANA_URL/__sim/writes" | grep -o '"method"' | wc -l; }
sim_reset() { curl -s -X POST "$GRAFANA_URL/__sim/reset-log" >/dev/null; }
