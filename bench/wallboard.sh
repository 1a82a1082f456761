#!/usr/bin/env bash
# Benchmark (not a test): our wallboard (`kiosk serve` in headless Chromium) against its rival,
# plain Chromium pointed straight at Grafana the way Grafana kiosks are run today, in one run
# against the Grafana simulator on loopback, release build. It prints numbers and ratios and
# asserts nothing.
#
# 1. Swap wait. kiosk: "next page requested" → "swapped" as the shell reports it
#    (kiosk_swap_wait_seconds in /__kiosk/metrics) over >= 20 swaps with a 3 s dwell; the page
#    on screen stays until the next one has painted. Chromium direct: navigation start → the
#    page fully drawn, for the same pages in the same order; the screen shows a blank or
#    half-drawn dashboard meanwhile.
# 2. Recovery after a Grafana restart: the simulator is killed, both sides notice, it starts
#    again on the same port (empty: it keeps its state in memory, so the dashboards are synced
#    again at once), and the time until each side shows live data again is measured: kiosk
#    online with a live answer after the restart (/__kiosk/api/state), the rival (refreshing
#    every 5 s) drawn without panel errors. Five restarts, spread over the rival's refresh cycle.
#
# Both browsers are driven through chromedriver's WebDriver HTTP API with curl, one chromedriver
# each. About two and a half minutes once built. SWAPS=n and RESTARTS=n change the sample sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap
source scripts/lib/world.sh

SWAPS=${SWAPS:-20}          # swaps to measure (after the first page is on screen)
SWAPS_LIMIT_S=${SWAPS_LIMIT_S:-100}
RESTARTS=${RESTARTS:-5}     # Grafana restarts; recovery is the mean over them
RIVAL_REFRESH_S=5           # the rival's dashboard refresh, its only way back after an outage
RECOVERY_LIMIT_S=60         # the rival's own refresh (5 s) should bring it back well before

echo "Building (release) and starting the simulated Grafana…" >&2
world_start release '
[display]
dwell = "3s"
pause_resume = "10m"'

# The selectors of docs/wallboard.md (Grafana puts them in data-testid or aria-label).
LOADING='[aria-label="Panel loading bar"],[data-testid="Panel loading bar"],[data-testid="data-testid Loading indicator"],[aria-label="data-testid Loading indicator"]'
HEADER='[data-testid^="data-testid Panel header"],[aria-label^="data-testid Panel header"]'
PANEL_ERROR='[data-testid="data-testid Panel status error"],[aria-label="data-testid Panel status error"]'

now_ms() { date +%s%3N; }
# a ÷ b with 2 decimals, or n/a.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 <= 0) print "n/a"; else printf "%.2f", a / b }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }

# A port nothing on 127.0.0.1 listens on.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# ------------------------------------------------------------------ WebDriver over curl

# JSON string of $1 (the scripts below contain no control characters but newlines).
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/ }
  printf '"%s"' "$s"
}

# wd PORT METHOD PATH [JSON]: one WebDriver request; prints the answer.
wd() {
  local args=(-s --max-time 150 -X "$2" "http://127.0.0.1:$1$3")
  [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' -d "$4")
  curl "${args[@]}"
}

# The raw JSON of an answer's "value" (chromedriver answers on one line).
wd_value() { sed -n 's/^{"value":\(.*\)}$/\1/p'; }

# wd_exec PORT SESSION SCRIPT: runs SCRIPT in the page (a returned Promise is awaited) and prints
# the JSON of its result.
wd_exec() {
  wd "$1" POST "/session/$2/execute/sync" "{\"script\": $(json_str "$3"), \"args\": []}" | wd_value
}

wd_open() { wd "$1" POST "/session/$2/url" "{\"url\": $(json_str "$3")}" >/dev/null; }

# browser_start NAME: a chromedriver (loopback only: no --allowed-ips) and a headless Chromium
# session; sets BROWSER_PORT and BROWSER_SESSION.
browser_start() {
  local name=$1 port session
  port=$(free_port)
  chromedriver --port="$port" >"$WORLD/$name-chromedriver.log" 2>&1 &
  WORLD_PIDS="${WORLD_PIDS:-} $!"
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/status" >/dev/null && break; sleep 0.1; done
  session=$(wd "$port" POST /session '{
    "capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
      "binary": "/usr/bin/chromium",
      "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--window-size=1280,720", "--user-data-dir='"$WORLD/$name"'-profile"]}}}}' |
    sed -n 's/.*"sessionId":"\([^"]*\)".*/\1/p')
  if [ -z "$session" ]; then
    echo "cannot start the $name browser; see $name-chromedriver.log:" >&2
    cat "$WORLD/$name-chromedriver.log" >&2
    return 1
  fi
  SESSIONS="${SESSIONS:-} $port/$session"
  # Long enough for the in-page waits below (each bounds itself first).
  wd "$port" POST "/session/$session/timeouts" '{"script": 120000, "pageLoad": 60000}' >/dev/null
  BROWSER_PORT=$port
  BROWSER_SESSION=$session
}

# Closes the browsers (chromedriver alone would leave Chromium behind), then the world. Without
# errexit: world_stop's `kill && wait` returns a killed process's status, and under `set -e` the
# first one would end the trap with the rest of the world still running.
bench_stop() {
  local s
  set +e
  for s in ${SESSIONS:-}; do
    curl -s --max-time 10 -X DELETE "http://127.0.0.1:${s%%/*}/session/${s#*/}" >/dev/null || true
  done
  for s in ${BG_PIDS:-}; do kill "$s" 2>/dev/null || true; done
  world_stop
}
trap bench_stop EXIT

# ------------------------------------------------------------------ the world

"$BIN/kiosk" vendor lock >/dev/null
# The rival browser has no credentials: it needs Grafana's anonymous viewer, which world_start's
# simulator does not allow. Same simulator, same port, started again with --anonymous.
sim_kill
sim_start_same_port --anonymous
"$BIN/kiosk" sync-dashboards >/dev/null
serve_start
GATEWAY=${WALL_URL%%/__kiosk/*}

browser_start ours
OURS_PORT=$BROWSER_PORT OURS_SESSION=$BROWSER_SESSION
browser_start rival
RIVAL_PORT=$BROWSER_PORT RIVAL_SESSION=$BROWSER_SESSION

# The rival draws its page with nobody watching; this script, put into every document it opens
# before the page's own, notes when the page was first fully drawn (no loading bar, no loading
# indicator, at least one panel header, then two animation frames: the rule kiosk's agent uses
# for "painted"), in ms since navigation start.
DRAWN_OBSERVER="(function () {
  if (window.__bench) return;
  var st = window.__bench = { drawnAt: null };
  var settling = false;
  function drawn() {
    return !document.querySelector('$LOADING') && !!document.querySelector('$HEADER');
  }
  function check() {
    if (st.drawnAt !== null || settling || !drawn()) return;
    settling = true;
    requestAnimationFrame(function () { requestAnimationFrame(function () {
      settling = false;
      if (drawn()) { st.drawnAt = performance.now(); mo.disconnect(); } else check();
    }); });
  }
  var mo = new MutationObserver(check);
  mo.observe(document, { childList: true, subtree: true, attributes: true });
})();"
wd "$RIVAL_PORT" POST "/session/$RIVAL_SESSION/goog/cdp/execute" \
  "{\"cmd\": \"Page.addScriptToEvaluateOnNewDocument\", \"params\": {\"source\": $(json_str "$DRAWN_OBSERVER")}}" >/dev/null
# Waits (<= 30 s) for that moment; prints it, or -1.
WAIT_DRAWN="return new Promise(function (done) {
  var t0 = Date.now();
  (function poll() {
    var st = window.__bench;
    if (st && st.drawnAt !== null) done(st.drawnAt);
    else if (Date.now() - t0 > 30000) done(-1);
    else setTimeout(poll, 20);
  })();
});"

# ------------------------------------------------------------------ 1. swap wait: kiosk

COOKIE=''
kiosk_get() { curl -s --max-time 5 -b "kiosk_session=$COOKIE" "$GATEWAY$1"; }
swaps_total() {
  local n
  n=$(kiosk_get /__kiosk/metrics | sed -n 's/^kiosk_swaps_total \([0-9]*\).*/\1/p')
  echo "${n:-0}"
}

wd_open "$OURS_PORT" "$OURS_SESSION" "$WALL_URL"
COOKIE=$(wd "$OURS_PORT" GET "/session/$OURS_SESSION/cookie/kiosk_session" |
  sed -n 's/.*"value":"\([^"]*\)".*/\1/p')
[ -n "$COOKIE" ] || { echo "the wallboard gave the browser no session cookie" >&2; exit 1; }
# Exact waits too, as a cross-check of the histogram's buckets: the shell's swap reports, read
# on their way out (the shell calls the global fetch).
wd_exec "$OURS_PORT" "$OURS_SESSION" "var f = window.fetch; window.__swapWaits = [];
  window.fetch = function (url, init) {
    if (url === '/__kiosk/api/report' && init && typeof init.body === 'string' && init.body.indexOf('\"swap\"') >= 0)
      window.__swapWaits.push(JSON.parse(init.body).wait_ms);
    return f.apply(this, arguments);
  };" >/dev/null

# The first swap brings the first page up from the splash (a cold start): not counted.
deadline=$(($(now_ms) + 30000))
until [ "$(swaps_total)" -ge 1 ]; do
  [ "$(now_ms)" -lt "$deadline" ] || { echo "the wallboard showed no page within 30 s" >&2; exit 1; }
  sleep 0.2
done
kiosk_get /__kiosk/metrics >"$WORLD/metrics-0"
first=$(sed -n 's/^kiosk_swaps_total \([0-9]*\).*/\1/p' "$WORLD/metrics-0")
skip_exact=$(wd_exec "$OURS_PORT" "$OURS_SESSION" 'return window.__swapWaits.length')
echo "Measuring $SWAPS swaps of the wallboard (dwell 3 s)…" >&2
deadline=$(($(now_ms) + SWAPS_LIMIT_S * 1000))
while [ "$(swaps_total)" -lt $((first + SWAPS)) ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.5; done
kiosk_get /__kiosk/metrics >"$WORLD/metrics-1"
exact=$(wd_exec "$OURS_PORT" "$OURS_SESSION" "return window.__swapWaits.slice($skip_exact).join(' ')")

# count mean p50 p95 of the swaps between two scrapes, quantiles estimated from the buckets the
# way Prometheus's histogram_quantile does (linear within a bucket), and the largest bucket
# bound that any of them fell in.
read -r OURS_N OURS_MEAN OURS_P50 OURS_P95 OURS_TOP < <(awk '
  function quantile(q,   rank, i, lower, below) {
    rank = q * count; lower = 0; below = 0
    for (i = 1; i <= n; i++) {
      if (cum[i] >= rank && cum[i] > below) {
        if (le[i] == "+Inf") return lower
        return lower + (le[i] - lower) * (rank - below) / (cum[i] - below)
      }
      if (le[i] != "+Inf") lower = le[i]
      below = cum[i]
    }
    return lower
  }
  /^kiosk_swap_wait_seconds_bucket/ {
    match($0, /le="[^"]*"/); bound = substr($0, RSTART + 4, RLENGTH - 5)
    if (FNR == NR) before[bound] = $NF
    else { le[++n] = bound; cum[n] = $NF - before[bound] }
  }
  /^kiosk_swap_wait_seconds_sum/ { if (FNR == NR) sum0 = $NF; else sum1 = $NF }
  /^kiosk_swap_wait_seconds_count/ { if (FNR == NR) count0 = $NF; else count1 = $NF }
  END {
    count = count1 - count0
    if (count <= 0) { print 0, "", "", "", ""; exit }
    top = ""; for (i = n; i >= 1; i--) if (i == 1 || cum[i] > cum[i - 1]) { top = le[i]; break }
    printf "%d %.3f %.3f %.3f %s\n", count, (sum1 - sum0) / count, quantile(0.5), quantile(0.95), top
  }' "$WORLD/metrics-0" "$WORLD/metrics-1")
# Exact p50 / p95 (nearest rank) of the reported waits, in seconds.
read -r EXACT_N EXACT_P50 EXACT_P95 EXACT_MAX < <(tr -d '"' <<<"$exact" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '
  { v[++n] = $1 / 1000 }
  END {
    if (!n) { print 0, "", "", ""; exit }
    r50 = int(0.5 * n + 0.999999); r95 = int(0.95 * n + 0.999999)
    printf "%d %.3f %.3f %.3f\n", n, v[r50], v[r95], v[n]
  }')

# ------------------------------------------------------------------ 1. swap wait: Chromium direct

# Pause the wall (Space, as a viewer would) so its rotation does not compete for the CPU while
# the rival is timed.
paused=$(wd_exec "$OURS_PORT" "$OURS_SESSION" "window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
  return !!document.querySelector('.badge.paused')")
[ "$paused" = true ] || echo "note: could not pause the wallboard while timing the rival" >&2

PLAN=$(kiosk_get /__kiosk/api/plan)
PLAN_SOURCE=$(sed -n 's/.*"source":"\([^"]*\)".*/\1/p' <<<"$PLAN")
mapfile -t PAGES < <(grep -o '"url":"[^"]*"' <<<"$PLAN" | sed 's/^"url":"//; s/"$//')
[ "${#PAGES[@]}" -gt 0 ] || { echo "the wallboard's plan has no pages: $PLAN" >&2; exit 1; }
RIVAL_N=$((OURS_N > 0 ? OURS_N : SWAPS))
echo "Timing $RIVAL_N navigations of Chromium straight at Grafana…" >&2
# One navigation to warm the browser's cache, as the wall's first page was not counted either.
wd_open "$RIVAL_PORT" "$RIVAL_SESSION" "$GRAFANA_URL${PAGES[0]}"
wd_exec "$RIVAL_PORT" "$RIVAL_SESSION" "$WAIT_DRAWN" >/dev/null
rival_ms=()
rival_failed=0
for i in $(seq "$RIVAL_N"); do
  wd_open "$RIVAL_PORT" "$RIVAL_SESSION" "$GRAFANA_URL${PAGES[i % ${#PAGES[@]}]}"
  ms=$(wd_exec "$RIVAL_PORT" "$RIVAL_SESSION" "$WAIT_DRAWN")
  if awk -v v="$ms" 'BEGIN { exit !(v + 0 >= 0 && v != "") }'; then rival_ms+=("$ms"); else rival_failed=$((rival_failed + 1)); fi
done
read -r RIVAL_COUNT RIVAL_MEAN RIVAL_P50 RIVAL_P95 RIVAL_MAX < <(printf '%s\n' "${rival_ms[@]}" | sort -n | awk '
  { v[++n] = $1 / 1000; sum += $1 / 1000 }
  END {
    if (!n) { print 0, "", "", "", ""; exit }
    r50 = int(0.5 * n + 0.999999); r95 = int(0.95 * n + 0.999999)
    printf "%d %.3f %.3f %.3f %.3f\n", n, sum / n, v[r50], v[r95], v[n]
  }')

# ------------------------------------------------------------------ 2. recovery

echo "Killing Grafana and starting it again, $RESTARTS times…" >&2
wd_exec "$OURS_PORT" "$OURS_SESSION" "window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }))" >/dev/null
# The rival as a Grafana kiosk is set up to heal itself: its dashboard refreshes every 5 s.
wd_open "$RIVAL_PORT" "$RIVAL_SESSION" "$GRAFANA_URL${PAGES[0]}&refresh=${RIVAL_REFRESH_S}s"
wd_exec "$RIVAL_PORT" "$RIVAL_SESSION" "$WAIT_DRAWN" >/dev/null

# kiosk: polls /__kiosk/api/state (every 100 ms) until its state is STATE and, unless FLOOR is
# -1, last_live is later than FLOOR (unix seconds); prints the time (epoch ms), or -1.
ours_until() {
  local state=$1 floor=$2 deadline=$3 s live
  while [ "$(now_ms)" -lt "$deadline" ]; do
    s=$(kiosk_get /__kiosk/api/state || true)
    if [[ $s == *"\"state\":\"$state\""* ]]; then
      live=$(sed -n 's/.*"last_live":\([0-9]*\).*/\1/p' <<<"$s")
      if [ "$floor" -lt 0 ] || { [ -n "$live" ] && [ "$live" -gt "$floor" ]; }; then now_ms; return; fi
    fi
    sleep 0.1
  done
  echo -1
}
# The rival: waits in the page (polling every 50 ms, at most LIMIT ms) until CONDITION holds;
# prints the time (epoch ms), or -1.
rival_until() {
  wd_exec "$RIVAL_PORT" "$RIVAL_SESSION" "return new Promise(function (done) {
    var t0 = Date.now();
    (function poll() {
      var d = document;
      if ($1) done(Date.now());
      else if (Date.now() - t0 > $2) done(-1);
      else setTimeout(poll, 50);
    })();
  });"
}
RIVAL_DOWN="d.querySelector('$PANEL_ERROR') || !d.querySelector('$HEADER')"
RIVAL_UP="!d.querySelector('$PANEL_ERROR') && !d.querySelector('$LOADING') && d.querySelector('$HEADER')"
metric() { sed -n "s/^$1 \\([0-9.]*\\).*/\\1/p" "$2"; }
since() { if [ "$1" -lt 0 ]; then echo "not within ${3:-30} s"; else echo "$(secs $(($1 - $2))) s"; fi; }

ours_rec=() rival_rec=() rival_lost=0 ours_lost=0 restart_lines=()
for n in $(seq "$RESTARTS"); do
  # Both on screen and well: kiosk online, the rival drawn without errors.
  ready_ours=$(ours_until online -1 $(($(now_ms) + 30000)))
  ready_rival=$(rival_until "$RIVAL_UP" 30000)
  if [ "$ready_ours" -lt 0 ] || [ "$ready_rival" -lt 0 ]; then
    restart_lines+=("  restart $n: not ready before the kill (kiosk online: $ready_ours, chromium drawn: $ready_rival)")
  fi
  sleep 1
  kiosk_get /__kiosk/metrics >"$WORLD/metrics-before"

  K=$(now_ms)
  sim_kill
  rival_until "$RIVAL_DOWN" 30000 >"$WORLD/rival-down" &
  BG_PIDS="$!"
  ours_down=$(ours_until offline -1 $((K + 30000)))
  wait "$BG_PIDS"
  rival_down=$(cat "$WORLD/rival-down")

  # Watch for the way back before Grafana returns, so that neither is seen late. Any live answer
  # after the kill came from the new Grafana (none can arrive while it is down; last_live is in
  # whole seconds, and the outage lasts well over one).
  rival_until "$RIVAL_UP" $(((RECOVERY_LIMIT_S + 5) * 1000)) >"$WORLD/rival-up" &
  BG_PIDS="$!"
  ours_until online $((K / 1000)) $(($(now_ms) + (RECOVERY_LIMIT_S + 5) * 1000)) >"$WORLD/ours-up" &
  BG_PIDS="$BG_PIDS $!"
  # Grafana comes back at a random moment of the rival's refresh cycle, not in step with it: the
  # restarts are spread evenly over its 5 s period, counted from the refresh that showed errors.
  phase=$(((2 * n - 1) * RIVAL_REFRESH_S * 1000 / (2 * RESTARTS)))
  if [ "$rival_down" -ge 0 ]; then at=$((rival_down + phase)); else at=$(($(now_ms) + phase)); fi
  while [ "$at" -lt $(($(now_ms) + 500)) ]; do at=$((at + RIVAL_REFRESH_S * 1000)); done
  sleep "$(secs $((at - $(now_ms))))"
  sim_start_same_port --anonymous
  R=$(now_ms)
  "$BIN/kiosk" sync-dashboards >/dev/null
  SYNCED=$(now_ms)
  for pid in $BG_PIDS; do wait "$pid"; done
  BG_PIDS=''
  kiosk_get /__kiosk/metrics >"$WORLD/metrics-after"
  ours_up=$(cat "$WORLD/ours-up")
  rival_up=$(cat "$WORLD/rival-up")

  if [ "$ours_up" -ge 0 ] && [ $((ours_up - R)) -le $((RECOVERY_LIMIT_S * 1000)) ]; then
    ours_rec+=("$(secs $((ours_up - R)))")
  else
    ours_up=-1 ours_lost=$((ours_lost + 1))
  fi
  if [ "$rival_up" -ge 0 ] && [ $((rival_up - R)) -le $((RECOVERY_LIMIT_S * 1000)) ]; then
    rival_rec+=("$(secs $((rival_up - R)))")
  else
    rival_up=-1 rival_lost=$((rival_lost + 1))
  fi
  swaps=$(($(metric kiosk_swaps_total "$WORLD/metrics-after") - $(metric kiosk_swaps_total "$WORLD/metrics-before")))
  cached=$(($(metric 'kiosk_proxy_requests_total{outcome="cached"}' "$WORLD/metrics-after") -
    $(metric 'kiosk_proxy_requests_total{outcome="cached"}' "$WORLD/metrics-before")))
  restart_lines+=("  restart $n: noticed by kiosk (offline) after $(since "$ours_down" "$K"), by Chromium (panel errors) after $(since "$rival_down" "$K"); listening again $(secs $((R - K))) s after the kill, synced $(secs $((SYNCED - R))) s later; back: kiosk $(since "$ours_up" "$R" "$RECOVERY_LIMIT_S"), Chromium $(since "$rival_up" "$R" "$RECOVERY_LIMIT_S"); meanwhile kiosk swapped $swaps times and served $cached answers from its cache")
  # A rival that did not come back once will not be measured again.
  if [ "$rival_up" -lt 0 ] || [ "$ours_up" -lt 0 ]; then break; fi
done
mean() { [ $# -gt 0 ] || return 0; printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.3f", s / NR }'; }
OURS_REC=$(mean "${ours_rec[@]}")
RIVAL_REC=$(mean "${rival_rec[@]}")
[ "$ours_lost" -eq 0 ] || OURS_REC=''
[ "$rival_lost" -eq 0 ] || RIVAL_REC=''

# ------------------------------------------------------------------ report

col() { if [ -n "$1" ]; then echo "$1 s"; else echo "${2:-n/a}"; fi; }
# Every swap in the lowest bucket: the estimate is only the bucket's shape, the exact p95 says more.
FIRST_LE=$(sed -n 's/^kiosk_swap_wait_seconds_bucket{le="\([^"]*\)"}.*/\1/p' "$WORLD/metrics-1" | head -n 1)
star=''
[ -n "$OURS_TOP" ] && [ "$OURS_TOP" = "$FIRST_LE" ] && star='*'

echo
echo "kiosk wallboard vs Chromium pointed at Grafana — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, release build, Grafana simulator on loopback"
echo "pages: ${#PAGES[@]} (plan source: ${PLAN_SOURCE:-?}; the same URLs for both), dwell 3 s; swaps measured: kiosk $OURS_N, chromium-direct $RIVAL_COUNT navigations"
echo
printf '%-32s %-14s %-30s %s\n' '' kiosk chromium-direct 'ratio (kiosk ÷ chromium)'
printf '%-32s %-14s %-30s %s\n' 'swap wait (mean)' "$(col "$OURS_MEAN")" "$(col "$RIVAL_MEAN")" "$(ratio "$OURS_MEAN" "$RIVAL_MEAN")"
printf '%-32s %-14s %-30s %s\n' 'swap wait p95' "$(col "$OURS_P95")$star" "$(col "$RIVAL_P95")" "$(ratio "$OURS_P95" "$RIVAL_P95")$star"
printf '%-32s %-14s %-30s %s\n' "recovery after Grafana restart" "$(col "$OURS_REC" "not within ${RECOVERY_LIMIT_S} s")" \
  "$(col "$RIVAL_REC" "did not recover within ${RECOVERY_LIMIT_S} s")" "$(ratio "$OURS_REC" "$RIVAL_REC")"
echo
echo "swap wait, kiosk: time from the next page being due (dwell over) to the swap; the previous page stays on screen, fully drawn, meanwhile."
echo "swap wait, chromium-direct: navigation start to the page fully drawn; the screen shows a blank or half-drawn dashboard meanwhile."
echo "recovery (mean of ${#ours_rec[@]} restarts): from the restarted Grafana listening to kiosk online with live data again (/__kiosk/api/state) / Chromium's panels drawn with no error."
echo
echo "kiosk swap wait (kiosk_swap_wait_seconds, $OURS_N swaps after the first page): mean ${OURS_MEAN:-n/a} s, p50 ~${OURS_P50:-n/a} s, p95 ~${OURS_P95:-n/a} s (from the buckets; every swap within le=${OURS_TOP:-n/a} s)"
echo "  exact, from the shell's swap reports ($EXACT_N): p50 ${EXACT_P50:-n/a} s, p95 ${EXACT_P95:-n/a} s, max ${EXACT_MAX:-n/a} s"
[ -z "$star" ] || echo "  * all in the lowest bucket (le=$FIRST_LE s): the estimate only interpolates within it; exact p95 ${EXACT_P95:-n/a} s"
never=''
[ "$rival_failed" -eq 0 ] || never=", $rival_failed more never drawn within 30 s"
echo "chromium-direct ($RIVAL_COUNT navigations$never): mean ${RIVAL_MEAN:-n/a} s, p50 ${RIVAL_P50:-n/a} s, p95 ${RIVAL_P95:-n/a} s, max ${RIVAL_MAX:-n/a} s"
echo "recovery (Grafana killed with SIGKILL, started again on the same port; each time kiosk sync-dashboards re-ran right after it listened, because the simulator keeps its state in memory): kiosk ${ours_rec[*]:-none} s, Chromium ${rival_rec[*]:-none} s"
printf '%s\n' "${restart_lines[@]}"
