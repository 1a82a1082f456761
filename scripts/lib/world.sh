# shellcheck shell=bash
# A simulated world for the demo and the benchmarks: the Grafana simulator and the grafana.com
# catalog simulator on loopback, and a kiosk.toml + dashboards directory in a temporary folder
# holding our Fleet Overview and the four vendor dashboards (test fixtures, locked by sha256).
# Source it, then call world_start PROFILE (debug|release) [EXTRA_TOML]; world_stop runs on exit.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

world_start() {
  local profile=$1 extra=${2:-} flag=()
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
$extra
TOML
  export KIOSK_CONFIG="$WORLD/kiosk.toml"
}

world_stop() {
  local pid
  for pid in ${WORLD_PIDS:-} ${SIM_PID:-}; do
    # `|| true`: a killed child's status would stop this trap under `set -e`, leaking the rest.
    { kill "$pid" && wait "$pid"; } 2>/dev/null || true
  done
  [ -n "${WORLD:-}" ] && rm -rf "$WORLD"
  return 0
}

# The simulator's request log, as a count of all requests or of writes only.
sim_requests() { curl -s "$GRAFANA_URL/__sim/requests" | grep -o '"method"' | wc -l; }
sim_writes() { curl -s "$GRAFANA_URL/__sim/writes" | grep -o '"method"' | wc -l; }
sim_reset() { curl -s -X POST "$GRAFANA_URL/__sim/reset-log" >/dev/null; }

# Starts `kiosk serve` in the background (stopped by world_stop) and sets WALL_URL to the
# one-time URL it prints.
serve_start() {
  "$BIN/kiosk" serve >"$WORLD/serve.out" 2>"$WORLD/serve.err" &
  WORLD_PIDS="${WORLD_PIDS:-} $!"
  for _ in $(seq 100); do
    WALL_URL=$(head -n 1 "$WORLD/serve.out" 2>/dev/null)
    [ -n "$WALL_URL" ] && return 0
    sleep 0.05
  done
  cat "$WORLD/serve.err" >&2
  return 1
}

# A real-time screenshot of URL after SECONDS, through chromedriver's WebDriver API (headless
# Chromium's own --screenshot runs on virtual time and shoots before the wall has drawn).
browser_screenshot() {
  local url=$1 seconds=$2 out=$3 port=9515 session
  # No --allowed-ips: with it chromedriver listens on every interface; without, loopback only.
  chromedriver --port="$port" >"$WORLD/chromedriver.log" 2>&1 &
  WORLD_PIDS="${WORLD_PIDS:-} $!"
  for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/status" >/dev/null && break; sleep 0.1; done
  session=$(curl -s -X POST "http://127.0.0.1:$port/session" -H 'Content-Type: application/json' -d '{
    "capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
      "binary": "/usr/bin/chromium",
      "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--window-size=1920,1080", "--user-data-dir='"$WORLD"'/screenshot-profile"]}}}}' |
    sed -n 's/.*"sessionId":"\([^"]*\)".*/\1/p')
  [ -n "$session" ] || return 1
  curl -s -X POST "http://127.0.0.1:$port/session/$session/url" -H 'Content-Type: application/json' \
    -d "{\"url\": \"$url\"}" >/dev/null
  sleep "$seconds"
  curl -s "http://127.0.0.1:$port/session/$session/screenshot" |
    sed -n 's/.*"value":"\([^"]*\)".*/\1/p' | base64 -d >"$out"
  curl -s -X DELETE "http://127.0.0.1:$port/session/$session" >/dev/null
}

# Grafana going away and coming back, for bench/wallboard.sh. sim_kill stops the Grafana
# simulator at once (SIGKILL, as a crash or a power cut would; the catalog simulator it served
# goes with it). sim_start_same_port [GRAFANA-SIM FLAGS...] starts it again on GRAFANA_URL's
# port (e.g. with --anonymous), without a catalog: kiosk reads vendor dashboards from its cache
# once `kiosk vendor lock` ran. The simulator keeps its state in memory, so it comes back empty:
# run `kiosk sync-dashboards` again. Returns once it listens; world_stop stops it.
sim_kill() {
  [ -n "${SIM_PID:-}" ] || return 0
  kill -KILL "$SIM_PID" 2>/dev/null || true
  wait "$SIM_PID" 2>/dev/null || true
  SIM_PID=
}

sim_start_same_port() {
  local port=${GRAFANA_URL##*:}
  "$BIN/grafana-sim" --port "$port" "$@" >"$WORLD/sim.out" 2>"$WORLD/sim.err" &
  SIM_PID=$!
  for _ in $(seq 1000); do
    grep -q '^grafana ' "$WORLD/sim.out" 2>/dev/null && return 0
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.01
  done
  cat "$WORLD/sim.err" >&2
  return 1
}
