#!/usr/bin/env bash
# Buildroot post-build script: turns the target tree into the read-only appliance.
#
#   /etc/fstab        boot partition on /boot/firmware (read-only, opened by the import only),
#                     the data partition on /var (grown on the first boot), /tmp in RAM
#   /etc symlinks     what the boot import writes (hostname, time zone, Grafana credentials,
#                     Wi-Fi, SSH host keys) lives in /var/lib/kiosk-etc on the data partition
#   tty1              belongs to the wallboard (kiosk.service runs cage there): no getty
#   /etc/machine-id   empty: systemd makes one up on the first boot and the import pins it in
#                     cmdline.txt (systemd.machine_id=)
#
# Usage (buildroot calls it so): post-build.sh TARGET_DIR. Idempotent.
set -euo pipefail

TARGET_DIR=${1:-${TARGET_DIR:?}}
STATE=/var/lib/kiosk-etc
BOOT_PARTUUID=5b85ea14-1981-4d8c-8dd6-a5071aaa477e
DATA_PARTUUID=b5b6c541-5782-4d3e-a042-749be7435d90

die() { echo "post-build: $*" >&2; exit 1; }
cd "$TARGET_DIR"

for unit in kiosk.service kiosk-sync.service kiosk-sync.timer kiosk-import.service; do
  [ -f "usr/lib/systemd/system/$unit" ] || die "usr/lib/systemd/system/$unit is missing (package kiosk, board overlay)"
done

cat > etc/fstab << EOF
# <file system> <mount point> <type> <options> <dump> <pass>
/dev/root / auto ro 0 1
PARTUUID=$BOOT_PARTUUID /boot/firmware vfat ro,noatime,fmask=0133,dmask=0022,nofail 0 0
PARTUUID=$DATA_PARTUUID /var ext4 noatime,x-systemd.growfs,x-systemd.after=systemd-repart.service 0 2
tmpfs /tmp tmpfs mode=1777,nosuid,nodev,size=25% 0 0
EOF
mkdir -p boot/firmware

# link NAME: /etc/NAME -> /var/lib/kiosk-etc/NAME. A directory that is already there must be
# empty: its content would be hidden, so say so instead.
link() {
  if [ -d "etc/$1" ] && [ ! -L "etc/$1" ]; then
    rmdir "etc/$1" || die "etc/$1 is not empty; its files belong in $STATE/$1"
  fi
  ln -sfn "$STATE/$1" "etc/$1"
}
link hostname
link localtime
link kiosk
link wpa_supplicant
link dropbear
rm -f etc/timezone

# The wallboard owns tty1.
mkdir -p etc/systemd/system
rm -f etc/systemd/system/getty.target.wants/getty@tty1.service
ln -sfn /dev/null etc/systemd/system/getty@tty1.service

: > etc/machine-id
