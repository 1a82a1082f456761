#!/usr/bin/env bash
# Benchmark (not a test): the wallboard app (`kiosk run`, Tauri 2 + WebKitGTK) against its rival,
# Debian's Chromium in --kiosk mode pointed straight at Grafana, in one run on the Grafana
# simulator (loopback, release build). Each launch gets its own Xvfb display (1920x1080x24)
# with matchbox-window-manager, a fresh HOME and a fresh profile. It prints numbers, ratios and
# whether the issue's targets are met, and asserts nothing. A third contestant shows the floor:
# WebKitGTK alone, its own MiniBrowser (shipped in libwebkit2gtk-4.1-0) --full-screen straight at
# the simulator like Chromium, with kiosk's default renderer: what any WebKitGTK app pays for
# this page before a line of kiosk runs.
#
# Both show the same page: the Fleet Overview dashboard with the kiosk flags kiosk adds
# (`/d/fleet-overview?kiosk&_dash.hide…`). kiosk gets it as its only [[display.pages]] entry
# with a 1 h dwell, so neither side rotates while measured. The rival reaches Grafana as the
# simulator's anonymous viewer (restarted with --anonymous, as bench/wallboard.sh does); kiosk
# uses its token through its gateway.
#
# Every configuration (kiosk with app.renderer = no-dmabuf, the default; Chromium; MiniBrowser;
# kiosk with dmabuf; kiosk with no-compositing), one after the other on an otherwise idle display:
# 1. start → first painted page: from spawning the process to the first X frame of the root
#    window showing the painted dashboard, polled by bench/xshot.c (MIT-SHM grabs, ~15 ms apart).
#    Decided by pixels in the dashboard area (the top 80 %): the simulator draws painted panels
#    in colour, loading ones and kiosk's splash in greys. xshot stops watching AFTER_MS after
#    the first frame with some colour (FIRST_SHARE chromatic, not blank); "painted" is the first
#    frame with PAINTED_OF_FINAL of the chromatic share of that last frame. Chromium draws panels
#    as their data arrives, so its first colour can be half a dashboard; kiosk swaps in painted
#    pages only. Both times are printed; the target is about the painted one. Each configuration
#    is launched cold (new profile and caches; shown for information), then START_RUNS times
#    warm on the same profile (as an appliance boots every day): the median is compared.
# 2. whole process-tree PSS once the page settled (SETTLE_S after the start watch): the sum of
#    Pss: of /proc/PID/smaps_rollup over the process and all its descendants (WebKit's web and
#    network processes; Chromium's zygotes, GPU, utility and renderer processes), PSS_SAMPLES
#    samples 2 s apart, mean, MiB.
# 3. CPU: utime+stime (+ reaped children's) of the same tree from /proc/PID/stat over
#    BENCH_CPU_SECONDS (default 60) right after the PSS samples, as % of one core. Nothing of
#    this script runs meanwhile but sleep. The X server's own CPU and the whole machine's load
#    are printed beside it: other work on the machine skews every number here.
# 4. kiosk only, default renderer: blank frames over SWAPS swaps of five dashboards with a 2 s
#    dwell: the Fleet Overview and four bright ones this script adds (the vendor dashboards are
#    mostly dark when painted: the classifier would call Node Exporter Full blank). xshot grabs
#    back to back from the first swap until kiosk_swaps_total (read from the app's metrics
#    listener) has grown by SWAPS, and every frame that is blank (one colour over >= 97 % of the
#    top 80 %) or grey only (< 1 % chromatic) counts: the proofs' classifier
#    (src-tauri/tests/it/wallboard/pixels.rs). Bad frames are kept.
#
# Screenshots (PNG; PPM when ImageMagick is missing) of every painted and settled page and any
# bad frame, the frame lists and the app logs are kept under a /tmp directory printed at the
# end. About 8 minutes with the default 60 s CPU window, once built. For a quick try:
# BENCH_CPU_SECONDS=10, SWAPS=0 (no blank-frame run), BENCH_CONFIGS="kiosk chromium".
set -euo pipefail
export LC_ALL=C # $EPOCHREALTIME and awk with a decimal point
cd "$(dirname "$0")/.."
source scripts/bootstrap
source scripts/lib/world.sh

CPU_S=${BENCH_CPU_SECONDS:-60}
SWAPS=${SWAPS:-20}         # 0 skips the blank-frame run
# The configurations measured, in this order (a subset for a quick try).
CONFIGS=${BENCH_CONFIGS:-kiosk chromium webkit kiosk-dmabuf kiosk-no-compositing}
SETTLE_S=${SETTLE_S:-5}    # after the first painted frame, before PSS and CPU
PSS_SAMPLES=6              # 2 s apart: ~10 s
FIRST_SHARE=0.05           # chromatic share of the dashboard area: the first colour on screen
PAINTED_OF_FINAL=0.95      # painted: this much of the chromatic share the page ends up with
AFTER_MS=3000              # how long after the first colour the page is watched for that
POLL_MS=10                 # xshot's pause between grabs while waiting for the first paint
START_LIMIT_S=60           # the longest wait for a first paint
START_RUNS=${START_RUNS:-3} # warm launches per configuration; the median start is compared
WIDTH=1920 HEIGHT=1080
PAGE_UID=fleet-overview
# The blank-frame run rotates the Fleet Overview and four "bright" dashboards this script adds:
# the vendor dashboards are mostly dark when painted (Node Exporter Full is > 97 % one colour),
# which the classifier would count as blank.
BRIGHT=(bench-green:green bench-blue:blue bench-purple:purple bench-orange:orange)
ROTATION=(fleet-overview bench-green bench-blue bench-purple bench-orange)
TARGET_PSS=0.5 TARGET_START=1.0 TARGET_CPU=0.7

for tool in Xvfb matchbox-window-manager chromium cc xprop ps; do
  command -v "$tool" >/dev/null || { echo "bench/app.sh needs $tool" >&2; exit 1; }
done
MINIBROWSER="$(pkg-config --variable=libdir webkit2gtk-4.1)/webkit2gtk-4.1/MiniBrowser"
[ -x "$MINIBROWSER" ] || { echo "bench/app.sh needs WebKitGTK's MiniBrowser at $MINIBROWSER" >&2; exit 1; }

# ------------------------------------------------------------------ helpers

now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }
# a ÷ b with 2 decimals, or n/a.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 <= 0) print "n/a"; else printf "%.2f", a / b }'; }
# The median of numbers; empty when any is "n/a" (a launch that never painted).
median() {
  case " $* " in *" n/a "*) return 0 ;; esac
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# "met" when value <= target (both may be empty: n/a).
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "" || v == "n/a") print "n/a"; else if (v + 0 <= t + 0) print "met"; else print "NOT met" }'; }

# A port nothing on 127.0.0.1 listens on.
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 20000))
    (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  return 1
}

# ROOT and every process below it, one pid a line.
tree_pids() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { kids[$2] = kids[$2] " " $1 }
    END {
      q[1] = root; n = 1
      for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], c, " "); for (j = 1; j <= m; j++) q[++n] = c[j] }
    }'
}

# The tree of ROOT plus processes that left it but name this run's private directory DIR on
# their command line (a helper that daemonized itself, reparented to init).
run_pids() {
  local root=$1 dir=$2 f p
  {
    tree_pids "$root"
    # One grep over all command lines; it names DIR itself, so it is left out.
    grep -lsF -- "$dir" /proc/[0-9]*/cmdline | while read -r f; do
      p=${f#/proc/}
      p=${p%/cmdline}
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = grep ] || echo "$p"
    done
  } | sort -un
}

# Sum of Pss (kB) over the given pids, and how many of them answered.
pss_kb() {
  local p kb total=0 procs=0
  for p in "$@"; do
    kb=$(awk '/^Pss:/ { print $2; exit }' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    [ -n "$kb" ] || continue
    total=$((total + kb)) procs=$((procs + 1))
  done
  echo "$total $procs"
}

# Pss by kind of process: "name[/--type] ×count MiB (anonymous MiB), …", largest first.
pss_by_name() {
  local p kb name kind
  for p in "$@"; do
    kb=$(awk '/^Pss:/ { pss = $2 } /^Pss_Anon:/ { anon = $2 } END { if (pss != "") print pss, anon + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    [ -n "$kb" ] || continue
    name=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    # Chromium rewrites its command line into one string: look for --type= anywhere.
    kind=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -o -- '--type=[^ ]*' | head -n 1) || true
    kind=${kind#--type=}
    printf '%s%s\t%s\n' "$name" "${kind:+/$kind}" "$kb"
  done | awk -F '\t' '{ split($2, v, " "); s[$1] += v[1]; a[$1] += v[2]; n[$1]++ }
    END { for (k in s) printf "%d\t%s ×%d %.0f (anon %.0f)\n", s[k], k, n[k], s[k] / 1024, a[k] / 1024 }' |
    sort -rn | cut -f 2 | paste -sd ',' | sed 's/,/, /g'
}

# Clock ticks (utime+stime+cutime+cstime) summed over the given pids.
cpu_ticks() {
  local p total=0 rest
  for p in "$@"; do
    rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    # shellcheck disable=SC2086 # split into the stat fields on purpose
    set -- $rest
    total=$((total + ${12} + ${13} + ${14} + ${15}))
  done
  echo "$total"
}

# "pid name[/--type] ticks" for each of the given pids, for a per-process CPU split.
cpu_ticks_each() {
  local p rest name kind
  for p in "$@"; do
    rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    name=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    # Chromium rewrites its command line into one string: look for --type= anywhere.
    kind=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -o -- '--type=[^ ]*' | head -n 1) || true
    kind=${kind#--type=}
    rest=${rest##*) }
    # shellcheck disable=SC2086 # split into the stat fields on purpose
    set -- $rest
    echo "$p $name${kind:+/$kind} $((${12} + ${13} + ${14} + ${15}))"
  done
}

# Busy and total jiffies of the whole machine (all cores), from /proc/stat.
machine_jiffies() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
TICKS=$(getconf CLK_TCK)

# Sends SIGTERM to a run's processes, waits (<= 10 s) for them to go, then SIGKILLs what is left;
# by pid only.
stop_run() {
  local root=$1 dir=$2 pids p alive
  mapfile -t pids < <(run_pids "$root" "$dir")
  kill -TERM "$root" 2>/dev/null || true
  for _ in $(seq 100); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1 && break; done
    [ "$alive" = 1 ] || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait "$root" 2>/dev/null || true
}

# ------------------------------------------------------------------ cleanup

RUNS=()        # "pid dir" of app / browser launches still running
DISPLAY_PIDS=() # Xvfb and window managers
XSHOT_PIDS=()
bench_stop() {
  local r p
  set +e
  for p in "${XSHOT_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for r in "${RUNS[@]}"; do stop_run "${r%% *}" "${r#* }"; done
  for p in "${DISPLAY_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  world_stop
}

# ------------------------------------------------------------------ the world

echo "Building (release) and starting the simulated Grafana…" >&2
world_start release
REV="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src-tauri crates ui 2>/dev/null || echo ' + uncommitted changes')"
trap bench_stop EXIT
BASE_TOML=$(cat "$KIOSK_CONFIG")
grep -qF "dir = \"$WORLD/cache\"" <<<"$BASE_TOML" || { echo "unexpected [cache] in the world's kiosk.toml" >&2; exit 1; }
"$BIN/kiosk" vendor lock >/dev/null
# bright UID COLOUR: three stat tiles on a COLOUR background over a filled time series.
bright() {
  local uid=$1 colour=$2 i x stats=''
  for i in 1 2 3; do
    x=$(((i - 1) * 8))
    stats+="{\"id\": $i, \"type\": \"stat\", \"title\": \"Tile $i\", \"gridPos\": {\"x\": $x, \"y\": 0, \"w\": 8, \"h\": 5},
      \"targets\": [{\"refId\": \"A\", \"expr\": \"avg(${uid//-/_}_$i)\"}],
      \"options\": {\"colorMode\": \"background\", \"graphMode\": \"none\", \"textMode\": \"value\"},
      \"fieldConfig\": {\"defaults\": {\"color\": {\"mode\": \"fixed\", \"fixedColor\": \"$colour\"}, \"unit\": \"percent\"}}},"
  done
  cat <<JSON
{"uid": "$uid", "title": "Bench ${colour^}", "schemaVersion": 39, "time": {"from": "now-1h", "to": "now"},
 "panels": [$stats
  {"id": 4, "type": "timeseries", "title": "Traffic", "gridPos": {"x": 0, "y": 5, "w": 24, "h": 9},
   "targets": [{"refId": "A", "expr": "rate(${uid//-/_}_bytes[5m])"}],
   "fieldConfig": {"defaults": {"custom": {"fillOpacity": 40, "lineWidth": 2}}}}]}
JSON
}
for b in "${BRIGHT[@]}"; do bright "${b%%:*}" "${b#*:}" >"$WORLD/dashboards/${b%%:*}.json"; done
# The rival browser has no credentials: it needs Grafana's anonymous viewer. Same simulator,
# same port, started again with --anonymous, then the dashboards synced again (it keeps its
# state in memory).
sim_kill
sim_start_same_port --anonymous
"$BIN/kiosk" sync-dashboards >/dev/null
PAGE_QUERY='kiosk&_dash.hideTimePicker&_dash.hideVariables&_dash.hideLinks'
RIVAL_URL="$GRAFANA_URL/d/$PAGE_UID?$PAGE_QUERY"
curl -sf --max-time 5 -o /dev/null "$RIVAL_URL" || { echo "the simulator does not serve $RIVAL_URL" >&2; exit 1; }

OUT=$(mktemp -d /tmp/kiosk-bench-app.XXXXXX)
XSHOT="$WORLD/xshot"
cc -O2 -o "$XSHOT" bench/xshot.c -lX11 -lXext
to_png() { # PPM → PNG beside it when ImageMagick is there; prints the path kept
  local ppm=$1
  if command -v convert >/dev/null && convert "$ppm" "${ppm%.ppm}.png" 2>/dev/null; then
    rm -f "$ppm"
    echo "${ppm%.ppm}.png"
  else
    echo "$ppm"
  fi
}

# display_start DIR: Xvfb on a display it picks (Unix socket only) with matchbox on it; sets DISP.
display_start() {
  local dir=$1 wm
  Xvfb -displayfd 1 -nolisten tcp -screen 0 "${WIDTH}x${HEIGHT}x24" >"$dir/display" 2>"$dir/xvfb.log" &
  XVFB_PID=$!
  DISPLAY_PIDS+=("$XVFB_PID")
  DISP=''
  for _ in $(seq 200); do
    DISP=$(head -n 1 "$dir/display" 2>/dev/null || true)
    [ -n "$DISP" ] && break
    sleep 0.05
  done
  [ -n "$DISP" ] || { echo "Xvfb did not start:" >&2; cat "$dir/xvfb.log" >&2; return 1; }
  DISP=":$DISP"
  # A server that has just said its number may still refuse the first connection.
  for _ in $(seq 200); do
    xprop -display "$DISP" -root >/dev/null 2>&1 && break
    sleep 0.05
  done
  DISPLAY="$DISP" matchbox-window-manager -use_titlebar no >"$dir/wm.log" 2>&1 &
  wm=$!
  DISPLAY_PIDS+=("$wm")
  # Ready once it has claimed the screen (EWMH check window on the root).
  for _ in $(seq 200); do
    xprop -display "$DISP" -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id' && return 0
    kill -0 "$wm" 2>/dev/null || break
    sleep 0.05
  done
  echo "matchbox-window-manager did not come up on $DISP:" >&2
  cat "$dir/wm.log" "$dir/xvfb.log" >&2
  return 1
}

display_stop() {
  local p
  for p in "${DISPLAY_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  DISPLAY_PIDS=()
}

METRICS_PORT=''
# kiosk_config FILE RENDERER DWELL PAGE...: the world's kiosk.toml with a cache directory of
# this run's own (beside FILE: the first launch starts cold) plus this run's tables.
kiosk_config() {
  local file=$1 renderer=$2 dwell=$3 page
  shift 3
  METRICS_PORT=$(free_port)
  {
    echo "${BASE_TOML//"dir = \"$WORLD/cache\""/"dir = \"${file%/*}/cache\""}"
    printf '\n[gateway]\nmetrics_listen = "127.0.0.1:%s"\n' "$METRICS_PORT"
    printf '\n[app]\nrenderer = "%s"\nrecreate_at = ""\n' "$renderer"
    printf '\n[display]\ndwell = "%s"\n' "$dwell"
    for page in "$@"; do printf '\n[[display.pages]]\ndashboard = "%s"\n' "$page"; done
  } >"$file"
}

# spawn KIND DIR: starts kiosk (KIND = kiosk) with DIR/kiosk.toml, Chromium (KIND = chromium) or
# WebKitGTK's MiniBrowser (KIND = webkit) on DISP with HOME and XDG directories in DIR; sets
# APP_PID and SPAWN_US.
spawn() {
  local kind=$1 dir=$2 env_args
  mkdir -p "$dir/home" "$dir/profile"
  env_args=(-u WEBKIT_DISABLE_DMABUF_RENDERER -u WEBKIT_DISABLE_COMPOSITING_MODE -u WAYLAND_DISPLAY
    -u DBUS_SESSION_BUS_ADDRESS "DISPLAY=$DISP" "HOME=$dir/home" "XDG_CONFIG_HOME=$dir/home/.config"
    "XDG_DATA_HOME=$dir/home/.local/share" "XDG_CACHE_HOME=$dir/home/.cache" "XDG_RUNTIME_DIR=$dir/home")
  chmod 700 "$dir/home"
  SPAWN_US=$(now_us)
  case $kind in
    kiosk)
      env "${env_args[@]}" "$BIN/kiosk" --config "$dir/kiosk.toml" run >>"$dir/app.log" 2>&1 &
      ;;
    chromium)
      local sandbox=()
      # Chromium refuses to run as root with its sandbox on.
      [ "$(id -u)" -ne 0 ] || sandbox=(--no-sandbox)
      env "${env_args[@]}" chromium --kiosk "${sandbox[@]}" --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --password-store=basic --noerrdialogs \
        --disable-session-crashed-bubble --user-data-dir="$dir/profile" "$RIVAL_URL" >>"$dir/app.log" 2>&1 &
      ;;
    webkit)
      # kiosk's default renderer (app.renderer = no-dmabuf), so the two differ only by kiosk.
      env "${env_args[@]}" WEBKIT_DISABLE_DMABUF_RENDERER=1 "$MINIBROWSER" --full-screen "$RIVAL_URL" >>"$dir/app.log" 2>&1 &
      ;;
  esac
  APP_PID=$!
  RUNS+=("$APP_PID $dir")
}

forget_run() { # drops a stopped run from the cleanup list
  local r kept=()
  for r in "${RUNS[@]}"; do [ "${r%% *}" = "$1" ] || kept+=("$r"); done
  RUNS=("${kept[@]}")
}

# xshot_ready FILE: waits (<= 10 s) for xshot's first frame line.
xshot_ready() {
  for _ in $(seq 200); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

# launch KIND DIR LABEL: spawns KIND while xshot polls the screen, waits for the first painted
# frame; sets START_S ("" if none within START_LIMIT_S) and keeps that frame as OUT/LABEL.
launch() {
  local kind=$1 dir=$2 label=$3 shot status=0
  "$XSHOT" -d "$DISP" -i "$POLL_MS" -t "$START_LIMIT_S" -u "$FIRST_SHARE" -a "$AFTER_MS" \
    -f "$dir/$label-first.ppm" -s "$dir/$label.ppm" >"$dir/$label.frames" 2>>"$dir/xshot.log" &
  shot=$!
  XSHOT_PIDS=("$shot")
  xshot_ready "$dir/$label.frames" || { echo "xshot did not start on $DISP" >&2; return 1; }
  local m0 t0 m1 t1
  read -r m0 t0 < <(machine_jiffies)
  spawn "$kind" "$dir"
  wait "$shot" || status=$?
  XSHOT_PIDS=()
  read -r m1 t1 < <(machine_jiffies)
  # The whole machine's load meanwhile (% of one core): this launch, xshot, Xvfb and anything else.
  LAUNCH_LOAD=$(awk -v b=$((m1 - m0)) -v t=$((t1 - t0)) -v n="$(nproc)" 'BEGIN { printf "%.0f", (t > 0) ? 100 * n * b / t : 0 }')
  START_S='' FIRST_S='' MAPPED_S='' PAINT_CHROMA='' FINAL_CHROMA=''
  if [ "$status" -eq 0 ]; then
    # From the frame list: window up (the first frame unlike the empty screen), first colour,
    # and painted: the first frame with PAINTED_OF_FINAL of the chromatic share the page has
    # AFTER_MS later (the last frame).
    read -r START_S FIRST_S MAPPED_S PAINT_CHROMA FINAL_CHROMA < <(awk -v t0="$SPAWN_US" -v first="$FIRST_SHARE" -v of="$PAINTED_OF_FINAL" '
      $1 == "#" { next }
      { n++; end[n] = $2; dom[n] = $3; chroma[n] = $4; hash[n] = $5 }
      END {
        for (i = 1; i <= n; i++) if (hash[i] != hash[1]) { mapped = end[i]; break }
        for (i = 1; i <= n; i++) if (dom[i] < 0.97 && chroma[i] >= first) { colour = end[i]; break }
        for (i = 1; i <= n; i++) if (dom[i] < 0.97 && chroma[i] >= of * chroma[n]) { painted = i; break }
        s = t0 / 1000
        printf "%.3f %.3f %.3f %.3f %.3f\n", (end[painted] - s) / 1000, (colour - s) / 1000, (mapped - s) / 1000, chroma[painted], chroma[n]
      }' "$dir/$label.frames")
  else
    echo "  $label: no painted frame within $START_LIMIT_S s (log: last lines below)" >&2
    tail -n 5 "$dir/app.log" >&2
  fi
  # The frames, to OUT (the last launch of a label wins): LABEL (AFTER_MS after the first
  # colour) and LABEL-first (the first colour).
  SHOT=$(to_png_keep "$dir/$label.ppm" "$label")
  SHOT_FIRST=$(to_png_keep "$dir/$label-first.ppm" "$label-first")
  # Poller statistics, for its overhead: frames, seconds, CPU seconds.
  read -r POLL_FRAMES POLL_SECONDS POLL_CPU < <(awk '$1 == "#" { print $3, $5, $7 }' "$dir/$label.frames")
}
keep_logs() { # DIR NAME: the frame lists and logs of a run, to OUT/logs
  local f
  mkdir -p "$OUT/logs"
  for f in "$1"/*.frames "$1"/frames "$1"/app.log; do
    [ -f "$f" ] && cp "$f" "$OUT/logs/$2-$(basename "$f")"
  done
  return 0
}
to_png_keep() { # moves the PPM to OUT and converts it; prints the path
  [ -f "$1" ] || { echo "(no frame)"; return 0; }
  mv "$1" "$OUT/$2.ppm"
  to_png "$OUT/$2.ppm"
}

# ------------------------------------------------------------------ one configuration

SHOTS=()
declare -A R_COLD R_START R_STARTS R_FIRST R_SLOAD R_MAPPED R_CPUS R_PSS R_PROCS R_CPU R_XCPU R_LOAD R_POLL R_PCHROMA R_SCHROMA
# measure NAME KIND [RENDERER]
# shellcheck disable=SC2034 # R_PROCS, R_STARTS and R_CPUS are read through per_config's nameref
measure() {
  local name=$1 kind=$2 renderer=${3:-} dir root pids samples=() i total t0 t1 c0 c1 x0 x1 m0 m1
  dir="$WORLD/run-$name"
  mkdir -p "$dir"
  echo "Measuring $name…" >&2
  display_start "$dir"
  if [ "$kind" = kiosk ]; then kiosk_config "$dir/kiosk.toml" "$renderer" 1h "$PAGE_UID"; fi

  # Cold launch (new profile), for information; then START_RUNS warm ones on the same profile
  # (their median compared), the last of which stays up for PSS and CPU.
  launch "$kind" "$dir" "$name-cold"
  R_COLD[$name]=$START_S
  SHOTS+=("$name, cold launch, ${AFTER_MS} ms after the first colour: $SHOT")
  local starts=() firsts=() mapped=() loads=()
  for i in $(seq "$START_RUNS"); do
    sleep 1
    stop_run "$APP_PID" "$dir"
    forget_run "$APP_PID"
    launch "$kind" "$dir" "$name-warm"
    starts+=("${START_S:-n/a}") firsts+=("${FIRST_S:-n/a}") mapped+=("${MAPPED_S:-n/a}") loads+=("$LAUNCH_LOAD")
  done
  SHOTS+=("$name, last warm launch, first colour: $SHOT_FIRST" "$name, last warm launch, ${AFTER_MS} ms later: $SHOT")
  R_START[$name]=$(median "${starts[@]}")
  R_STARTS[$name]="${starts[*]}"
  R_FIRST[$name]=$(median "${firsts[@]}")
  R_MAPPED[$name]=$(median "${mapped[@]}")
  R_SLOAD[$name]=$(median "${loads[@]}" | awk '{ printf "%.0f", $1 }')
  R_PCHROMA[$name]="$PAINT_CHROMA of $FINAL_CHROMA"
  R_POLL[$name]="$POLL_FRAMES $POLL_SECONDS $POLL_CPU"
  root=$APP_PID
  kill -0 "$root" 2>/dev/null || { echo "$name exited; its log:" >&2; tail -n 20 "$dir/app.log" >&2; return 1; }
  sleep "$SETTLE_S"

  for i in $(seq "$PSS_SAMPLES"); do
    mapfile -t pids < <(run_pids "$root" "$dir")
    samples+=("$(pss_kb "${pids[@]}")")
    [ "$i" -eq "$PSS_SAMPLES" ] || sleep 2
  done
  R_PSS[$name]=$(printf '%s\n' "${samples[@]}" | awk '{ s += $1 } END { printf "%.1f", s / NR / 1024 }')
  R_PROCS[$name]=$(pss_by_name "${pids[@]}")

  # The CPU window: the tree as it is at both ends (processes that came and went in between
  # are in their reaped parents' cutime/cstime).
  mapfile -t pids < <(run_pids "$root" "$dir")
  cpu_ticks_each "${pids[@]}" >"$dir/ticks-0"
  c0=$(cpu_ticks "${pids[@]}") x0=$(cpu_ticks "$XVFB_PID")
  read -r m0 t0 < <(machine_jiffies)
  local w0 w1
  w0=$(now_us)
  sleep "$CPU_S"
  w1=$(now_us)
  mapfile -t pids < <(run_pids "$root" "$dir")
  cpu_ticks_each "${pids[@]}" >"$dir/ticks-1"
  c1=$(cpu_ticks "${pids[@]}") x1=$(cpu_ticks "$XVFB_PID")
  read -r m1 t1 < <(machine_jiffies)
  total=$(awk -v us=$((w1 - w0)) 'BEGIN { print us / 1e6 }')
  R_CPU[$name]=$(awk -v d=$((c1 - c0)) -v hz="$TICKS" -v s="$total" 'BEGIN { printf "%.2f", 100 * d / hz / s }')
  # Per process (those alive at both ends), % of one core, largest first.
  R_CPUS[$name]=$(awk -v hz="$TICKS" -v s="$total" '
    FNR == NR { before[$1] = $3; next }
    ($1 in before) { d[$2] += $3 - before[$1] }
    END { for (k in d) printf "%d\t%s %.2f\n", d[k], k, 100 * d[k] / hz / s }' "$dir/ticks-0" "$dir/ticks-1" |
    sort -rn | cut -f 2 | paste -sd ',' | sed 's/,/, /g')
  R_XCPU[$name]=$(awk -v d=$((x1 - x0)) -v hz="$TICKS" -v s="$total" 'BEGIN { printf "%.2f", 100 * d / hz / s }')
  # Whole machine busy, in % of one core (2 cores = 200 %), this tree and Xvfb included.
  R_LOAD[$name]=$(awk -v b=$((m1 - m0)) -v t=$((t1 - t0)) -v n="$(nproc)" 'BEGIN { printf "%.0f", (t > 0) ? 100 * n * b / t : 0 }')

  "$XSHOT" -d "$DISP" -t 5 -u 0 -s "$dir/$name-settled.ppm" >"$dir/settled.frames" 2>&1 || true
  R_SCHROMA[$name]=$(awk '$1 != "#" { c = $4 } END { printf "%.3f", c }' "$dir/settled.frames")
  SHOTS+=("$name-settled: $(to_png_keep "$dir/$name-settled.ppm" "$name-settled")")
  stop_run "$root" "$dir"
  forget_run "$root"
  display_stop
  keep_logs "$dir" "$name"
}

# ------------------------------------------------------------------ runs

T_BEGIN=$(now_us)
for name in $CONFIGS; do
  case $name in
    kiosk) measure kiosk kiosk no-dmabuf ;;
    chromium) measure chromium chromium ;;
    webkit) measure webkit webkit ;;
    kiosk-dmabuf) measure kiosk-dmabuf kiosk dmabuf ;;
    kiosk-no-compositing) measure kiosk-no-compositing kiosk no-compositing ;;
    *) echo "unknown configuration in BENCH_CONFIGS: $name" >&2; exit 1 ;;
  esac
done

# Blank frames: kiosk (default renderer) rotating the five dashboards, 2 s each.
swaps_total() {
  local n
  n=$(curl -s --max-time 2 "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null | awk '$1 == "kiosk_swaps_total" { print int($2) }')
  echo "${n:-0}"
}
SWAPS0=0 SWAPS1=0 B_FRAMES=0 B_SECONDS=0 B_BLANK=0 B_GREY=0 B_CPU=0 B_RATE=0 B_GAP=0 BAD_KEPT=() ROT_PSS=() B_CHROMA_MIN=''
blank_run() {
  local dir="$WORLD/run-blank" root deadline ticks=0 pids f
  echo "Counting blank frames over $SWAPS swaps…" >&2
  mkdir -p "$dir/bad"
  display_start "$dir"
  kiosk_config "$dir/kiosk.toml" no-dmabuf 2s "${ROTATION[@]}"
  spawn kiosk "$dir"
  root=$APP_PID
  deadline=$(($(now_us) + START_LIMIT_S * 1000000))
  until [ "$(swaps_total)" -ge 1 ]; do
    [ "$(now_us)" -lt "$deadline" ] || { echo "kiosk showed no page within $START_LIMIT_S s; log:" >&2; tail -n 20 "$dir/app.log" >&2; return 1; }
    sleep 0.1
  done
  # The counter moves when the shell reports the swap, a moment before the X screen shows it:
  # sampling starts once the first page is on screen.
  "$XSHOT" -d "$DISP" -i "$POLL_MS" -t 10 -u "$FIRST_SHARE" >/dev/null 2>>"$dir/xshot.log" ||
    { echo "kiosk counted a swap but showed no painted page within 10 s" >&2; return 1; }
  SWAPS0=$(swaps_total)
  "$XSHOT" -d "$DISP" -t $((SWAPS * 10 + 60)) -b "$dir/bad" >"$dir/frames" 2>>"$dir/xshot.log" &
  XSHOT_PIDS=("$!")
  # Each swap is 2 s apart; allow five times that.
  deadline=$(($(now_us) + SWAPS * 10 * 1000000))
  while [ "$(swaps_total)" -lt $((SWAPS0 + SWAPS)) ] && [ "$(now_us)" -lt "$deadline" ]; do
    sleep 0.1
    ticks=$((ticks + 1))
    if [ $((ticks % 20)) -eq 0 ]; then
      mapfile -t pids < <(run_pids "$root" "$dir")
      ROT_PSS+=("$(pss_kb "${pids[@]}")")
    fi
  done
  SWAPS1=$(swaps_total)
  kill "${XSHOT_PIDS[0]}" 2>/dev/null || true
  wait "${XSHOT_PIDS[0]}" || true
  XSHOT_PIDS=()
  stop_run "$root" "$dir"
  forget_run "$root"
  display_stop
  keep_logs "$dir" blank-run
  read -r B_FRAMES B_SECONDS B_BLANK B_GREY B_CPU B_CHROMA_MIN < <(awk '
    $1 == "#" { seconds = $5; cpu = $7; next }
    { n++; if ($3 >= 0.97) blank++; else if ($4 < 0.01) grey++; else if (min == "" || $4 < min) min = $4 }
    END { printf "%d %.1f %d %d %.1f %s\n", n, seconds, blank, grey, cpu, min }' "$dir/frames")
  B_RATE=$(awk -v n="$B_FRAMES" -v s="$B_SECONDS" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
  B_GAP=$(awk '$1 != "#" { if (prev != "") { g = $1 - prev; if (g > max) max = g }; prev = $1 } END { printf "%.0f", max }' "$dir/frames")
  for f in "$dir"/bad/*.ppm; do
    [ -f "$f" ] || continue
    BAD_KEPT+=("$(to_png_keep "$f" "blank-run-$(basename "${f%.ppm}")")")
  done
}
if [ "$SWAPS" -gt 0 ]; then blank_run; fi
ROT_PSS_MIB=$(printf '%s\n' "${ROT_PSS[@]}" | awk 'NF { s += $1; n++ } END { if (n) printf "%.1f", s / n / 1024 }')
T_END=$(now_us)

# ------------------------------------------------------------------ report

cell() { if [ -n "$1" ]; then echo "$1${2:-}"; else echo "n/a"; fi; }
# The configurations in the order the report lists them.
REPORT_ORDER=(kiosk kiosk-dmabuf kiosk-no-compositing webkit chromium)
# row LABEL KEY-ARRAY [TARGET]: kiosk, Chromium, ratio, verdict (labels in ASCII: printf pads bytes).
row() {
  local -n values=$2
  local r
  r=$(ratio "${values[kiosk]:-}" "${values[chromium]:-}")
  printf '%-38s %-10s %-10s %-8s %s\n' "$1" "$(cell "${values[kiosk]:-}")" "$(cell "${values[chromium]:-}")" "$r" \
    "${3:+≤ $3: $(verdict "$r" "${3:-}")}"
}
echo
echo "kiosk run (Tauri 2 / WebKitGTK) vs Chromium --kiosk — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, release build, Xvfb ${WIDTH}x${HEIGHT} + matchbox, Grafana simulator on loopback"
echo "page: /d/$PAGE_UID?$PAGE_QUERY (kiosk: its only page, through its gateway; Chromium: straight at the simulator, anonymous)"
echo "$(chromium --version 2>/dev/null | head -n 1); WebKitGTK $(pkg-config --modversion webkit2gtk-4.1 2>/dev/null || echo '?'); kiosk $REV (at build time)"
echo
printf '%-38s %-10s %-10s %-8s %s\n' '' kiosk chromium ratio target
row 'process-tree PSS, settled (MiB)' R_PSS "$TARGET_PSS"
row 'start to painted page (s)' R_START "$TARGET_START"
row "CPU over ${CPU_S} s (% of one core)" R_CPU "$TARGET_CPU"
if [ "$SWAPS" -gt 0 ]; then
  blank_verdict='NOT met'
  [ "$((B_BLANK + B_GREY))" -ne 0 ] || blank_verdict=met
  [ "$((SWAPS1 - SWAPS0))" -ge "$SWAPS" ] || blank_verdict="n/a (only $((SWAPS1 - SWAPS0)) swaps)"
  printf '%-38s %-10s %-10s %-8s %s\n' "blank/grey frames over $((SWAPS1 - SWAPS0)) swaps" "$((B_BLANK + B_GREY))" - '' "0: $blank_verdict"
fi
row 'start to first colour (s, no target)' R_FIRST
if [ -n "${R_PSS[webkit]:-}" ]; then
  echo "the floor, WebKitGTK alone (MiniBrowser, no kiosk code) vs Chromium: PSS $(ratio "${R_PSS[webkit]}" "${R_PSS[chromium]:-}"),"
  echo "  start $(ratio "${R_START[webkit]:-}" "${R_START[chromium]:-}"), CPU $(ratio "${R_CPU[webkit]}" "${R_CPU[chromium]:-}");" \
    "kiosk vs it: PSS $(ratio "${R_PSS[kiosk]:-}" "${R_PSS[webkit]}"), start $(ratio "${R_START[kiosk]:-}" "${R_START[webkit]:-}"), CPU $(ratio "${R_CPU[kiosk]:-}" "${R_CPU[webkit]}")"
fi
echo
echo "by configuration (ratio to Chromium in brackets):"
printf '  %-26s %-15s %-28s %-15s %-15s %-14s %s\n' '' 'PSS MiB' 'painted s: warm (cold)' 'first colour s' 'window up s' 'CPU % core' 'Xvfb CPU; machine load: CPU window, warm starts (% core)'
for name in "${REPORT_ORDER[@]}"; do
  [ -n "${R_PSS[$name]:-}" ] || continue
  case $name in
    kiosk) label='kiosk no-dmabuf (default)' ;;
    kiosk-dmabuf) label='kiosk dmabuf' ;;
    kiosk-no-compositing) label='kiosk no-compositing' ;;
    webkit) label='WebKitGTK MiniBrowser' ;;
    chromium) label='Chromium --kiosk' ;;
  esac
  printf '  %-26s %-15s %-28s %-15s %-15s %-14s %s\n' "$label" \
    "${R_PSS[$name]} [$(ratio "${R_PSS[$name]}" "${R_PSS[chromium]:-}")]" \
    "$(cell "${R_START[$name]:-}") ($(cell "${R_COLD[$name]:-}")) [$(ratio "${R_START[$name]:-}" "${R_START[chromium]:-}")]" \
    "$(cell "${R_FIRST[$name]:-}")" \
    "$(cell "${R_MAPPED[$name]:-}")" \
    "${R_CPU[$name]} [$(ratio "${R_CPU[$name]}" "${R_CPU[chromium]:-}")]" \
    "${R_XCPU[$name]}; ${R_LOAD[$name]}, ${R_SLOAD[$name]}"
done
echo
# per_config ARRAY: "    name: value" for each configuration measured, in the table's order.
per_config() {
  local -n values=$1
  local name
  for name in "${REPORT_ORDER[@]}"; do
    [ -z "${values[$name]:-}" ] || echo "    $name: ${values[$name]}"
  done
}
echo "PSS: mean of $PSS_SAMPLES samples 2 s apart, from ${SETTLE_S} s after the start watch (${AFTER_MS} ms past the first colour), over the spawned process and all its"
echo "  descendants. At the last sample, by process (name[/type] ×count MiB (of it anonymous)):"
per_config R_PROCS
echo "start: spawn → the first X frame whose top 80 % is not blank and has ≥ $PAINTED_OF_FINAL of the chromatic share the page has"
echo "  ${AFTER_MS} ms after its first colour (first colour: ≥ $FIRST_SHARE chromatic). Chromatic share of the painted frame / of the page:"
echo "  $(cell "${R_PCHROMA[kiosk]:-}") kiosk, $(cell "${R_PCHROMA[chromium]:-}") Chromium (settled page: $(cell "${R_SCHROMA[kiosk]:-}"), $(cell "${R_SCHROMA[chromium]:-}")). Compared: the median of"
echo "  $START_RUNS warm launches (same profile, after the first); the cold one (new profile, empty caches) in brackets. window up:"
echo "  the first frame unlike the empty screen (kiosk's splash, Chromium's blank page). Warm starts to painted, one by one (s):"
per_config R_STARTS
echo "CPU: utime+stime of the tree (children reaped meanwhile included) over ${CPU_S} s after the PSS samples; Xvfb's own CPU is"
echo "  not in it. Machine load: everything on the machine in that window (this tree and Xvfb included; 200 = both cores busy),"
echo "  and the median over the warm launches (with the poller); other work on the machine slows starts most. By process (% of"
echo "  one core, processes alive at both ends):"
per_config R_CPUS
if [ "$SWAPS" -gt 0 ]; then
  echo "blank frames: kiosk, default renderer, ${ROTATION[*]} at a 2 s dwell; kiosk_swaps_total $SWAPS0 → $SWAPS1; $B_FRAMES frames in"
  echo "  ${B_SECONDS} s (~$B_RATE frames/s, longest gap $B_GAP ms): $B_BLANK blank, $B_GREY grey only; least chromatic share of the other frames $(cell "$B_CHROMA_MIN")."
  echo "  kiosk's tree PSS meanwhile (a page on screen and the next one loading): $(cell "$ROT_PSS_MIB") MiB."
fi
read -r pf ps pc <<<"${R_POLL[kiosk]:-${R_POLL[chromium]:-0 0 0}}"
echo "screen poller (bench/xshot.c: MIT-SHM grab of the root window + measure): while waiting for the first paint (kiosk, warm) $pf frames in $ps s"
echo "  at ${POLL_MS} ms pauses, $pc s CPU ($(awk -v f="$pf" -v s="$ps" -v c="$pc" 'BEGIN { if (s > 0 && f > 0) printf "%.1f ms apart, %.0f %% of a core", 1000 * s / f, 100 * c / s; else print "n/a" }'), plus Xvfb's copying):"
echo "  the first-paint times are late by up to one gap. Back to back in the blank-frame run: $B_CPU s CPU over ${B_SECONDS} s."
echo "  It runs only during start-up and the blank-frame count, never in the PSS or CPU windows."
echo
echo "screenshots ($OUT; frame lists and app logs in $OUT/logs):"
printf '  %s\n' "${SHOTS[@]}"
[ "${#BAD_KEPT[@]}" -eq 0 ] || { echo "  bad frames of the blank-frame run (first 10):"; printf '    %s\n' "${BAD_KEPT[@]}"; }
echo "run time: $(awk -v us=$((T_END - T_BEGIN)) 'BEGIN { printf "%.0f", us / 1e6 }') s after the build"
