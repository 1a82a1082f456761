#!/usr/bin/env bash
# Builds the Raspberry Pi 5 SD card image of kiosk: one command, on a Linux machine with
# internet access and buildroot's host requirements (see docs/image.md).
#
#   image/build.sh            fetch buildroot, vendor the crates, build, package
#   image/build.sh menuconfig any other argument is passed to buildroot's make
#
# Every step is resumable: run it again after an interruption or a change and it continues.
# Result, in $KIOSK_IMAGE_WORK/dist:
#   sdcard.img.xz             the image for Raspberry Pi Imager or dd
#   sdcard.img.xz.sha256      its checksum (sha256sum -c)
#   os_list.json              a Raspberry Pi Imager repository naming that image
#
# Environment:
#   KIOSK_IMAGE_WORK  work directory (default: image/output, ignored by git); 30 GB free
#   BR2_DL_DIR        buildroot's download cache (default: $KIOSK_IMAGE_WORK/dl); can be shared
#   BUILDROOT_URL     another place to fetch the same buildroot tag from (the tree is checked)
#   KIOSK_IMAGE_URL   where os_list.json says the image will be served from
#                     (default: file:// URL of dist/sdcard.img.xz)
set -euo pipefail

# The buildroot release this tree is written for. The tree digest covers every file, symlink
# and executable bit of the unpacked release (see tree_digest), so any archive of the same tag
# (GitHub's, a mirror's, `git archive`) passes, and nothing else does.
BR_VERSION=2026.05.1
BR_COMMIT=cb857ba4c87a93e5265a9e4a3f32071abf39e14a
BR_TREE_SHA256=3786d8f4e49cbd2c5116a0df32ed0e959817332f2593e6aaaeef034c232e735d
BR_URL=${BUILDROOT_URL:-https://github.com/buildroot/buildroot/archive/$BR_COMMIT.tar.gz}

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
WORK=${KIOSK_IMAGE_WORK:-$here/output}
export BR2_DL_DIR=${BR2_DL_DIR:-$WORK/dl}
BR=$WORK/buildroot-$BR_VERSION
OUT=$WORK/build
DIST=$WORK/dist

step() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# tree_digest DIR: one sha256 over the content of every file, the target of every symlink and
# the executable bits, in a fixed order; independent of how the tree was packed.
tree_digest() {
  (
    cd "$1"
    export LC_ALL=C
    find . -type f -print0 | sort -z | xargs -0 sha256sum
    find . -type l -printf 'L %p -> %l\n' | sort
    find . -type f -perm -u+x -printf 'X %p\n' | sort
  ) | sha256sum | cut -d' ' -f1
}

check_host() {
  local t missing=()
  for t in make gcc g++ patch perl python3 rsync bc cpio unzip file wget curl tar xz sha256sum cargo; do
    command -v "$t" > /dev/null 2>&1 || missing+=("$t")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing on this machine: ${missing[*]} (Debian: apt-get install build-essential rsync bc cpio unzip file wget curl xz-utils; cargo from rustup)"
}

fetch_buildroot() {
  if [ -f "$BR/.kiosk-tree-sha256" ] && [ "$(cat "$BR/.kiosk-tree-sha256")" = "$BR_TREE_SHA256" ]; then
    return
  fi
  step "fetching buildroot $BR_VERSION"
  mkdir -p "$BR2_DL_DIR"
  local tarball=$BR2_DL_DIR/buildroot-$BR_VERSION.tar.gz
  if [ ! -f "$tarball" ]; then
    # -C -: a broken download resumes where it stopped.
    curl -fL --retry 3 -C - -o "$tarball.part" "$BR_URL"
    mv "$tarball.part" "$tarball"
  fi
  local unpack=$WORK/.buildroot-unpack
  rm -rf "$unpack"
  mkdir -p "$unpack"
  tar -xzf "$tarball" -C "$unpack"
  local top
  top=$(find "$unpack" -mindepth 1 -maxdepth 1 -type d)
  [ "$(printf '%s\n' "$top" | wc -l)" = 1 ] || die "$tarball does not unpack into one directory"
  local digest
  digest=$(tree_digest "$top")
  if [ "$digest" != "$BR_TREE_SHA256" ]; then
    rm -f "$tarball"
    die "buildroot from $BR_URL is not $BR_VERSION (tree sha256 $digest, expected $BR_TREE_SHA256); the download was removed"
  fi
  rm -rf "$BR"
  mv "$top" "$BR"
  rm -rf "$unpack"
  echo "$BR_TREE_SHA256" > "$BR/.kiosk-tree-sha256"
}

# Buildroot's cargo vendoring runs in its download step, which a local source skips; so the
# crates are vendored here, once per Cargo.lock, into $BR2_DL_DIR/kiosk-vendor, with the
# source replacement cargo prints saved as kiosk-vendor.toml (package/kiosk/kiosk.mk).
vendor_crates() {
  local stamp=$BR2_DL_DIR/kiosk-vendor.lock-sha256 lock
  lock=$(sha256sum "$repo/Cargo.lock" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ] && [ -f "$BR2_DL_DIR/kiosk-vendor.toml" ]; then
    return
  fi
  step "vendoring the crates of Cargo.lock"
  mkdir -p "$BR2_DL_DIR"
  rm -f "$stamp"
  cargo vendor --locked --versioned-dirs --manifest-path "$repo/Cargo.toml" \
    "$BR2_DL_DIR/kiosk-vendor" > "$BR2_DL_DIR/kiosk-vendor.toml.new"
  mv "$BR2_DL_DIR/kiosk-vendor.toml.new" "$BR2_DL_DIR/kiosk-vendor.toml"
  echo "$lock" > "$stamp"
}

brmake() { make -C "$BR" O="$OUT" BR2_EXTERNAL="$here" "$@"; }

configure() {
  local defconfig=$here/configs/kiosk_rpi5_defconfig
  if [ ! -f "$OUT/.config" ] || [ "$defconfig" -nt "$OUT/.config" ]; then
    step "configuring (kiosk_rpi5_defconfig)"
    brmake kiosk_rpi5_defconfig
  fi
}

build() {
  # The kiosk sources are a local directory: take the current state of the repository.
  if compgen -G "$OUT/build/kiosk-*/.stamp_rsynced" > /dev/null; then
    step "re-syncing the kiosk sources"
    brmake kiosk-rebuild
  fi
  step "building (the first build takes hours)"
  brmake
}

package() {
  local img=$OUT/images/sdcard.img
  [ -f "$img" ] || die "$img was not built"
  step "compressing sdcard.img"
  mkdir -p "$DIST"
  xz -T0 -9 -k -f -c "$img" > "$DIST/sdcard.img.xz.new"
  mv "$DIST/sdcard.img.xz.new" "$DIST/sdcard.img.xz"
  (cd "$DIST" && sha256sum sdcard.img.xz > sdcard.img.xz.sha256)

  local url=${KIOSK_IMAGE_URL:-file://$DIST/sdcard.img.xz}
  local extract_size extract_sha download_size download_sha version
  extract_size=$(stat -c %s "$img")
  extract_sha=$(sha256sum "$img" | cut -d' ' -f1)
  download_size=$(stat -c %s "$DIST/sdcard.img.xz")
  download_sha=$(cut -d' ' -f1 "$DIST/sdcard.img.xz.sha256")
  version=$(git -C "$repo" describe --always --dirty 2> /dev/null || echo unknown)
  cat > "$DIST/os_list.json" << EOF
{
  "os_list": [
    {
      "name": "kiosk Grafana wallboard ($version)",
      "description": "Boots a Raspberry Pi 5 into a fullscreen, rotating Grafana wallboard. Put kiosk.toml and kiosk-system.txt on the boot partition after writing.",
      "url": "$url",
      "extract_size": $extract_size,
      "extract_sha256": "$extract_sha",
      "image_download_size": $download_size,
      "image_download_sha256": "$download_sha",
      "release_date": "$(date -u +%Y-%m-%d)",
      "devices": ["pi5-64bit"]
    }
  ]
}
EOF
  step "done"
  printf '%s\n' "$DIST/sdcard.img.xz" "$DIST/sdcard.img.xz.sha256" "$DIST/os_list.json"
}

check_host
mkdir -p "$WORK"
fetch_buildroot
vendor_crates
configure
if [ "$#" -gt 0 ]; then
  brmake "$@"
  exit
fi
build
package
