################################################################################
#
# kiosk
#
################################################################################

# The sources are the repository this external tree lives in (image/ is one of
# its directories). The version only names the build directory; it follows
# src-tauri/Cargo.toml.
KIOSK_VERSION = 0.1.0
KIOSK_SITE = $(realpath $(BR2_EXTERNAL_KIOSK_PATH)/..)
KIOSK_SITE_METHOD = local
KIOSK_SUBDIR = src-tauri
KIOSK_LICENSE = Apache-2.0
KIOSK_DEPENDENCIES = host-pkgconf libgtk3 webkitgtk libsoup3
KIOSK_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS = \
	--exclude=/target --exclude=/image --exclude=/tests/.tmp \
	--exclude=node_modules

# A local source skips the download step, where buildroot vendors the crates of
# cargo packages, so `cargo build --offline` would find none. image/build.sh
# runs `cargo vendor` into KIOSK_VENDOR_DIR and saves the source replacement
# cargo prints next to it; both builds below read it with --config.
KIOSK_VENDOR_DIR ?= $(DL_DIR)/kiosk-vendor
KIOSK_VENDOR_CONFIG = $(KIOSK_VENDOR_DIR).toml

define KIOSK_CHECK_VENDORED_CRATES
	@test -f $(KIOSK_VENDOR_CONFIG) || { \
		echo "kiosk: no vendored crates at $(KIOSK_VENDOR_DIR):"; \
		echo "  run image/build.sh, or see docs/image.md"; \
		exit 1; }
endef
KIOSK_PRE_BUILD_HOOKS += KIOSK_CHECK_VENDORED_CRATES

KIOSK_CARGO_ENV = PKG_CONFIG_ALLOW_CROSS=1

# Without tauri/custom-protocol, cargo builds a Tauri development binary that
# loads devUrl instead of the embedded pages. Buildroot compiles twice (build,
# then install): both need it.
KIOSK_CARGO_BUILD_OPTS = \
	--config $(KIOSK_VENDOR_CONFIG) \
	--features tauri/custom-protocol
KIOSK_CARGO_INSTALL_OPTS = \
	--config $(KIOSK_VENDOR_CONFIG) \
	--features tauri/custom-protocol

KIOSK_USERS = kiosk -1 kiosk -1 * /var/lib/kiosk - video,input,render Grafana wallboard

define KIOSK_INSTALL_DASHBOARDS
	$(INSTALL) -d -m 0755 $(TARGET_DIR)/usr/share/kiosk/dashboards
	$(INSTALL) -m 0644 $(@D)/dashboards/*.json $(@D)/dashboards/vendor.toml \
		$(@D)/dashboards/vendor.lock $(TARGET_DIR)/usr/share/kiosk/dashboards/
endef
KIOSK_POST_INSTALL_TARGET_HOOKS += KIOSK_INSTALL_DASHBOARDS

# The units are the project's own (systemd/); the image adds drop-ins in its
# rootfs overlay and enables them with a preset.
define KIOSK_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/systemd/kiosk.service \
		$(TARGET_DIR)/usr/lib/systemd/system/kiosk.service
	$(INSTALL) -D -m 0644 $(@D)/systemd/kiosk-sync.service \
		$(TARGET_DIR)/usr/lib/systemd/system/kiosk-sync.service
	$(INSTALL) -D -m 0644 $(@D)/systemd/kiosk-sync.timer \
		$(TARGET_DIR)/usr/lib/systemd/system/kiosk-sync.timer
	$(INSTALL) -D -m 0644 $(@D)/systemd/kiosk.tmpfiles \
		$(TARGET_DIR)/usr/lib/tmpfiles.d/kiosk.conf
	$(INSTALL) -D -m 0644 $(@D)/systemd/kiosk.sysusers \
		$(TARGET_DIR)/usr/lib/sysusers.d/kiosk.conf
endef

$(eval $(cargo-package))
