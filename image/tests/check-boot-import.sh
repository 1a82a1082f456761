#!/usr/bin/env bash
# The first-boot import against a staged boot partition and a staged root: every setting lands
# where the image expects it, secrets leave the boot copy, a second run changes nothing, and a
# malformed file is reported with its name and line while nothing is applied.
#
# KIOSK_BIN selects the kiosk binary used for `kiosk config check` (default: the debug build,
# built with cargo when missing). No network, no mounts, no root needed except for the group
# ownership check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$here/lib.sh"

IMPORT=$repo/image/board/rpi5/rootfs-overlay/usr/libexec/kiosk-image/import-boot-config
BOOTFS=$repo/image/board/rpi5/bootfs
KIOSK_BIN=${KIOSK_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/kiosk}
if [ ! -x "$KIOSK_BIN" ]; then
  echo "building $KIOSK_BIN (cargo build -p kiosk)" >&2
  (cd "$repo" && cargo build -q -p kiosk --bin kiosk --locked)
fi
export KIOSK_BIN

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

MACHINE_ID=0123456789abcdef0123456789abcdef
TOKEN=glsa_SeCrEtToKeN0123456789abcdef_0badc0de
PSK='correct horse "battery" staple'
PASSWORD='s3cret pass #1'
KEY1='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7WzEJv8yH2Z0Jq2b4xXbH4b9Yl6z1k2R3xkzQ1d2Ef admin@laptop'
KEY2='ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOq1 ops@desk'

# stage NAME: a fresh root ($root) and boot partition ($boot) with the image's own templates.
stage() {
  root=$tmp/$1/root
  boot=$tmp/$1/boot
  mkdir -p "$root/etc" "$root/usr/share/zoneinfo/Europe" "$root/var/lib" "$boot"
  printf 'root:x:0:\nkiosk:x:%s:\n' "$kiosk_gid" > "$root/etc/group"
  echo "$MACHINE_ID" > "$root/etc/machine-id"
  printf 'TZif2 (staged)\n' > "$root/usr/share/zoneinfo/Europe/Berlin"
  cp "$repo/image/board/rpi5/cmdline.txt" "$BOOTFS/kiosk.toml" "$BOOTFS/kiosk-system.txt" "$boot/"
}

run_import() { # -> $rc, $out (stderr+stdout)
  rc=0
  out=$(KIOSK_BOOT_DIR="$boot" KIOSK_ROOT="$root" "$IMPORT" 2>&1) || rc=$?
}

kiosk_ok() { KIOSK_CONFIG=$1 "$KIOSK_BIN" config check > /dev/null 2>&1; }

# A fingerprint of every file, symlink and mode under the given directories.
snapshot() {
  (cd "$1" && find . -printf '%p %m %y %l\n' | sort && find . -type f -print0 | sort -z | xargs -0r sha256sum)
}

kiosk_gid=4242
cmdline_orig=$(cat "$repo/image/board/rpi5/cmdline.txt")

echo "== templates alone: nothing to import, only the machine id is pinned"
stage templates
run_import
check_eq "import of the untouched templates exits 0" 0 "$rc"
check "template kiosk.toml is unchanged" cmp -s "$BOOTFS/kiosk.toml" "$boot/kiosk.toml"
check "template kiosk-system.txt is unchanged" cmp -s "$BOOTFS/kiosk-system.txt" "$boot/kiosk-system.txt"
check "nothing is written to the data partition" test ! -e "$root/var/lib/kiosk-etc"
check_eq "cmdline.txt gets systemd.machine_id=" "$cmdline_orig systemd.machine_id=$MACHINE_ID" "$(cat "$boot/cmdline.txt")"

echo "== a full import"
stage full
# Written on Windows: byte-order mark and CRLF line ends.
printf '\xEF\xBB\xBF# mine\r\nhostname = wallboard-7\r\ntimezone=Europe/Berlin\r\nwifi_country=de\r\nwifi_ssid="Büro 2.4"\r\nwifi_psk=%s\r\nssh_key=%s\r\nssh_key=%s\r\n' \
  "$PSK" "$KEY1" "$KEY2" > "$boot/kiosk-system.txt"
cat > "$boot/kiosk.toml" <<EOF
# my wall
[grafana]
url = "https://grafana.example.org"
auth = "token" # service account
token = "$TOKEN"
retries = 5

[display]
dwell = "30s"
EOF
run_import
check_eq "import exits 0" 0 "$rc"
state=$root/var/lib/kiosk-etc
check_eq "hostname lands in /var/lib/kiosk-etc/hostname" wallboard-7 "$(cat "$state/hostname" 2>/dev/null)"
check_eq "timezone is a symlink to the zone" /usr/share/zoneinfo/Europe/Berlin "$(readlink "$state/localtime")"
wpa=$state/wpa_supplicant/wpa_supplicant-nl80211-wlan0.conf
wpa_text=$(cat "$wpa" 2>/dev/null || true)
check_contains "Wi-Fi: country (upper-cased)" "$wpa_text" "country=DE"
check_contains "Wi-Fi: SSID hex-encoded (UTF-8 and spaces survive)" "$wpa_text" "ssid=$(printf '%s' 'Büro 2.4' | od -An -tx1 | tr -d ' \n')"
check_contains "Wi-Fi: passphrase with quotes kept verbatim" "$wpa_text" "psk=\"$PSK\""
check_eq "Wi-Fi config is private (0600)" 600 "$(stat -c %a "$wpa")"
check_eq "SSH: both keys, in order" "$KEY1
$KEY2" "$(cat "$state/ssh/authorized_keys" 2>/dev/null)"
check_eq "SSH keys are private (0600)" 600 "$(stat -c %a "$state/ssh/authorized_keys")"
etc_toml=$(cat "$state/kiosk/kiosk.toml" 2>/dev/null || true)
check_contains "token moved to /etc/kiosk/kiosk.toml" "$etc_toml" "token = \"$TOKEN\""
check_contains "auth moved with it (comment kept)" "$etc_toml" 'auth = "token" # service account'
check_eq "credentials file is 0640" 640 "$(stat -c %a "$state/kiosk/kiosk.toml")"
if [ "$(id -u)" = 0 ]; then
  check_eq "credentials file belongs to group kiosk (gid from the root's /etc/group)" "$kiosk_gid" "$(stat -c %g "$state/kiosk/kiosk.toml")"
fi
check "moved credentials are a valid kiosk.toml on their own" kiosk_ok "$state/kiosk/kiosk.toml"
boot_toml=$(cat "$boot/kiosk.toml")
check_lacks "token is gone from the boot copy" "$boot_toml" "$TOKEN"
check_contains "boot copy keeps the URL" "$boot_toml" 'url = "https://grafana.example.org"'
check_contains "boot copy keeps other [grafana] keys" "$boot_toml" 'retries = 5'
check_contains "boot copy says where the token went" "$boot_toml" '# grafana.token: moved to /etc/kiosk/kiosk.toml'
check "boot copy is still a valid kiosk.toml" kiosk_ok "$boot/kiosk.toml"
# shellcheck disable=SC2016 # $1.. belong to the inner shell
check "no secret anywhere on the boot partition" bash -c '! grep -rqF -e "$1" -e "$2" "$3"' _ "$TOKEN" "$PSK" "$boot"
sys_txt=$(cat "$boot/kiosk-system.txt")
# shellcheck disable=SC2016 # $1 belongs to the inner shell
check "every kiosk-system.txt line is now a comment" bash -c '! grep -qv -e "^#" -e "^$" "$1"' _ "$boot/kiosk-system.txt"
check_contains "imported lines are marked" "$sys_txt" "imported on"
check_contains "Wi-Fi password replaced by a note" "$sys_txt" "wifi_psk: imported on"
check_eq "cmdline.txt stays one line with the machine id" "$cmdline_orig systemd.machine_id=$MACHINE_ID" "$(cat "$boot/cmdline.txt")"
check_eq "no temporary files left behind" "" "$(find "$boot" "$root" -name '.*.new')"
check_lacks "secrets are not logged" "$out" "$TOKEN"
check_lacks "Wi-Fi password is not logged" "$out" "$PSK"

echo "== a second run is a no-op"
before_boot=$(snapshot "$boot")
before_root=$(snapshot "$root")
sleep 1 # mtimes would differ if anything were rewritten
run_import
check_eq "second run exits 0" 0 "$rc"
check_eq "boot partition unchanged" "$before_boot" "$(snapshot "$boot")"
check_eq "data partition unchanged" "$before_root" "$(snapshot "$root")"
check "and writes no mtime" test -z "$(find "$boot" "$root" -newermt '-1 second' -print -quit)"

echo "== a malformed kiosk.toml: reported with file:line, nothing applied"
stage bad-toml
printf 'hostname=wallboard-9\nwifi_ssid=Net\nwifi_psk=password123\n' > "$boot/kiosk-system.txt"
printf '[grafana]\nurl = "https://g.example.org"\ntokn = "%s"\n' "$TOKEN" > "$boot/kiosk.toml"
before_boot=$(snapshot "$boot")
before_root=$(snapshot "$root")
run_import
check_eq "exit status 2" 2 "$rc"
check_contains "message names file and line" "$out" "$boot/kiosk.toml:3:"
check_contains "message names the key" "$out" "tokn"
errfile=$(cat "$boot/kiosk-import-error.txt" 2>/dev/null || true)
check_contains "kiosk-import-error.txt on the card says the same" "$errfile" "$boot/kiosk.toml:3:"
check "data partition untouched" test "$before_root" = "$(snapshot "$root")"
check "kiosk-system.txt not consumed" grep -qx 'wifi_psk=password123' "$boot/kiosk-system.txt"
check "kiosk.toml untouched" grep -qF "$TOKEN" "$boot/kiosk.toml"
check_eq "cmdline.txt untouched" "$cmdline_orig" "$(cat "$boot/cmdline.txt")"
check_eq "only the error report was added" "$(printf '%s\n' "$before_boot" | grep -v kiosk-import-error | sort)" \
  "$(snapshot "$boot" | grep -v kiosk-import-error | sort)"

echo "== fixed: the import runs and the error report goes away"
printf '[grafana]\nurl = "https://g.example.org"\nauth = "token"\ntoken = "%s"\n' "$TOKEN" > "$boot/kiosk.toml"
run_import
check_eq "exit status 0" 0 "$rc"
check "error report removed" test ! -e "$boot/kiosk-import-error.txt"
check_eq "hostname applied" wallboard-9 "$(cat "$root/var/lib/kiosk-etc/hostname")"

echo "== a malformed kiosk-system.txt: every bad line reported, nothing applied"
stage bad-system
printf 'hostname=-bad-\ncolour=blue\nwifi_psk=short\nssh_key=not a key\ntimezone=Mars/Olympus\nhostname=x\nwhatever\n' > "$boot/kiosk-system.txt"
printf '[grafana]\nurl = "https://g.example.org"\nauth = "token"\ntoken = "%s"\n' "$TOKEN" > "$boot/kiosk.toml"
before_root=$(snapshot "$root")
run_import
check_eq "exit status 2" 2 "$rc"
for want in "kiosk-system.txt:1: hostname" "kiosk-system.txt:2: unknown setting \`colour\`" \
  "kiosk-system.txt:3: wifi_psk" "kiosk-system.txt:4: ssh_key" "kiosk-system.txt:5: timezone" \
  "kiosk-system.txt:6: \`hostname\` is already set on line 1" "kiosk-system.txt:7: expected KEY=value" \
  "wifi_psk and wifi_country need wifi_ssid"; do
  check_contains "reports $want" "$out" "$want"
done
check "data partition untouched" test "$before_root" = "$(snapshot "$root")"
check "token not moved while another file is bad" grep -qF "$TOKEN" "$boot/kiosk.toml"

echo "== credentials in forms the splitter must not half-move"
stage inline
printf 'grafana = { url = "https://g.example.org", auth = "token", token = "%s" }\n' "$TOKEN" > "$boot/kiosk.toml"
run_import
check_eq "inline [grafana] table: exit status 2" 2 "$rc"
check_contains "inline table: says how to write it" "$out" "kiosk.toml:1: write the Grafana settings as a [grafana] table"
check "inline table: token stays, nothing stored" test ! -e "$root/var/lib/kiosk-etc/kiosk/kiosk.toml"

stage dotted
printf 'grafana.url = "https://g.example.org"\ngrafana.auth = "basic"\ngrafana.username = "wall"\ngrafana.password = "%s"\n' "$PASSWORD" > "$boot/kiosk.toml"
run_import
check_eq "dotted keys: exit status 0" 0 "$rc"
etc_toml=$(cat "$root/var/lib/kiosk-etc/kiosk/kiosk.toml" 2>/dev/null || true)
check_contains "dotted keys: password moved under [grafana]" "$etc_toml" "password = \"$PASSWORD\""
check_contains "dotted keys: username moved with it" "$etc_toml" 'username = "wall"'
check_lacks "dotted keys: password gone from the boot copy" "$(cat "$boot/kiosk.toml")" "$PASSWORD"
check "dotted keys: URL stays on the boot copy" grep -qx 'grafana.url = "https://g.example.org"' "$boot/kiosk.toml"

stage no-secret
printf '[grafana]\nurl = "https://g.example.org"\nauth = "token_file"\ntoken_file = "%s"\n' "$tmp/token" > "$boot/kiosk.toml"
echo "$TOKEN" > "$tmp/token"
cp "$boot/kiosk.toml" "$tmp/no-secret.toml"
run_import
check_eq "token_file (no secret in the file): exit status 0" 0 "$rc"
check "token_file: kiosk.toml left exactly as it was" cmp -s "$tmp/no-secret.toml" "$boot/kiosk.toml"

finish
