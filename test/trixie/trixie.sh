#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# trixie.sh - Debian 13 (trixie) as a second proving ground for the build:
# the tree is built in a trixie root (gcc 14, GLib 2.84, libnvme 1.13) with
# -Werror, its unit and CLI suites run there, the .deb is built there, and
# that .deb is installed into a throwaway trixie root where trixie's own
# nvme-stas is installed and its stafd.conf edited: ours must replace it and
# keep the admin's file.
#
# Roots are made with debootstrap (minbase) and cached under $CACHE, keyed by
# the package lists below; nothing on the machine itself is changed except
# installing debootstrap. Needs root (chroot) and Debian's mirror.
# The build root is also the root filesystem of the VM harness's trixie
# world (test/vm, "# stas-vm-world: trixie"): 'world' brings its copy of the
# tree and its build up to date and prints the root's path; 'world-deb' does
# the same for its systemd world, and also makes sure the root holds the .deb
# of this tree (/packages) and, for the swap scenario, Debian's nvme-stas and
# the packages it needs (/var/cache/stas-swap), downloaded once per root.
# Usage: test/trixie/trixie.sh [build|package|install|all|world|world-deb]
#        (default all)
# STAS_SKIP_TRIXIE=1 skips it all (exit 0, with a loud warning).
# (the sh -c programs are single-quoted on purpose)
# shellcheck disable=SC2016,SC2012
set -euo pipefail

if [ "${STAS_SKIP_TRIXIE:-0}" = 1 ]; then
    cat >&2 <<'WARN'
########################################################################
##   DEBIAN 13 CHECKS SKIPPED (STAS_SKIP_TRIXIE=1)                    ##
##   The trixie build, its suites and the .deb swap were not run.     ##
########################################################################
WARN
    exit 0
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${STAS_TRIXIE_CACHE:-/var/tmp/stas-trixie}
MIRROR=${STAS_TRIXIE_MIRROR:-http://deb.debian.org/debian}
step=${1:-all}

# What the build root needs: the build and test dependencies of
# scripts/deps.sh (Debian 13 names), the packaging tools, and what the VM
# scenarios run in the guest (udevd, dbus, avahi, nvme-cli, tlshd, keyctl).
BUILD_PKGS="meson ninja-build pkg-config gcc libc6-dev libnvme-dev libjson-c-dev libssl-dev
  libglib2.0-dev libglib2.0-dev-bin libjson-glib-dev libavahi-client-dev libavahi-glib-dev
  libudev-dev libsystemd-dev systemd-dev check python3 dbus-daemon xsltproc docbook-xsl docbook-xml
  systemd man-db dpkg-dev debhelper fakeroot lintian git ca-certificates
  udev dbus avahi-daemon avahi-utils nvme-cli ktls-utils keyutils kmod iproute2 libglib2.0-bin procps"
# The throwaway root starts as an installation of trixie's nvme-stas.
INSTALL_PKGS="nvme-stas"

say() { printf 'trixie: %s\n' "$*"; }
die() {
    printf 'trixie: %s\n' "$*" >&2
    exit 1
}
t0=$(date +%s)
elapsed() { echo $(($(date +%s) - t0)); }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"
if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends debootstrap >/dev/null; } ||
        die "cannot install debootstrap"
fi

# in_root ROOT CMD...: CMD in ROOT with /proc, /sys and /dev, in a mount
# namespace of its own (nothing stays mounted afterwards).
in_root() {
    local root=$1
    shift
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    unshare --mount --propagation private -- /bin/sh -c '
        r=$1; shift
        mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
            mount --rbind /dev "$r/dev" && mount -t tmpfs tmp "$r/tmp" || exit 1
        exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
            LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$root" "$@"
}

# root_for NAME PKGS: a cached trixie root with PKGS installed; remade when
# the list changes or the root is older than a week (security updates).
root_for() {
    local name=$1 pkgs root=$CACHE/$1 key
    pkgs=$(printf '%s' "$2" | tr -s ' \n' '  ')
    # shellcheck disable=SC2086 # one package per line
    key=$(printf '%s\n' $pkgs | sort | sha1sum | cut -c1-16)
    if [ -f "$root/.stas-key" ] && [ "$(cat "$root/.stas-key")" = "$key" ] &&
        [ -z "$(find "$root/.stas-key" -mtime +7)" ]; then
        echo "$root"
        return
    fi
    say "making the $name root (debootstrap trixie, then: $pkgs)" >&2
    rm -rf "$root.new"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase trixie "$root.new" "$MIRROR" >"$CACHE/$name.debootstrap.log" 2>&1 ||
        die "debootstrap failed; see $CACHE/$name.debootstrap.log"
    # shellcheck disable=SC2086
    in_root "$root.new" sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $pkgs" \
        >"$CACHE/$name.apt.log" 2>&1 || die "apt-get in the $name root failed; see $CACHE/$name.apt.log"
    in_root "$root.new" apt-get clean
    echo "$key" >"$root.new/.stas-key"
    rm -rf "$root"
    mv "$root.new" "$root"
    echo "$root"
}

# The working tree (committed or not), without build directories.
copy_tree() {
    local dest=$1
    rm -rf "$dest"
    mkdir -p "$dest"
    git -C "$top" ls-files -z -co --exclude-standard | (cd "$top" && tar --null -T - -cf -) | tar -x -C "$dest"
}

BUILD_ROOT=
build_root() {
    [ -n "$BUILD_ROOT" ] && return
    BUILD_ROOT=$(root_for build-root "$BUILD_PKGS") || exit 1
}

do_build() {
    build_root
    copy_tree "$BUILD_ROOT/src"
    say "building with -Werror and running the unit and CLI suites ($(in_root "$BUILD_ROOT" gcc --version | head -1))"
    in_root "$BUILD_ROOT" sh -c 'cd /src && rm -rf /var/tmp/stas-build &&
        meson setup /var/tmp/stas-build -Dwerror=true >/var/tmp/stas-setup.log &&
        ninja -C /var/tmp/stas-build >/var/tmp/stas-ninja.log 2>&1 || { tail -40 /var/tmp/stas-ninja.log; exit 1; }
        meson test -C /var/tmp/stas-build --suite unit --suite cli --print-errorlogs --num-processes 2 \
            >/var/tmp/stas-test.log 2>&1; rc=$?; tail -12 /var/tmp/stas-test.log; exit $rc' ||
        die "build or unit/CLI suites failed in trixie (after $(elapsed) s)"
    in_root "$BUILD_ROOT" sh -c 'dpkg-query -W -f="  \${Package} \${Version}\n" libnvme-dev libglib2.0-dev gcc-14 2>/dev/null'
    say "build and suites: $(elapsed) s"
}

# do_package [--if-changed]: the .deb of the tree in /packages
do_package() {
    build_root
    copy_tree "$BUILD_ROOT/src"
    [ "${1:-}" = --if-changed ] || rm -rf "$BUILD_ROOT/packages"
    say "building the .deb" >&2
    in_root "$BUILD_ROOT" sh -c 'cd /src && scripts/package.sh "$@" deb /packages' sh "$@" >"$CACHE/package.log" 2>&1 ||
        { tail -30 "$CACHE/package.log"; die "the .deb does not build in trixie"; }
    ls "$BUILD_ROOT"/packages/stas_*.deb >/dev/null 2>&1 || die "no stas_*.deb in $BUILD_ROOT/packages"
    say "package: $(basename "$(ls "$BUILD_ROOT"/packages/stas_*.deb | head -1)"), $(elapsed) s" >&2
}

# Debian's nvme-stas and what it needs beyond the build root, for the VM's
# swap scenario to install offline (the guest has no network).
SWAP_DEBS=/var/cache/stas-swap
swap_debs() {
    build_root
    ls "$BUILD_ROOT$SWAP_DEBS"/nvme-stas_*.deb >/dev/null 2>&1 && return
    say "downloading nvme-stas and its dependencies into $SWAP_DEBS" >&2
    in_root "$BUILD_ROOT" sh -c 'mkdir -p "$1/partial" && { apt-get install -y -q --download-only \
        --no-install-recommends -o Dir::Cache::archives="$1" nvme-stas ||
        { apt-get update -q && apt-get install -y -q --download-only --no-install-recommends \
            -o Dir::Cache::archives="$1" nvme-stas; }; }' sh "$SWAP_DEBS" >"$CACHE/swap-debs.log" 2>&1 ||
        { tail -20 "$CACHE/swap-debs.log" >&2; die "cannot download nvme-stas for the swap scenario"; }
    ls "$BUILD_ROOT$SWAP_DEBS"/nvme-stas_*.deb >/dev/null 2>&1 || die "no nvme-stas .deb was downloaded"
}

do_install() {
    local base deb marker="# edited by the admin: kept across the swap"
    build_root
    deb=$(ls "$BUILD_ROOT"/packages/stas_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || die "no .deb yet: run '$0 package' first"
    base=$(root_for install-root "$INSTALL_PKGS") || exit 1
    throw=$CACHE/throwaway # global: the EXIT trap removes it
    rm -rf "$throw"
    cp -a "$base" "$throw"
    trap 'rm -rf "$throw"' EXIT
    in_root "$throw" dpkg-query -W -f='${Package} ${Version}\n' nvme-stas | sed 's/^/  before: /'
    grep -q . "$throw/etc/stas/stafd.conf" || die "trixie's nvme-stas has no /etc/stas/stafd.conf"
    printf '%s\n[Global]\nkato = 37\n' "$marker" >>"$throw/etc/stas/stafd.conf"
    cp "$deb" "$throw/tmp.deb"
    say "installing $(basename "$deb") over trixie's nvme-stas"
    in_root "$throw" apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold /tmp.deb \
        >"$CACHE/install.log" 2>&1 || { tail -30 "$CACHE/install.log"; die "apt-get install of the .deb failed"; }
    in_root "$throw" dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' stas nvme-stas 2>/dev/null |
        sed 's/^/  after: /'
    in_root "$throw" dpkg-query -W -f='${db:Status-Abbrev}' stas | grep -q '^ii' || die "stas is not installed"
    if in_root "$throw" dpkg-query -W -f='${db:Status-Abbrev}' nvme-stas 2>/dev/null | grep -q '^ii'; then
        die "nvme-stas is still installed next to stas"
    fi
    grep -qxF "$marker" "$throw/etc/stas/stafd.conf" || die "the edited stafd.conf was not kept"
    in_root "$throw" stafd --version | grep -q . || die "the installed stafd does not run"
    in_root "$throw" stafd --check-config >"$CACHE/check-config.log" 2>&1 ||
        { cat "$CACHE/check-config.log"; die "stafd --check-config refuses the kept stafd.conf"; }
    say "installed: stas replaces nvme-stas, the edited stafd.conf is kept and checks; $(elapsed) s"
}

# The VM world: the tree at /src and its build at /var/tmp/stas-build, built
# incrementally (tar keeps the files' times, so ninja redoes only what
# changed). Prints the root's path on stdout; messages go to stderr.
do_world() {
    build_root
    copy_tree "$BUILD_ROOT/src"
    in_root "$BUILD_ROOT" sh -c 'cd /src && { [ -f /var/tmp/stas-build/build.ninja ] ||
        meson setup /var/tmp/stas-build -Dwerror=true >/var/tmp/stas-setup.log; } &&
        ninja -C /var/tmp/stas-build >/var/tmp/stas-ninja.log 2>&1 || { tail -40 /var/tmp/stas-ninja.log; exit 1; }' >&2 ||
        die "the tree does not build in the trixie root"
    echo "$BUILD_ROOT"
}

case "$step" in
world)
    do_world
    exit 0
    ;;
world-deb)
    do_package --if-changed
    swap_debs
    do_world
    exit 0
    ;;
build) do_build ;;
package) do_package ;;
install) do_install ;;
all) do_build && do_package && do_install ;;
*) die "usage: $0 [build|package|install|all|world|world-deb]" ;;
esac
say "PASS ($step, $(elapsed) s)"
