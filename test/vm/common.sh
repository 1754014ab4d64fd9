# shellcheck shell=bash
# shellcheck disable=SC2034 # variables are for the scripts sourcing this
# common.sh - host-side helpers shared by prepare.sh, run-in-vm.sh and
# run-scenarios.sh. Sourced, never executed.
#
# Environment (all optional):
#   STAS_VM_CACHE       cache directory (default /var/tmp/stas-vm, or
#                       ~/.cache/stas-vm when /var/tmp is not writable)
#   STAS_VM_NO_INSTALL  1 = never run apt-get; just report what is missing

# sbin directories are not in a normal user's PATH, but depmod, modprobe,
# udevd and avahi-daemon live there.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export PATH

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_REPO=$(cd "$VM_DIR/../.." && pwd)

if [ -n "${STAS_VM_CACHE:-}" ]; then
    VM_CACHE=$STAS_VM_CACHE
elif mkdir -p /var/tmp/stas-vm 2>/dev/null && [ -w /var/tmp/stas-vm ]; then
    VM_CACHE=/var/tmp/stas-vm
else
    VM_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/stas-vm
fi

vm_log() { printf 'stas-vm: %s\n' "$*" >&2; }
vm_die() {
    printf 'stas-vm: ERROR: %s\n' "$*" >&2
    exit "${VM_DIE_STATUS:-1}"
}

vm_have() { command -v "$1" >/dev/null 2>&1; }

# Host packages the harness needs, as "package:probe" pairs. The probe is a
# command name, an absolute path that must be executable, or a special
# check (busybox-static must really be the static build: the initramfs has
# no C library).
VM_HOST_PACKAGES=(
    "qemu-system-x86:qemu-system-x86_64"
    "busybox-static:@busybox-static"
    "cpio:cpio"
    "kmod:depmod"
    "kmod:modprobe"
    "xz-utils:xz"
    "gzip:gzip"
    "nvme-cli:nvme"
    "udev:udevadm"
    "udev:/lib/systemd/systemd-udevd"
    "dbus:dbus-daemon"
    "avahi-daemon:avahi-daemon"
    "avahi-utils:avahi-browse"
    "iproute2:ip"
    "util-linux:flock"
    "util-linux:setsid"
    "binutils:readelf"
    "python3-prometheus-client:@python:prometheus_client.parser"
    "systemd:/lib/systemd/systemd"
)

_vm_probe_ok() {
    case "$1" in
        @busybox-static)
            [ -x /bin/busybox ] || return 1
            # a dynamically linked busybox names its ELF interpreter
            if vm_have readelf; then
                ! LC_ALL=C readelf -l /bin/busybox 2>/dev/null | grep -q 'program interpreter'
            else
                [ "$(dpkg-query -W -f='${db:Status-Status}' busybox-static 2>/dev/null)" = installed ]
            fi
            ;;
        @python:*) /usr/bin/python3 -c "import ${1#@python:}" 2>/dev/null ;;
        /*) [ -x "$1" ] ;;
        *) vm_have "$1" ;;
    esac
}

# Print the packages whose probe fails (each once).
vm_missing_packages() {
    local entry pkg seen=" "
    for entry in "${VM_HOST_PACKAGES[@]}"; do
        pkg=${entry%%:*}
        case "$seen" in *" $pkg "*) continue ;; esac
        if ! _vm_probe_ok "${entry#*:}"; then
            seen+="$pkg "
            echo "$pkg"
        fi
    done
}

_vm_apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=600 "$@" >&2
}

# Install the missing host packages with apt-get (root only), or die with a
# message naming them.
vm_ensure_host_packages() {
    local -a missing
    mapfile -t missing < <(vm_missing_packages)
    [ ${#missing[@]} -eq 0 ] && return 0
    local cmd="apt-get install --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" != 0 ] || [ "${STAS_VM_NO_INSTALL:-0}" = 1 ] || ! vm_have apt-get; then
        vm_die "missing host packages: ${missing[*]}
  The VM tests need them on the host (the guest runs the host's programs).
  Install them as root with:  $cmd"
    fi
    vm_log "installing missing host packages: ${missing[*]}"
    if ! _vm_apt_install "${missing[@]}"; then
        vm_log "apt-get install failed; running apt-get update and retrying"
        DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=600 >&2 ||
            vm_log "apt-get update failed"
        _vm_apt_install "${missing[@]}" ||
            vm_die "could not install: ${missing[*]} (try by hand: $cmd)"
    fi
    mapfile -t missing < <(vm_missing_packages)
    [ ${#missing[@]} -eq 0 ] ||
        vm_die "still missing after apt-get install: ${missing[*]}"
}
