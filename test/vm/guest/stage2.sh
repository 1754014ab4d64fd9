#!/bin/bash
# Stage 2 of the stas VM guest: PID 1, running from the host's root
# filesystem (9p, read-only, under a tmpfs overlay).
#
# Mounts the pseudo filesystems, loads the NVMe host and target modules,
# gives the guest its own clean NVMe host identity, starts systemd-udevd and
# a system dbus-daemon, then runs the test script that run-in-vm.sh named in
# $RUN/env, with its output in $RUN/output.log (streamed by the host). At the
# end it writes the exit status to $RUN/rc, the kernel log to
# $RUN/dmesg.log, and powers off. Its own trace goes to $RUN/setup.log.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
BB=/run/stasvm/busybox

RUN=''
read -r -a _cmdline </proc/cmdline
for _a in "${_cmdline[@]}"; do
    case "$_a" in
        stasvm.run=*) RUN=${_a#stasvm.run=} ;;
    esac
done
KDIR=/run/stasvm/kernel # mounted by stage 1
GUEST_DIR=${BASH_SOURCE[0]%/*}

power_off() {
    sync
    # qemu runs with -no-reboot, so a reboot ends it at once
    $BB reboot -f
    echo b >/proc/sysrq-trigger
    sleep 60
}

exec >"$RUN/setup.log" 2>&1
PS4='+ ${EPOCHREALTIME} '
set -x
read -r T_STAGE2 _ </proc/uptime

# run-in-vm.sh's settings: VM_SCRIPT, VM_ARGS, VM_CWD and exported STAS_*
# shellcheck disable=SC1091
. "$RUN/env"
STAS_VM_LIB_NO_TRAPS=1
# shellcheck source=lib.sh
. "$GUEST_DIR/lib.sh"
unset STAS_VM_LIB_NO_TRAPS

$BB mkdir -p /dev/pts /dev/shm /run/lock /run/user/0 /var/tmp /lib/modules
$BB mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
$BB mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
$BB ln -sfn /proc/self/fd /dev/fd
$BB ln -sfn /proc/self/fd/0 /dev/stdin
$BB ln -sfn /proc/self/fd/1 /dev/stdout
$BB ln -sfn /proc/self/fd/2 /dev/stderr
$BB mount -t debugfs debugfs /sys/kernel/debug
# the guest kernel's modules, from the extracted Debian package
$BB mount -o bind "$KDIR/lib/modules" /lib/modules
echo /sbin/modprobe >/proc/sys/kernel/modprobe
modprobe -a configfs nvme-tcp nvmet nvmet-tcp
modprobe null_blk nr_devices=0
$BB mount -t configfs configfs /sys/kernel/config

$BB hostname stas-vm
$BB ip link set lo up
[ -s /etc/machine-id ] || {
    read -r _u </proc/sys/kernel/random/uuid
    echo "${_u//-/}" >/etc/machine-id
}

# A clean, fixed NVMe host identity, and none of the host's NVMe or stas
# configuration (writes only go to the overlay; the host is untouched).
$BB rm -rf /etc/nvme /etc/stas /var/lib/stas /run/stas
$BB mkdir -p /etc/nvme
echo "${STAS_VM_HOSTNQN:-nqn.2014-08.org.nvmexpress:uuid:5ca1ab1e-0000-4000-8000-000000000001}" >/etc/nvme/hostnqn
echo "${STAS_VM_HOSTID:-5ca1ab1e-0000-4000-8000-000000000001}" >/etc/nvme/hostid

WARN=
start_udevd "${STAS_VM_UDEV_COLDPLUG:-0}" || WARN+="STAS-VM WARNING: systemd-udevd did not start (see setup.log)"$'\n'
start_dbus || WARN+="STAS-VM WARNING: dbus-daemon did not start (see setup.log)"$'\n'
[ -e /dev/nvme-fabrics ] || WARN+="STAS-VM WARNING: no /dev/nvme-fabrics (see setup.log)"$'\n'
[ -d /sys/kernel/config/nvmet ] || WARN+="STAS-VM WARNING: nvmet configfs missing (see setup.log)"$'\n'
read -r T_READY _ </proc/uptime
set +x

cd "${VM_CWD:-/}" || cd /
rc=0
(
    exec </dev/null >>"$RUN/output.log" 2>&1
    [ -n "$WARN" ] && printf '%s' "$WARN"
    export STAS_VM_RUN=$RUN STAS_VM_GUEST=1
    exec bash "$VM_SCRIPT" "${VM_ARGS[@]}"
) || rc=$?
read -r T_DONE _ </proc/uptime

printf 'stage2=%s\nready=%s\nfinished=%s\n' "$T_STAGE2" "$T_READY" "$T_DONE" >"$RUN/timing"
dmesg >"$RUN/dmesg.log" 2>&1
echo "$rc" >"$RUN/rc"
power_off
