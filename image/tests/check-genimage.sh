#!/usr/bin/env bash
# The SD card layout without buildroot: the board's post-build.sh runs on a staged target tree
# and post-image.sh runs genimage (Debian's) on a staged BINARIES_DIR with stand-ins for the
# kernel, DTBs, overlays and root file system. Then the produced sdcard.img is read back: its
# partition table (sfdisk --json) and the files on its FAT partition (mtools, straight out of
# the image), against what cmdline.txt and /etc/fstab expect.
#
# Needs: genimage, mtools, dosfstools, e2fsprogs, fdisk (sfdisk), util-linux (blkid), jq. No root,
# no mounts, no network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$here/lib.sh"
need genimage mcopy mdir mlabel mkdosfs mke2fs sfdisk blkid jq

board=$repo/image/board/rpi5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1

BASIC_DATA=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
ROOT_ARM64=B921B045-1DF0-41C3-AF44-4C6F280D3FAE
LINUX_GENERIC=0FC63DAF-8483-4772-8E79-3D69D8477DE4
MiB=$((1024 * 1024))

echo "== post-build.sh on a staged target tree"
target=$tmp/target
mkdir -p "$target/etc/systemd/system/getty.target.wants" "$target/usr/lib/systemd/system" \
  "$target/etc/kiosk"
echo kiosk > "$target/etc/hostname"
ln -s ../usr/share/zoneinfo/Etc/UTC "$target/etc/localtime"
echo Etc/UTC > "$target/etc/timezone"
echo 0123456789abcdef0123456789abcdef > "$target/etc/machine-id"
ln -s /usr/lib/systemd/system/getty@.service "$target/etc/systemd/system/getty.target.wants/getty@tty1.service"
echo "/dev/root / auto ro 0 1" > "$target/etc/fstab"
for unit in kiosk.service kiosk-sync.service kiosk-sync.timer; do
  if [ -f "$repo/systemd/$unit" ]; then cp "$repo/systemd/$unit" "$target/usr/lib/systemd/system/"; else : > "$target/usr/lib/systemd/system/$unit"; fi
done
cp -a "$board/rootfs-overlay/." "$target/"
rc=0
out=$("$board/post-build.sh" "$target" 2>&1) || rc=$?
check_eq "post-build.sh exits 0" 0 "$rc"
[ "$rc" = 0 ] || echo "$out"
fstab_once=$(cat "$target/etc/fstab")
rc=0
"$board/post-build.sh" "$target" > /dev/null 2>&1 || rc=$?
check_eq "post-build.sh runs again (buildroot reruns it)" 0 "$rc"
check_eq "and writes the same fstab" "$fstab_once" "$(cat "$target/etc/fstab")"
fstab=$(grep -v '^#' "$target/etc/fstab")
check "root is mounted read-only" grep -Eq '^/dev/root[[:space:]]+/[[:space:]]+auto[[:space:]]+ro[[:space:]]' <<< "$fstab"
boot_line=$(awk '$2 == "/boot/firmware"' <<< "$fstab")
data_line=$(awk '$2 == "/var"' <<< "$fstab")
check_contains "boot partition mounted read-only on /boot/firmware" "$boot_line" " vfat ro,"
check_contains "data partition on /var is grown (x-systemd.growfs)" "$data_line" "x-systemd.growfs"
check_contains "data partition is mounted after systemd-repart" "$data_line" "x-systemd.after=systemd-repart.service"
check_contains "/tmp in RAM" "$fstab" "tmpfs /tmp tmpfs"
for name in hostname localtime kiosk wpa_supplicant dropbear; do
  check_eq "/etc/$name links to the data partition" "/var/lib/kiosk-etc/$name" "$(readlink "$target/etc/$name")"
done
check "/etc/timezone is gone (it would go stale)" test ! -e "$target/etc/timezone"
check_eq "getty@tty1 is masked (tty1 is the wallboard's)" /dev/null "$(readlink "$target/etc/systemd/system/getty@tty1.service")"
check "getty@tty1 is not wanted" test ! -e "$target/etc/systemd/system/getty.target.wants/getty@tty1.service"
check "/etc/machine-id is empty (made at boot, pinned by the import)" test ! -s "$target/etc/machine-id"
check "preset disables getty@ and enables the kiosk units" \
  grep -qx 'disable getty@.service' "$target/usr/lib/systemd/system-preset/10-kiosk-image.preset"

echo "== post-image.sh (genimage) on a staged BINARIES_DIR"
bin=$tmp/images
fw=$bin/rpi-firmware
mkdir -p "$fw/overlays" "$tmp/build" "$tmp/rootfs/etc"
cp "$board/config.txt" "$board/cmdline.txt" "$board/bootfs/kiosk.toml" "$board/bootfs/kiosk-system.txt" "$fw/"
printf 'stand-in for vc4-kms-v3d-pi5.dtbo\n' > "$fw/overlays/vc4-kms-v3d-pi5.dtbo"
printf 'stand-in for overlay_map.dtb\n' > "$fw/overlays/overlay_map.dtb"
: > "$fw/overlays/README"
for dtb in bcm2712-rpi-5-b bcm2712d0-rpi-5-b bcm2712-rpi-500; do printf '%s\n' "$dtb" > "$bin/$dtb.dtb"; done
head -c $((3 * MiB)) /dev/urandom > "$bin/Image"
printf 'NAME=kiosk\n' > "$tmp/rootfs/etc/os-release"
mke2fs -q -t ext4 -L kiosk-root -d "$tmp/rootfs" "$bin/rootfs.ext4" 24M
rc=0
out=$(BUILD_DIR=$tmp/build "$board/post-image.sh" "$bin" 2>&1) || rc=$?
check_eq "post-image.sh exits 0" 0 "$rc"
[ "$rc" = 0 ] || { echo "$out"; finish; exit 1; }
img=$bin/sdcard.img
check "sdcard.img written" test -s "$img"

echo "== the partition table of sdcard.img"
table=$(sfdisk --json "$img")
part() { jq -r ".partitiontable.partitions[$1].$2" <<< "$table"; }
check_eq "GPT" gpt "$(jq -r .partitiontable.label <<< "$table")"
check_eq "three partitions" 3 "$(jq '.partitiontable.partitions | length' <<< "$table")"
check_eq "1: boot, basic data (FAT; Windows and macOS show it)" "boot $BASIC_DATA" "$(part 0 name) $(part 0 type)"
check_eq "2: rootfs, Linux root (ARM-64)" "rootfs $ROOT_ARM64" "$(part 1 name) $(part 1 type)"
check_eq "3: data, Linux filesystem" "data $LINUX_GENERIC" "$(part 2 name) $(part 2 type)"
check_eq "only the data partition is linux-generic (repart grows just that one)" 1 \
  "$(jq --arg t "$LINUX_GENERIC" '[.partitiontable.partitions[] | select(.type == $t)] | length' <<< "$table")"
check_eq "boot partition is 256 MiB" $((256 * MiB / 512)) "$(part 0 size)"
check_eq "data partition starts at 128 MiB (grown on first boot)" $((128 * MiB / 512)) "$(part 2 size)"
for i in 0 1 2; do
  check_eq "partition $((i + 1)) starts on a 4 MiB boundary" 0 $(($(part "$i" start) % (4 * MiB / 512)))
done
last_end=$(($(part 2 start) + $(part 2 size)))
check "data is last: nothing after it but the backup GPT" test $(($(stat -c %s "$img") / 512 - last_end)) -le 40
root_uuid=$(part 1 uuid)
boot_uuid=$(part 0 uuid)
data_uuid=$(part 2 uuid)
check_contains "/etc/fstab mounts this boot partition" "$boot_line" "PARTUUID=${boot_uuid,,}"
check_contains "/etc/fstab mounts this data partition" "$data_line" "PARTUUID=${data_uuid,,}"

echo "== files on the FAT partition, read out of the image"
boot_off=$(($(part 0 start) * 512))
fat="$img@@$boot_off"
out=$tmp/fat
mkdir -p "$out"
mcopy -s -n -i "$fat" '::*' "$out/"
check_contains "FAT label KIOSKBOOT" "$(mlabel -i "$fat" -s ::)" "KIOSKBOOT"
listing=$(cd "$out" && find . -type f | sort)
for f in config.txt cmdline.txt Image bcm2712-rpi-5-b.dtb bcm2712d0-rpi-5-b.dtb kiosk.toml kiosk-system.txt \
  overlays/vc4-kms-v3d-pi5.dtbo overlays/overlay_map.dtb; do
  check "boot partition has $f" test -f "$out/$f"
done
check "the kernel on the card is the one built" cmp -s "$bin/Image" "$out/Image"
config=$(cat "$out/config.txt")
check "config.txt: dtoverlay=vc4-kms-v3d (KMS for Wayland)" grep -Eq '^dtoverlay=vc4-kms-v3d(,|$)' <<< "$config"
check "config.txt: max_framebuffers=2" grep -qx 'max_framebuffers=2' <<< "$config"
check "config.txt: disable_fw_kms_setup=1" grep -qx 'disable_fw_kms_setup=1' <<< "$config"
check "config.txt: kernel= names a file on the card" test -f "$out/$(sed -n 's/^kernel=//p' <<< "$config")"
check "overlays/ holds the KMS overlay the firmware loads on a Pi 5" test -s "$out/overlays/vc4-kms-v3d-pi5.dtbo"
check_eq "cmdline.txt is one line" 1 "$(wc -l < "$out/cmdline.txt")"
read -r -a flags < "$out/cmdline.txt"
has_flag() { local f; for f in "${flags[@]}"; do [ "$f" = "$1" ] && return 0; done; return 1; }
check "cmdline.txt: ro (read-only root)" has_flag ro
check "cmdline.txt: consoleblank=0 (no console blanking)" has_flag consoleblank=0
check "cmdline.txt: rootwait" has_flag rootwait
check "cmdline.txt: net.ifnames=0 (the Wi-Fi unit is wpa_supplicant-nl80211@wlan0)" has_flag net.ifnames=0
check "cmdline.txt: root= is this image's rootfs partition" has_flag "root=PARTUUID=${root_uuid,,}"
lacks_flag() { ! has_flag "$1"; }
check "cmdline.txt: no rw" lacks_flag rw
check "kiosk.toml template on the card" cmp -s "$board/bootfs/kiosk.toml" "$out/kiosk.toml"
check "kiosk-system.txt template on the card" cmp -s "$board/bootfs/kiosk-system.txt" "$out/kiosk-system.txt"
check_eq "nothing else on the card" "$(printf '%s\n' ./Image ./bcm2712-rpi-500.dtb ./bcm2712-rpi-5-b.dtb ./bcm2712d0-rpi-5-b.dtb \
  ./cmdline.txt ./config.txt ./kiosk-system.txt ./kiosk.toml ./overlays/README ./overlays/overlay_map.dtb \
  ./overlays/vc4-kms-v3d-pi5.dtbo | sort)" "$listing"

echo "== the ext4 partitions"
root_off=$(($(part 1 start) * 512))
rootfs_size=$(stat -c %s "$bin/rootfs.ext4")
check "rootfs partition holds rootfs.ext4 byte for byte" \
  cmp -s -n "$rootfs_size" "$bin/rootfs.ext4" <(tail -c +$((root_off + 1)) "$img")
data_probe=$(blkid -p -o export -O $(($(part 2 start) * 512)) "$img")
check_contains "data partition: ext4" "$data_probe" "TYPE=ext4"
check_contains "data partition: label kiosk-data" "$data_probe" "LABEL=kiosk-data"

finish
