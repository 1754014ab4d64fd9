#!/bin/bash
# prepare.sh - make everything the VM tests boot: host packages, the Debian
# kernel and a tiny initramfs. Safe to run any time; it only does work when
# something is missing or an input changed.
#
# Cache layout ($STAS_VM_CACHE, default /var/tmp/stas-vm):
#   dl/<pkg>_<ver>_amd64.deb     the kernel package (apt-get download)
#   kernel-<kver>/               the .deb extracted, depmod run on it,
#                                plus vmlinux (uncompressed, for PVH boot)
#   initramfs-<hash>.img         stage 1 (busybox + 9p/overlay modules);
#                                <hash> covers every input that goes in it
#   kvm.ok / kvm.bad             result of the one-off KVM probe (run-in-vm.sh)
#   runs/run.*                   per-run directories (logs)
#
# On success, prints on stdout (one per line) KVER=, KDIR=, VMLINUX= (may
# be empty), BZIMAGE= and INITRD=, for run-in-vm.sh. Messages go to stderr.
#
# Environment: STAS_VM_WORLD selects the world whose kernel is prepared:
# debian12 (the default: Debian 12's kernel, from the machine's own apt
# sources) or trixie (Debian 13's, see kernel.conf); STAS_VM_KERNEL_PKG
# overrides the world's kernel package; STAS_VM_FORCE=1 rebuilds the
# initramfs; see also common.sh. Also printed: TCG_CPU=, the qemu CPU model
# the world's kernel needs under TCG.
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=kernel.conf
. "$VM_DIR/kernel.conf"

mkdir -p "$VM_CACHE/dl" || vm_die "cannot create cache dir $VM_CACHE"
exec 9>"$VM_CACHE/.lock"
flock 9 # one preparer at a time; parallel runs share the result

vm_ensure_host_packages

# ------------------------------------------------------------------ kernel
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
APT_DL_OPTS=(-q)
# as root, apt would otherwise complain that _apt cannot write to dl/
[ $IS_ROOT = 1 ] && APT_DL_OPTS+=(-o APT::Sandbox::User=root)

WORLD=${STAS_VM_WORLD:-debian12}
TCG_CPU=max
PRIVATE_APT=0
case "$WORLD" in
    debian12) ;;
    trixie)
        KERNEL_PKG=$TRIXIE_KERNEL_PKG KERNEL_FALLBACK=$TRIXIE_KERNEL_FALLBACK TCG_CPU=$TRIXIE_TCG_CPU
        # trixie's archive through lists of its own: the machine's sources,
        # lists and package cache stay as they are
        PRIVATE_APT=1
        APT_DIR=$VM_CACHE/apt-$WORLD
        mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache"
        echo "$TRIXIE_APT_SOURCE" >"$APT_DIR/sources.list"
        APT_DL_OPTS+=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/nonexistent
            -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache")
        ;;
    *) vm_die "unknown world '$WORLD' (STAS_VM_WORLD: debian12 or trixie)" ;;
esac

cached_deb() { # cached_deb PKG -> path of the newest cached .deb, if any
    local f best=
    for f in "$VM_CACHE/dl/$1"_*.deb; do
        [ -f "$f" ] && best=$f
    done
    [ -n "$best" ] && echo "$best"
}

download_deb() { # download_deb PKG -> path; apt-get update once if needed
    local pkg=$1 try
    for try in 1 2; do
        if (cd "$VM_CACHE/dl" && apt-get download "${APT_DL_OPTS[@]}" "$pkg" >&2); then
            cached_deb "$pkg"
            return 0
        fi
        if [ $try != 1 ] || { [ $IS_ROOT != 1 ] && [ $PRIVATE_APT != 1 ]; }; then break; fi
        vm_log "apt-get download $pkg failed; running apt-get update"
        apt-get update "${APT_DL_OPTS[@]}" >&2 || vm_log "apt-get update failed"
    done
    return 1
}

KPKG=${STAS_VM_KERNEL_PKG:-$KERNEL_PKG}
DEB=$(cached_deb "$KPKG" || true)
if [ -z "$DEB" ]; then
    vm_log "downloading kernel package $KPKG"
    DEB=$(download_deb "$KPKG" || true)
fi
if [ -z "$DEB" ] && [ -n "${KERNEL_FALLBACK:-}" ] && [ -z "${STAS_VM_KERNEL_PKG:-}" ]; then
    FB=$(apt-cache "${APT_DL_OPTS[@]}" depends "$KERNEL_FALLBACK" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    if [ -n "$FB" ]; then
        {
            echo "stas-vm: ##################################################################"
            echo "stas-vm: WARNING: the pinned kernel package $KPKG cannot be downloaded"
            echo "stas-vm: WARNING: (gone from the Debian archive?). Falling back to $FB,"
            echo "stas-vm: WARNING: the current dependency of $KERNEL_FALLBACK."
            echo "stas-vm: WARNING: Update KERNEL_PKG in test/vm/kernel.conf to: $FB"
            echo "stas-vm: ##################################################################"
        } >&2
        KPKG=$FB
        DEB=$(cached_deb "$KPKG" || download_deb "$KPKG" || true)
    fi
fi
[ -n "$DEB" ] || vm_die "cannot get the kernel package $KPKG with apt-get download
  (no network to the Debian archive, or the package was removed from it:
  check 'apt-get update && apt-cache policy linux-image-amd64' and update
  KERNEL_PKG in $VM_DIR/kernel.conf)"

KVER=${KPKG#linux-image-}
KDIR=$VM_CACHE/kernel-$KVER
if [ "$(cat "$KDIR/.done" 2>/dev/null)" != "${DEB##*/}" ]; then
    vm_log "extracting ${DEB##*/}"
    rm -rf "$KDIR"
    mkdir -p "$KDIR"
    dpkg-deb -x "$DEB" "$KDIR"
    # merged-/usr packages (Debian 13) ship usr/lib/modules
    [ -e "$KDIR/lib" ] || ln -s usr/lib "$KDIR/lib"
    [ -f "$KDIR/boot/vmlinuz-$KVER" ] || vm_die "${DEB##*/} has no boot/vmlinuz-$KVER"
    depmod -b "$KDIR" "$KVER"
    echo "${DEB##*/}" >"$KDIR/.done"
fi
BZIMAGE=$KDIR/boot/vmlinuz-$KVER

# The bzImage decompresses itself inside the guest, which takes ~6 s under
# TCG. qemu can boot the uncompressed ELF vmlinux directly (PVH entry point)
# instead, so unpack it once here.
extract_vmlinux() { # extract_vmlinux BZIMAGE OUT
    local img=$1 out=$2 magic off
    for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
        off=$(LC_ALL=C grep -obUaP -m1 "${magic#*:}" "$img" 2>/dev/null | head -n1 | cut -d: -f1 || true)
        [ -n "$off" ] || continue
        case "${magic%%:*}" in
            xz) tail -c +$((off + 1)) "$img" | xz -dcq --single-stream >"$out" 2>/dev/null || true ;;
            zstd) tail -c +$((off + 1)) "$img" | zstd -dcq >"$out" 2>/dev/null || true ;;
            gzip) tail -c +$((off + 1)) "$img" | gzip -dcq >"$out" 2>/dev/null || true ;;
        esac
        # must be an ELF with the PVH entry note (Xen note type 0x12)
        if [ "$(head -c4 "$out" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
            LC_ALL=C readelf -n "$out" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
            return 0
        fi
    done
    return 1
}
if [ ! -f "$KDIR/vmlinux" ] && [ ! -f "$KDIR/vmlinux.unusable" ]; then
    vm_log "unpacking vmlinux for PVH boot"
    if extract_vmlinux "$BZIMAGE" "$KDIR/vmlinux.tmp"; then
        mv "$KDIR/vmlinux.tmp" "$KDIR/vmlinux"
    else
        rm -f "$KDIR/vmlinux.tmp"
        touch "$KDIR/vmlinux.unusable"
        vm_log "no PVH-capable vmlinux; booting the bzImage (slower)"
    fi
fi
VMLINUX=
[ -f "$KDIR/vmlinux" ] && VMLINUX=$KDIR/vmlinux

# --------------------------------------------------------------- initramfs
# Stage 1 only needs to reach the host root: virtio PCI, 9p and overlayfs.
# Everything else is modprobe'd by stage 2 from the extracted kernel tree.
STAGE1_MODULES="virtio_pci 9pnet_virtio 9p overlay"
MODFILES=$(for m in $STAGE1_MODULES; do
    modprobe -d "$KDIR" -S "$KVER" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
[ -n "$MODFILES" ] || vm_die "cannot resolve stage-1 modules in $KDIR"

SIG=$({
    cat "$VM_DIR/guest/init"
    sha256sum /bin/busybox
    echo "$KVER $STAGE1_MODULES"
    for f in $MODFILES; do sha256sum "$f"; done
} | sha256sum | cut -c1-16)
INITRD=$VM_CACHE/initramfs-$SIG.img
if [ ! -f "$INITRD" ] || [ "${STAS_VM_FORCE:-0}" = 1 ]; then
    vm_log "building initramfs ${INITRD##*/}"
    T=$(mktemp -d "$VM_CACHE/initramfs.XXXXXX")
    trap 'rm -rf "$T"' EXIT
    mkdir -p "$T"/{bin,dev,proc,sys,mods,lower,ovl,newroot}
    cp /bin/busybox "$T/bin/busybox"
    ln -s busybox "$T/bin/sh"
    install -m 0755 "$VM_DIR/guest/init" "$T/init"
    i=10
    for f in $MODFILES; do # numbered: insmod order = dependency order
        b=$i-${f##*/}
        case "$f" in
            *.ko) cp "$f" "$T/mods/$b" ;;
            *.ko.xz) xz -dc "$f" >"$T/mods/${b%.xz}" ;;
            *.ko.zst) zstd -qdc "$f" >"$T/mods/${b%.zst}" ;;
            *.ko.gz) gzip -dc "$f" >"$T/mods/${b%.gz}" ;;
            *) vm_die "unknown module format: $f" ;;
        esac
        i=$((i + 1))
    done
    (cd "$T" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$INITRD.tmp"
    mv "$INITRD.tmp" "$INITRD"
fi

printf '%s\n' "KVER=$KVER" "KDIR=$KDIR" "VMLINUX=$VMLINUX" "BZIMAGE=$BZIMAGE" "INITRD=$INITRD" "TCG_CPU=$TCG_CPU"
