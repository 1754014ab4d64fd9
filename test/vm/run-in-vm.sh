#!/bin/bash
# run-in-vm.sh [OPTIONS] SCRIPT [ARG...]
#
# Boot the test VM and run SCRIPT in it with bash, as root. The guest is a
# stock Debian kernel under qemu whose root filesystem is the host's own
# root (virtio-9p, read-only) under a tmpfs overlay, so every host program
# and the project's build directory are there at the same paths, and the
# guest may write anywhere (the writes are thrown away). With --world
# trixie, the root is a Debian 13 root instead (--root, made by
# test/trixie/trixie.sh world, with this tree at /src) and the kernel is
# Debian 13's; SCRIPT and --cwd are then paths inside that root. Before SCRIPT runs,
# configfs, nvme-tcp, nvmet, nvmet-tcp and null_blk are loaded and
# systemd-udevd and a system dbus-daemon are running. SCRIPT's output is
# streamed here. Helpers for SCRIPT: guest/lib.sh.
#
# Options:
#   -t SEC          kill the VM after SEC seconds (default 600)
#   -k              keep the run directory (output.log, setup.log,
#                   console.log, dmesg.log, ...) and print its path
#   --run-dir DIR   use DIR (must exist) as the run directory; it is kept
#   --cwd DIR       directory SCRIPT starts in (default: the current one)
#   --world W       debian12 (default) or trixie: which kernel (kernel.conf)
#   --init I        script (default): stage 2 starts udevd and dbus itself
#                   and runs SCRIPT as PID 1's child; systemd: stage 2 execs
#                   the root's /lib/systemd/systemd as PID 1 and SCRIPT runs
#                   in a unit once the boot is over (about 30-50 s more)
#   --root DIR      the guest's root filesystem (default /); it must hold
#                   this tree at /src unless it is /
#   --acpitable F   give the guest's firmware the ACPI table in file F
#                   (repeatable; e.g. an NBFT)
#   --env VAR=VAL   set VAR for SCRIPT (repeatable). All STAS_* variables of
#                   the caller are passed on as well.
#   -m MB           guest memory (default 1024)
#   --smp N         guest CPUs (default 2)
#   --accel A       kvm, tcg or auto (default auto = $STAS_VM_ACCEL or auto:
#                   kvm only if a probe boot really works)
#   -q              do not stream SCRIPT's output (print it at the end)
#   -v              print the VM's setup log and console at the end
#
# Exit status: SCRIPT's own; 124 = timed out (qemu killed); 125 = the VM
# itself failed (could not be prepared or started, kernel panic, 9p error,
# no status came back); 2 = usage error.
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TIMEOUT=600 KEEP=${STAS_VM_KEEP:-0} RUN='' CWD=$PWD MEM=1024 SMP=2
ACCEL=${STAS_VM_ACCEL:-auto} QUIET=0 VERBOSE=0 WORLD=${STAS_VM_WORLD:-debian12} ROOT=/
INIT=${STAS_VM_INIT:-script}
ENVS=() ACPI=()

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
    exit "${1:-2}"
}
while [ $# -gt 0 ]; do
    case "$1" in
        -t) TIMEOUT=${2:?}; shift 2 ;;
        -k) KEEP=1; shift ;;
        --run-dir) RUN=${2:?}; shift 2 ;;
        --cwd) CWD=${2:?}; shift 2 ;;
        --world) WORLD=${2:?}; shift 2 ;;
        --init) INIT=${2:?}; shift 2 ;;
        --root) ROOT=$(readlink -f "${2:?}"); shift 2 ;;
        --acpitable) ACPI+=(-acpitable "file=$(readlink -f "${2:?}")"); shift 2 ;;
        --env) ENVS+=("${2:?}"); shift 2 ;;
        -m) MEM=${2:?}; shift 2 ;;
        --smp) SMP=${2:?}; shift 2 ;;
        --accel) ACCEL=${2:?}; shift 2 ;;
        -q) QUIET=1; shift ;;
        -v) VERBOSE=1; shift ;;
        -h | --help) usage 0 ;;
        --) shift; break ;;
        -*) echo "run-in-vm: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || usage
[[ $TIMEOUT =~ ^[0-9]+$ ]] || { echo "run-in-vm: bad timeout: $TIMEOUT" >&2; exit 2; }
case "$INIT" in script | systemd) ;; *) echo "run-in-vm: --init must be script or systemd" >&2; exit 2 ;; esac
# where the harness's guest scripts are, as the guest sees them
GUEST_VM_DIR=$VM_DIR
if [ "$ROOT" = / ]; then
    SCRIPT=$(readlink -f "$1")
else
    [ -d "$ROOT/src/test/vm/guest" ] || { echo "run-in-vm: $ROOT has no tree at /src" >&2; exit 2; }
    GUEST_VM_DIR=/src/test/vm
    SCRIPT=$1
fi
shift
[ -r "$ROOT/$SCRIPT" ] || { echo "run-in-vm: cannot read $SCRIPT (in $ROOT)" >&2; exit 2; }
[ "$INIT" = script ] || [ -x "$ROOT/lib/systemd/systemd" ] ||
    { echo "run-in-vm: --init systemd: $ROOT has no /lib/systemd/systemd" >&2; exit 2; }

case "$VM_DIR$VM_CACHE" in
    *[[:space:]]*) echo "run-in-vm: $VM_DIR or $VM_CACHE contains white space (kernel command line)" >&2; exit 2 ;;
esac
T0=$EPOCHREALTIME
VM_DIE_STATUS=125
BOOT=$(STAS_VM_WORLD=$WORLD "$VM_DIR/prepare.sh") || vm_die "cannot prepare the VM (see the messages above)"
KVER='' KDIR='' VMLINUX='' BZIMAGE='' INITRD='' TCG_CPU=max
while IFS='=' read -r k v; do
    case "$k" in KVER | KDIR | VMLINUX | BZIMAGE | INITRD | TCG_CPU) printf -v "$k" '%s' "$v" ;; esac
done <<<"$BOOT"
if [ -z "$KDIR" ] || [ ! -f "$INITRD" ]; then vm_die "prepare.sh gave no kernel/initramfs"; fi
KIMAGE=${VMLINUX:-$BZIMAGE}
[ "${STAS_VM_BZIMAGE:-0}" = 1 ] && KIMAGE=$BZIMAGE

# KVM: /dev/kvm may exist and still not run a stock kernel (e.g. kvm-pvm,
# which only runs PVM guests: qemu fails or the guest hangs). Probe once
# with a real boot and cache the verdict per host kernel.
kvm_works() {
    [ -w /dev/kvm ] || return 1
    [ -d /sys/module/kvm_pvm ] && return 1
    local key
    key=$(uname -r)
    [ "$(cat "$VM_CACHE/kvm.ok" 2>/dev/null)" = "$key" ] && return 0
    [ "$(cat "$VM_CACHE/kvm.bad" 2>/dev/null)" = "$key" ] && return 1
    local log=$VM_CACHE/kvm-probe.log
    rm -f "$log"
    timeout 30 qemu-system-x86_64 -nodefaults -no-user-config -M q35 -accel kvm -cpu host \
        -m 256 -display none -no-reboot -serial "file:$log" -kernel "$BZIMAGE" \
        -append "console=ttyS0 panic=-1 rdinit=/nonexistent root=/dev/nonexistent" \
        >/dev/null 2>&1 || true
    if grep -q 'Kernel panic' "$log" 2>/dev/null; then
        echo "$key" >"$VM_CACHE/kvm.ok"
        return 0
    fi
    echo "$key" >"$VM_CACHE/kvm.bad"
    return 1
}
case "$ACCEL" in
    auto) if kvm_works; then ACCEL=kvm; else ACCEL=tcg; fi ;;
    kvm | tcg) ;;
    *) echo "run-in-vm: --accel must be kvm, tcg or auto" >&2; exit 2 ;;
esac
CPU=$TCG_CPU
[ "$ACCEL" = kvm ] && CPU=host

# ---------------------------------------------------------------- run dir
KEEP_DIR=$KEEP OWN_RUN=1
if [ -n "$RUN" ]; then
    OWN_RUN=0
    RUN=$(readlink -f "$RUN")
    [ -d "$RUN" ] || { echo "run-in-vm: --run-dir $RUN: no such directory" >&2; exit 2; }
    KEEP_DIR=1
else
    mkdir -p "$VM_CACHE/runs"
    # keep the 20 newest old runs
    find "$VM_CACHE/runs" -mindepth 1 -maxdepth 1 -name 'run.*' -printf '%T@ %p\n' 2>/dev/null |
        sort -rn | tail -n +21 | cut -d' ' -f2- | xargs -r rm -rf
    RUN=$(mktemp -d "$VM_CACHE/runs/run.XXXXXX")
fi
rm -f "$RUN/rc" "$RUN/timing" "$RUN/dmesg.log" "$RUN/setup.log" "$RUN"/console*.log
: >"$RUN/output.log"
[ -d "$ROOT/$CWD" ] || CWD=/
{
    [ "$ROOT" = / ] && CWD=$(readlink -f "$CWD")
    printf 'VM_SCRIPT=%q\nVM_CWD=%q\n' "$SCRIPT" "$CWD"
    printf 'VM_ARGS=('
    [ $# -gt 0 ] && printf '%q ' "$@"
    printf ')\n'
    STAS_BUILD_DIR=${STAS_BUILD_DIR:-$VM_REPO/build}
    export STAS_BUILD_DIR
    STAS_VM_ACCEL=$ACCEL STAS_VM_INIT=$INIT
    export STAS_VM_ACCEL STAS_VM_INIT
    while read -r var; do
        printf 'export %s=%q\n' "$var" "${!var}"
    done < <(compgen -e | grep '^STAS_' || true)
    for e in ${ENVS[@]+"${ENVS[@]}"}; do
        [[ $e == [A-Za-z_]*=* ]] || { echo "run-in-vm: bad --env $e" >&2; exit 2; }
        printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
    done
} >"$RUN/env"

# ------------------------------------------------------------------- boot
boot_qemu() {
    qemu-system-x86_64 \
        -nodefaults -no-user-config -M q35 -accel "$ACCEL" -cpu "$CPU" -smp "$SMP" -m "$MEM" \
        -kernel "$KIMAGE" -initrd "$INITRD" \
        -append "console=ttyS0 quiet loglevel=4 panic=-1 oops=panic 8250.nr_uarts=1 random.trust_cpu=on stasvm.run=$RUN stasvm.stage2=$GUEST_VM_DIR/guest/stage2.sh" \
        -display none -vga none -monitor none -nic none -no-reboot \
        -serial "file:$RUN/console.log" \
        -device virtio-rng-pci ${ACPI[@]+"${ACPI[@]}"} \
        -virtfs "local,path=$ROOT,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
        -virtfs "local,path=$KDIR,mount_tag=staskernel,security_model=none,readonly=on,multidevs=remap" \
        -virtfs "local,path=$RUN,mount_tag=stasrun,security_model=none,multidevs=remap" \
        >"$RUN/qemu.log" 2>&1 &
    QPID=$!
    echo "$QPID" >"$RUN/qemu.pid"
}
TQ0=$EPOCHREALTIME
DEADLINE=$((${EPOCHREALTIME%.*} + TIMEOUT))
boot_qemu
# Under TCG, a guest kernel sometimes dies while it boots, before anything of
# ours runs (6.12: an int3 left by live code patching, seen in 1 boot of 5 or
# so). That is the emulator's race, not a test result: boot again, at most
# twice, and say so loudly. Stage 2 creates setup.log, so a guest that has
# one got past booting and is never restarted.
for BOOT in 2 3; do
    while kill -0 "$QPID" 2>/dev/null && [ ! -e "$RUN/setup.log" ] &&
        [ "${EPOCHREALTIME%.*}" -lt "$DEADLINE" ]; do
        sleep 0.2
    done
    if [ -e "$RUN/setup.log" ] || kill -0 "$QPID" 2>/dev/null ||
        ! grep -q 'Kernel panic' "$RUN/console.log" 2>/dev/null; then
        break
    fi
    wait "$QPID" 2>/dev/null || true
    mv "$RUN/console.log" "$RUN/console.boot$((BOOT - 1)).log"
    vm_log "WARNING: the guest kernel panicked while booting, before stage 2 (see console.boot$((BOOT - 1)).log); booting again (boot $BOOT of 3)"
    boot_qemu
done
TAILPID=
# shellcheck disable=SC2317 # (called by the trap)
stop_all() {
    kill "$QPID" 2>/dev/null || true
    [ -n "$TAILPID" ] && kill "$TAILPID" 2>/dev/null
    exit 130
}
trap stop_all INT TERM HUP

if [ "$QUIET" = 0 ]; then
    tail -s 0.2 -n +1 -F --pid="$QPID" "$RUN/output.log" 2>/dev/null &
    TAILPID=$!
fi

RC=
while kill -0 "$QPID" 2>/dev/null; do
    if [ "${EPOCHREALTIME%.*}" -ge "$DEADLINE" ]; then
        vm_log "TIMEOUT after ${TIMEOUT}s: killing qemu (pid $QPID)"
        kill "$QPID" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$QPID" 2>/dev/null || break
            sleep 0.5
        done
        kill -9 "$QPID" 2>/dev/null || true
        RC=124
        break
    fi
    sleep 0.2
done
wait "$QPID" 2>/dev/null || true
TQ1=$EPOCHREALTIME
if [ -n "$TAILPID" ]; then
    # tail exits by itself once qemu is gone (--pid); not after a timeout kill
    [ "$RC" = 124 ] && { kill "$TAILPID" 2>/dev/null || true; }
    wait "$TAILPID" 2>/dev/null || true
fi
[ "$QUIET" = 1 ] && cat "$RUN/output.log"
[ -n "$(tail -c1 "$RUN/output.log" 2>/dev/null)" ] && echo

if [ -z "$RC" ]; then
    if [[ $(cat "$RUN/rc" 2>/dev/null) =~ ^[0-9]+$ ]]; then
        RC=$(cat "$RUN/rc")
    else
        RC=125
        vm_log "VM FAILURE: the guest returned no exit status (kernel panic, 9p error, stage 1/2 failure?)"
    fi
fi
if [ "$RC" = 124 ] || [ "$RC" = 125 ] || [ "$VERBOSE" = 1 ]; then
    {
        echo "===== qemu.log"
        cat "$RUN/qemu.log"
        echo "===== console.log (tail)"
        tail -n 40 "$RUN/console.log"
        echo "===== setup.log (tail)"
        tail -n 40 "$RUN/setup.log" 2>/dev/null || true
        if [ -f "$RUN/dmesg.log" ]; then
            echo "===== dmesg.log (tail)"
            tail -n 30 "$RUN/dmesg.log"
        fi
        echo "====="
    } >&2
fi

tm() { sed -n "s/^$1=//p" "$RUN/timing" 2>/dev/null; }
[ "$RC" = 124 ] || [ "$RC" = 125 ] && KEEP_DIR=1
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
UPTIMES=
[ -f "$RUN/timing" ] && UPTIMES=" (guest uptime: stage2 $(tm stage2)s, ready $(tm ready)s, finished $(tm finished)s)"
vm_log "rc=$RC world=$WORLD init=$INIT accel=$ACCEL kernel=$KVER total=$(secs "$T0" "$EPOCHREALTIME")s qemu=$(secs "$TQ0" "$TQ1")s$UPTIMES"
if [ "$KEEP_DIR" = 1 ]; then
    [ "$OWN_RUN" = 1 ] && vm_log "guest logs kept in $RUN"
else
    rm -rf "$RUN"
fi
exit "$RC"
