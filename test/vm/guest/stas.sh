#!/bin/bash
# stas.sh - helpers for scenarios that run the stas daemons (source after
# lib.sh). The daemons and clients come from $STAS_BUILD_DIR; their runtime
# state goes under /run/stas (reset between scenarios), their configuration
# under /etc/stas, and their D-Bus policy is installed into the guest's bus.
# shellcheck disable=SC2034

STAS_SRC=$(cd "${BASH_SOURCE[0]%/*}/../../.." && pwd)
STAS_BUILD_DIR=${STAS_BUILD_DIR:-$STAS_SRC/build}
STAFD=$STAS_BUILD_DIR/src/stafd
STACD=$STAS_BUILD_DIR/src/stacd
STAFCTL=$STAS_BUILD_DIR/src/ctl/stafctl
STACCTL=$STAS_BUILD_DIR/src/ctl/stacctl
WKNQN=nqn.2014-08.org.nvmexpress.discovery
export STAS_RUNTIME_DIR=/run/stas/daemon

# Install our bus policy (only root owns the names) and make the bus read it.
stas_bus_setup() {
    start_dbus || return 1
    ${BB:+$BB }mkdir -p /etc/dbus-1/system.d /etc/stas "$STAS_RUNTIME_DIR"
    cp "$STAS_SRC"/etc/dbus-1/org.nvmexpress.*.conf /etc/dbus-1/system.d/ || return 1
    dbus-send --system --type=method_call --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.ReloadConfig >/dev/null
}

bus_has_owner() { # bus_has_owner NAME
    dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}
both_owned() { bus_has_owner org.nvmexpress.staf && bus_has_owner org.nvmexpress.stac; }

# _daemon_start PIDVAR BINARY BUSNAME LOG [ARG...]: start a daemon (tracing
# on) in the background, wait until it owns its bus name
_daemon_start() {
    local var=$1 bin=$2 name=$3 log=$4
    shift 4
    "$bin" --tron "$@" >>"$log" 2>&1 &
    printf -v "$var" %s "$!"
    on_exit "kill -9 $!"
    wait_for 30 bus_has_owner "$name"
}

# _daemon_stop PIDVAR [SIGNAL]: stop it and wait; returns its exit status
_daemon_stop() {
    local var=$1 pid=${!1} st=0
    [ -n "$pid" ] || return 0
    kill -"${2:-TERM}" "$pid" 2>/dev/null
    wait "$pid" || st=$?
    printf -v "$var" %s ""
    return $st
}

STAFD_PID=
STAFD_LOG=
stafd_start() { # stafd_start LOG [ARG...]
    STAFD_LOG=$1
    shift
    _daemon_start STAFD_PID "$STAFD" org.nvmexpress.staf "$STAFD_LOG" "$@"
}
stafd_stop() { _daemon_stop STAFD_PID "$@"; } # stafd_stop [SIGNAL]

stafd_reload() { kill -HUP "$STAFD_PID"; }

# staf METHOD [ARG...]: call a method of org.nvmexpress.staf with gdbus
staf() {
    local m=$1
    shift
    gdbus call --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf \
        --method "org.nvmexpress.staf.$m" "$@"
}
staf_debug() {
    local m=$1
    shift
    gdbus call --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf \
        --method "org.nvmexpress.staf.debug.$m" "$@"
}

# service_reachable NAME IFACE: stafd resolved the mDNS service NAME on IFACE
# and its reachability probe got through
service_reachable() {
    staf_debug process_info | grep -q "\"($2, IPv4, $1.local, _nvme-disc._tcp)\":{[^}]*\"reachable\":\"True\""
}

# The DC controller device on 127.0.0.1:SVC (subsysnqn discovery), if any
dc_dev() { # dc_dev TRSVCID [TRADDR]
    local c a
    for c in /sys/class/nvme/nvme*; do
        [ -r "$c/address" ] || continue
        [ "$(cat "$c/subsysnqn")" = "$WKNQN" ] || continue
        a=$(cat "$c/address")
        case ",$a," in
        *",traddr=${2:-127.0.0.1},trsvcid=$1,"*) echo "${c##*/}"; return 0 ;;
        esac
    done
    return 1
}

# stafd's view of a DC: the device name it reports in list_controllers
staf_device_of() { # staf_device_of TRSVCID
    staf list_controllers false | tr '{' '\n' | grep "'trsvcid': '$1'" | grep -o "'device': '[^']*'" |
        cut -d"'" -f4
}

# staf_dlp TRSVCID: the cached log page of DC 127.0.0.1:TRSVCID as
# SUBTYPE|TRADDR|TRSVCID|SUBNQN lines, sorted
staf_dlp() {
    staf get_log_pages tcp 127.0.0.1 "$1" "$WKNQN" '' '' "$HOSTNQN" | tr '{' '\n' | grep subnqn |
        sed -E "s/.*'subnqn': '([^']*)'.*'subtype': '([^']*)'.*'traddr': '([^']*)'.*'trsvcid': '([^']*)'.*/\2|\3|\4|\1/" |
        sort
}

STACD_PID=
STACD_LOG=
stacd_start() { # stacd_start LOG [ARG...]
    STACD_LOG=$1
    shift
    _daemon_start STACD_PID "$STACD" org.nvmexpress.stac "$STACD_LOG" "$@"
}
stacd_stop() { _daemon_stop STACD_PID "$@"; } # stacd_stop [SIGNAL]

stacd_reload() { kill -HUP "$STACD_PID"; }

stac() {
    local m=$1
    shift
    gdbus call --system --dest org.nvmexpress.stac --object-path /org/nvmexpress/stac \
        --method "org.nvmexpress.stac.$m" "$@"
}

# The live I/O controller devices of subsystem NQN (one per line)
ioc_devs() { # ioc_devs NQN
    local c
    for c in $(ctrls_for "$1"); do
        [ "$(cat "/sys/class/nvme/$c/state" 2>/dev/null)" = live ] && echo "$c"
    done
    return 0
}
has_ioc() { [ -n "$(ioc_devs "$1")" ]; }
ioc_count() { ioc_devs "$1" | wc -l; }

# ------------------------------------------- kernel controller inventories
# (fork-free: fault scenarios poll these with 50+ controllers)

# ctrl_rows: one line per kernel NVMe controller, NAME|SUBSYSNQN|ADDRESS|HOSTNQN.
# ADDRESS drops src_addr, which the kernel adds only while a queue is up.
ctrl_rows() {
    local c q a h
    for c in /sys/class/nvme/nvme*; do
        q='' a='' h=''
        # (2>/dev/null first: it must cover a controller vanishing under us)
        read -r q 2>/dev/null <"$c/subsysnqn" || continue
        read -r a 2>/dev/null <"$c/address" || true
        read -r h 2>/dev/null <"$c/hostnqn" || true
        echo "${c##*/}|$q|${a%%,src_addr=*}|$h"
    done
    return 0
}

# live_ioc_rows: ctrl_rows of the live I/O (not discovery) controllers
live_ioc_rows() {
    local row s
    while IFS= read -r row; do
        [[ $row == *"|$WKNQN|"* ]] && continue
        s=''
        read -r s 2>/dev/null <"/sys/class/nvme/${row%%|*}/state" || true
        [ "$s" = live ] && echo "$row"
    done < <(ctrl_rows)
    return 0
}

# live_ioc_count: how many live I/O controllers the kernel has
live_ioc_count() {
    local n=0 row
    while IFS= read -r row; do n=$((n + 1)); done < <(live_ioc_rows)
    echo "$n"
}

# ctrl_dups: print every SUBSYSNQN|ADDRESS|HOSTNQN that more than one kernel
# controller (in any state) has; true when there is none
ctrl_dups() {
    local row key rc=0
    local -A seen=()
    while IFS= read -r row; do
        key=${row#*|}
        seen[$key]=$((${seen[$key]:-0} + 1))
    done < <(ctrl_rows)
    for key in "${!seen[@]}"; do
        [ "${seen[$key]}" -gt 1 ] && { echo "${seen[$key]} x $key"; rc=1; }
    done
    return $rc
}

# rows_kept BEFORE: every NAME|SUBSYSNQN|ADDRESS|HOSTNQN line of file BEFORE is
# still a kernel controller (same name, same identity); prints the lost ones
rows_kept() {
    local row rc=0
    local -A now=()
    while IFS= read -r row; do now[$row]=1; done < <(ctrl_rows)
    while IFS= read -r row; do
        [ -n "$row" ] && [ -z "${now[$row]:-}" ] && { echo "lost: $row"; rc=1; }
    done <"$1"
    return $rc
}

# udev_removed FILE SEQNUM: names of nvme controllers whose removal the kernel
# announced after uevent SEQNUM (/sys/kernel/uevent_seqnum), as seen in the
# "udevadm monitor --property" output FILE. Sequence numbers, not line
# positions: udevd may print an old removal late, and names are reused.
udev_removed() {
    awk -v after="$2" '
        /^$/ { if (act == "remove" && ss == "nvme" && seq > after) print name; act = ss = name = ""; seq = 0 }
        /^ACTION=/ { act = substr($0, 8) }
        /^SUBSYSTEM=/ { ss = substr($0, 11) }
        /^SEQNUM=/ { seq = substr($0, 8) + 0 }
        /^DEVPATH=/ { name = $0; sub(/.*\//, "", name) }
        END { if (act == "remove" && ss == "nvme" && seq > after) print name }' "$1"
}

# not_removed_since LOG SNAPSHOT SEQNUM: once udev settled, the monitor output
# LOG shows no removal of a controller of SNAPSHOT (ctrl_rows lines) after
# uevent SEQNUM; prints the removed ones
not_removed_since() {
    local name rc=0
    udevadm settle -t 60 >/dev/null 2>&1 || true
    for name in $(udev_removed "$1" "$3"); do
        grep -q "^$name|" "$2" && { echo "removed: $name"; rc=1; }
    done
    return $rc
}

# uevent_seqnum: the kernel's last uevent sequence number
uevent_seqnum() {
    local s
    read -r s </sys/kernel/uevent_seqnum && echo "$s"
}
