#!/bin/bash
# Stage 2 of the stas VM guest: PID 1, running from the host's root
# filesystem (9p, read-only, under a tmpfs overlay).
#
# Mounts the pseudo filesystems, loads the NVMe host and target modules and
# gives the guest its own clean NVMe host identity. Then, in the script world
# (STAS_VM_INIT=script, the default), it starts systemd-udevd and a system
# dbus-daemon itself and runs the test script that run-in-vm.sh named in
# $RUN/env, with its output in $RUN/output.log (streamed by the host). At the
# end it writes the exit status to $RUN/rc, the kernel log to
# $RUN/dmesg.log, and powers off. Its own trace goes to $RUN/setup.log.
#
# In the systemd world (STAS_VM_INIT=systemd) it instead prepares the root
# for systemd (no fstab, none of the host's enabled services but avahi, no
# coldplug), runs "$STAS_VM_PREBOOT --preboot" when set (output in
# $RUN/preboot.log; /run/stasvm/preboot-ok when it succeeded) and execs
# /lib/systemd/systemd as PID 1; journald, udevd, dbus
# and avahi start as units, and the unit stasvm-run.service runs this same
# script with --run after multi-user.target: the test script as above, plus
# the journal in $RUN/journal.log.
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

MODE=${1:-boot}
if [ "$MODE" = --run ]; then exec >>"$RUN/setup.log" 2>&1; else exec >"$RUN/setup.log" 2>&1; fi
PS4='+ ${EPOCHREALTIME} '
set -x

# run-in-vm.sh's settings: VM_SCRIPT, VM_ARGS, VM_CWD and exported STAS_*
# shellcheck disable=SC1091
. "$RUN/env"
STAS_VM_LIB_NO_TRAPS=1
# shellcheck source=lib.sh
. "$GUEST_DIR/lib.sh"
unset STAS_VM_LIB_NO_TRAPS

INIT=${STAS_VM_INIT:-script}

# ------------------------------------------------------------------ boot
# What both worlds need before anything runs: file systems, modules, names.
prepare() {
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
    echo stas-vm >/etc/hostname
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
}

# The root as systemd will find it: nothing of the host's own boot (its fstab,
# its enabled services and timers, nvme-cli's boot-time connections) but
# avahi; no coldplug of every device (~10 s under TCG) unless asked; and one
# unit that runs the test script once the system is up.
prepare_systemd() {
    local d f keep
    echo '# stas VM: nothing to mount' >/etc/fstab
    for d in /etc/systemd/system/*.wants; do
        for f in "$d"/*; do
            [ -e "$f" ] || [ -L "$f" ] || continue
            keep=0
            case "${f##*/}" in avahi-daemon.service | avahi-daemon.socket) keep=1 ;; esac
            [ "$keep" = 1 ] || $BB rm -f "$f"
        done
    done
    # (without coldplug, a getty on the console would wait 90 s for its device)
    for f in systemd-networkd-wait-online.service networking.service ifupdown-wait-online.service \
        systemd-timesyncd.service systemd-pstore.service systemd-firstboot.service getty.target \
        serial-getty@ttyS0.service; do
        $BB ln -sfn /dev/null "/etc/systemd/system/$f"
    done
    [ "${STAS_VM_UDEV_COLDPLUG:-0}" = 1 ] || $BB ln -sfn /dev/null /etc/systemd/system/systemd-udev-trigger.service
    $BB mkdir -p /etc/systemd/system/multi-user.target.wants /etc/systemd/journald.conf.d
    # the journal stays in /run (the overlay is thrown away anyway)
    printf '[Journal]\nStorage=volatile\n' >/etc/systemd/journald.conf.d/stasvm.conf
    cat >/etc/systemd/system/stasvm-run.service <<UNIT
[Unit]
Description=stas VM: the test script
After=multi-user.target

[Service]
# exec, not oneshot: the boot is over (is-system-running says so) while it runs
Type=exec
StandardInput=null
StandardOutput=journal
TimeoutStartSec=infinity
ExecStart=/bin/bash $GUEST_DIR/stage2.sh --run
UNIT
    $BB ln -sfn /etc/systemd/system/stasvm-run.service /etc/systemd/system/multi-user.target.wants/stasvm-run.service
    $BB ln -sfn /lib/systemd/system/multi-user.target /etc/systemd/system/default.target
}

# -------------------------------------------------------------------- run
# Runs the test script and powers off; its exit status goes to $RUN/rc.
run_script() {
    local rc=0 T_READY T_DONE
    read -r T_READY _ </proc/uptime
    set +x
    cd "${VM_CWD:-/}" || cd /
    (
        exec </dev/null >>"$RUN/output.log" 2>&1
        [ -n "$WARN" ] && printf '%s' "$WARN"
        export STAS_VM_RUN=$RUN STAS_VM_GUEST=1 STAS_VM_INIT=$INIT
        exec bash "$VM_SCRIPT" "${VM_ARGS[@]}"
    ) || rc=$?
    read -r T_DONE _ </proc/uptime

    printf 'stage2=%s\nready=%s\nfinished=%s\n' "${T_STAGE2:-0}" "$T_READY" "$T_DONE" >"$RUN/timing"
    if [ "$INIT" = systemd ]; then
        journalctl -b --no-pager -o short-monotonic >"$RUN/journal.log" 2>&1
        systemctl list-units --failed --no-pager >"$RUN/failed-units.log" 2>&1
    fi
    dmesg >"$RUN/dmesg.log" 2>&1
    echo "$rc" >"$RUN/rc"
    power_off
}

WARN=
if [ "$MODE" = --run ]; then
    [ -e /dev/nvme-fabrics ] || WARN+="STAS-VM WARNING: no /dev/nvme-fabrics (see setup.log)"$'\n'
    read -r T_STAGE2 </run/stasvm/t_stage2
    state=$(timeout 120 systemctl is-system-running --wait 2>&1)
    [ "$state" = running ] ||
        WARN+="STAS-VM WARNING: systemd says the system is '$state' (see failed-units.log)"$'\n'
    run_script
fi
read -r T_STAGE2 _ </proc/uptime
echo "$T_STAGE2" >/run/stasvm/t_stage2
prepare
case "$INIT" in
systemd)
    prepare_systemd
    # A scenario that prepares the root before the boot (an image build:
    # packages installed, units enabled, no manager running).
    if [ -n "${STAS_VM_PREBOOT:-}" ]; then
        (cd "${VM_CWD:-/}" && STAS_VM_RUN=$RUN STAS_VM_GUEST=1 STAS_VM_INIT=$INIT \
            bash "$STAS_VM_PREBOOT" --preboot) </dev/null >"$RUN/preboot.log" 2>&1 &&
            : >/run/stasvm/preboot-ok
    fi
    set +x
    exec /lib/systemd/systemd --log-target=kmsg --show-status=false
    ;;
script) ;;
*) echo "stage2: unknown STAS_VM_INIT=$INIT" ;;
esac
start_udevd "${STAS_VM_UDEV_COLDPLUG:-0}" || WARN+="STAS-VM WARNING: systemd-udevd did not start (see setup.log)"$'\n'
start_dbus || WARN+="STAS-VM WARNING: dbus-daemon did not start (see setup.log)"$'\n'
[ -e /dev/nvme-fabrics ] || WARN+="STAS-VM WARNING: no /dev/nvme-fabrics (see setup.log)"$'\n'
[ -d /sys/kernel/config/nvmet ] || WARN+="STAS-VM WARNING: nvmet configfs missing (see setup.log)"$'\n'
run_script
