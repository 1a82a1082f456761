#!/usr/bin/env bash
# Buildroot post-image script: lays out sdcard.img from what the build put in BINARIES_DIR.
#
#   boot (FAT)     rpi-firmware/* (config.txt, cmdline.txt, overlays/, and the kiosk.toml and
#                  kiosk-system.txt templates), the kernel named by config.txt, the DTBs
#   rootfs (ext4)  rootfs.ext4, mounted read-only
#   data (ext4)    empty, mounted on /var, grown on the first boot
#
# Usage (buildroot calls it so): post-image.sh BINARIES_DIR; BUILD_DIR is where genimage may
# put its temporary files. genimage, mkdosfs, mcopy and mke2fs come from PATH (buildroot's host
# tools, or Debian's in image/tests/check-genimage.sh).
set -euo pipefail

BOARD_DIR=$(cd "$(dirname "$0")" && pwd)
BINARIES_DIR=${1:-${BINARIES_DIR:?}}
GENIMAGE_TMP=${BUILD_DIR:?BUILD_DIR must be set}/genimage.tmp
FW=$BINARIES_DIR/rpi-firmware

die() { echo "post-image: $*" >&2; exit 1; }

[ -f "$FW/config.txt" ] || die "$FW/config.txt is missing (BR2_PACKAGE_RPI_FIRMWARE_CONFIG_FILE)"
[ -f "$FW/cmdline.txt" ] || die "$FW/cmdline.txt is missing (BR2_PACKAGE_RPI_FIRMWARE_CMDLINE_FILE)"
[ -d "$FW/overlays" ] || die "$FW/overlays is missing (BR2_PACKAGE_RPI_FIRMWARE_INSTALL_DTB_OVERLAYS)"
kernel=$(sed -n 's/^kernel=//p' "$FW/config.txt" | tail -n 1)
if [ -z "$kernel" ] || [ ! -f "$BINARIES_DIR/$kernel" ]; then die "config.txt names kernel=$kernel, not found in $BINARIES_DIR"; fi
compgen -G "$BINARIES_DIR/bcm2712*.dtb" > /dev/null || die "no bcm2712*.dtb in $BINARIES_DIR"

files=()
for f in "$BINARIES_DIR"/*.dtb "$FW"/*; do
  files+=("${f#"$BINARIES_DIR"/}")
done
files+=("$kernel")

list=$(printf '\t\t\t"%s",\n' "${files[@]}")
awk -v list="$list" '$0 == "#BOOT_FILES#" { print list; next } { print }' \
  "$BOARD_DIR/genimage.cfg.in" > "$BINARIES_DIR/genimage.cfg"

# An empty root path: genimage copies it whole, and every partition image is prebuilt or empty.
rootpath=$(mktemp -d)
trap 'rm -rf "$rootpath"' EXIT
rm -rf "$GENIMAGE_TMP"
genimage \
  --rootpath "$rootpath" \
  --tmppath "$GENIMAGE_TMP" \
  --inputpath "$BINARIES_DIR" \
  --outputpath "$BINARIES_DIR" \
  --config "$BINARIES_DIR/genimage.cfg"
