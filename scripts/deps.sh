#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what stas needs to build and test, or say exactly what is missing.
# As root on Debian/Ubuntu (apt-get) or Fedora/RHEL (dnf) the missing
# packages are installed; otherwise the command to run is printed and the
# script fails. Usage: scripts/deps.sh [--check]
set -eu

check_only=false
[ "${1:-}" = "--check" ] && check_only=true

# Build and unit/CLI test dependencies. The VM suite installs its own
# (qemu, busybox, nvme-cli, ...) through test/vm.
DEBIAN_PKGS="meson ninja-build pkg-config gcc libc6-dev
  libnvme-dev libjson-c-dev libssl-dev
  libglib2.0-dev libglib2.0-dev-bin libjson-glib-dev
  libavahi-client-dev libavahi-glib-dev libudev-dev libsystemd-dev
  check valgrind python3 clang-format dbus-daemon
  clang-14 libclang-rt-14-dev
  xsltproc docbook-xsl docbook-xml systemd man-db"
FEDORA_PKGS="meson ninja-build pkgconf-pkg-config gcc
  libnvme-devel json-c-devel openssl-devel
  glib2-devel json-glib-devel avahi-devel avahi-glib-devel systemd-devel
  check-devel valgrind python3 clang-tools-extra dbus-daemon
  clang compiler-rt
  libxslt docbook-style-xsl systemd rpm-build"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	family=debian
	for p in $DEBIAN_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	install_cmd="apt-get install -y --no-install-recommends"
elif command -v rpm >/dev/null 2>&1; then
	family=fedora
	for p in $FEDORA_PKGS; do
		rpm -q "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	install_cmd="dnf install -y"
else
	echo "deps: unknown distribution (neither dpkg nor rpm); install by hand:" >&2
	echo "  meson, ninja, a C compiler, pkg-config and the development files of libnvme (>= 1.3)," >&2
	echo "  glib-2.0, gio-2.0, json-glib-1.0, avahi-client, avahi-glib, libudev, libsystemd, check" >&2
	exit 1
fi

if [ -z "$missing" ]; then
	echo "deps: all build and test dependencies are installed"
	exit 0
fi
if $check_only || [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root:  $install_cmd$missing" >&2
	exit 1
fi
echo "deps: installing:$missing"
if [ "$family" = debian ]; then
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine has no package lists; refresh them only when needed.
	# shellcheck disable=SC2086
	$install_cmd $missing || { apt-get update -q && $install_cmd $missing; }
else
	# shellcheck disable=SC2086
	$install_cmd $missing
fi
