#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo-run.sh: runs where the kernel has nvme-tcp and nvmet (this host or
# the test VM), as root. A loopback nvmet target with a discovery port and
# two subsystems, a private system bus, stafd and stacd with generated
# configuration; then what they found and connected, and stacd following a
# zoning change. Everything it creates is removed at the end.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${STAS_BUILD_DIR:-$SRC/build}
STAFD=$BUILD/src/stafd STACD=$BUILD/src/stacd
STAFCTL=$BUILD/src/ctl/stafctl STACCTL=$BUILD/src/ctl/stacctl STASADM=$BUILD/src/stasadm
NVMET=/sys/kernel/config/nvmet
PORT=9801 ADDR=127.0.0.1
SUBS=(nqn.2026-11.io.stas.demo:storage-a nqn.2026-11.io.stas.demo:storage-b)
WORK=$(mktemp -d /tmp/stas-demo.XXXXXX)
BUS_PID='' STAFD_PID='' STACD_PID='' NULLB=()
FAILED=0

say() { printf '\n==== %s\n' "$*"; }
die() {
    echo "demo: $*" >&2
    for f in "$WORK"/stafd.log "$WORK"/stacd.log; do
        [ -s "$f" ] && { echo "---- last lines of ${f##*/}:"; tail -n 25 "$f"; }
    done
    FAILED=1
    exit 1
}
wait_for() { # wait_for SECS CMD...
    local end=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.2
    done
}

cleanup() {
    local c s
    [ -n "$STACD_PID" ] && kill "$STACD_PID" 2>/dev/null && wait "$STACD_PID" 2>/dev/null
    [ -n "$STAFD_PID" ] && kill "$STAFD_PID" 2>/dev/null && wait "$STAFD_PID" 2>/dev/null
    # the demo's own controllers only: those of its subsystems and ports
    for c in /sys/class/nvme/nvme*; do
        [ -r "$c/address" ] || continue
        if grep -qE "trsvcid=$PORT(,|$)" "$c/address"; then
            echo 1 >"$c/delete_controller" 2>/dev/null
        fi
    done
    if [ -d "$NVMET/ports/1901" ]; then
        rm -f "$NVMET/ports/1901"/subsystems/* 2>/dev/null
        rmdir "$NVMET/ports/1901"
    fi
    for s in "${SUBS[@]}"; do
        [ -d "$NVMET/subsystems/$s" ] || continue
        echo 0 >"$NVMET/subsystems/$s/namespaces/1/enable" 2>/dev/null
        rmdir "$NVMET/subsystems/$s/namespaces/1" 2>/dev/null
        rmdir "$NVMET/subsystems/$s" 2>/dev/null
    done
    for n in "${NULLB[@]}"; do
        echo 0 >"/sys/kernel/config/nullb/$n/power" 2>/dev/null
        rmdir "/sys/kernel/config/nullb/$n" 2>/dev/null
    done
    [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null
    if [ "$FAILED" = 1 ]; then
        echo "demo: the work directory (configuration, logs) is kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

for p in "$STAFD" "$STACD" "$STAFCTL" "$STACCTL" "$STASADM"; do
    [ -x "$p" ] || die "$p is missing; build first (make)"
done
[ "$(id -u)" = 0 ] || die "the demo needs root (it configures nvmet and connects controllers)"

# ------------------------------------------------------------------ target
# nvmet answers discovery and I/O on the same port; its log page lists the
# port it was read from.
say "NVMe/TCP target (nvmet) on $ADDR port $PORT"
modprobe -q nvmet nvmet-tcp nvme-tcp 2>/dev/null
modprobe -q null_blk nr_devices=0 2>/dev/null
[ -d "$NVMET" ] || die "nvmet is not available (no $NVMET)"
mkport() { # mkport ID SVC
    mkdir "$NVMET/ports/$1" || return 1
    echo tcp >"$NVMET/ports/$1/addr_trtype" && echo ipv4 >"$NVMET/ports/$1/addr_adrfam" &&
        echo "$ADDR" >"$NVMET/ports/$1/addr_traddr" && echo "$2" >"$NVMET/ports/$1/addr_trsvcid"
}
mkport 1901 $PORT || die "cannot create nvmet port 1901 (is another target using it?)"
mknullb() { # mknullb NAME: a 64 MB memory-backed null_blk device
    local d=/sys/kernel/config/nullb/$1
    mkdir "$d" && echo 64 >"$d/size" && echo 1 >"$d/memory_backed" && echo 1 >"$d/power"
}
mksubsys() { # mksubsys NQN NULLB: any host allowed, namespace 1 on the device
    local d=$NVMET/subsystems/$1 dev index
    # newer kernels name the disk after its configfs entry, older ones nullbN
    if [ -e "/sys/block/$2" ]; then
        dev=/dev/$2
    else
        read -r index <"/sys/kernel/config/nullb/$2/index" || return 1
        dev=/dev/nullb$index
    fi
    mkdir "$d" && echo 1 >"$d/attr_allow_any_host" && mkdir "$d/namespaces/1" &&
        echo "$dev" >"$d/namespaces/1/device_path" && echo 1 >"$d/namespaces/1/enable"
}
for i in 0 1; do
    s=${SUBS[$i]} n=stasdemo$i
    mknullb "$n" || die "cannot create a null_blk device for $s"
    NULLB+=("$n")
    mksubsys "$s" "$n" || die "cannot create subsystem $s"
    ln -s "$NVMET/subsystems/$s" "$NVMET/ports/1901/subsystems/$s"
done
echo "subsystems: ${SUBS[*]}"

# ---------------------------------------------------------- configuration
export STAS_CONF_DIR=$WORK/etc/stas STAS_NVME_DIR=$WORK/etc/nvme STAS_RUNTIME_DIR=$WORK/run
mkdir -p "$STAS_CONF_DIR" "$STAS_NVME_DIR" "$STAS_RUNTIME_DIR"
make_identity() {
    "$STASADM" -c "$STAS_CONF_DIR/sys.conf" hostnqn -f "$STAS_NVME_DIR/hostnqn" &&
        "$STASADM" -c "$STAS_CONF_DIR/sys.conf" hostid -f "$STAS_NVME_DIR/hostid"
}
if [ -s /etc/nvme/hostnqn ] && [ -s /etc/nvme/hostid ]; then
    cp /etc/nvme/hostnqn /etc/nvme/hostid "$STAS_NVME_DIR/"
else
    make_identity || die "stasadm could not create a host identity"
fi
cat >"$STAS_CONF_DIR/stafd.conf" <<CONF
[Discovery controller connection management]
persistent-connections = false
[Controllers]
controller = transport=tcp;traddr=$ADDR;trsvcid=$PORT
CONF
cat >"$STAS_CONF_DIR/stacd.conf" <<CONF
[Global]
kato = 10
CONF
if ! "$STAFD" --check-config >/dev/null || ! "$STACD" --check-config >/dev/null; then
    die "the generated configuration does not check out"
fi

# ----------------------------------------------------------- private bus
# shellcheck source-path=SCRIPTDIR source=private-bus.sh
. "$SRC/scripts/private-bus.sh"
private_bus_start "$WORK" || die "the private D-Bus daemon did not start (see $WORK/bus.log)"

# ---------------------------------------------------------------- daemons
say "starting stafd and stacd"
"$STAFD" >"$WORK/stafd.log" 2>&1 &
STAFD_PID=$!
"$STACD" >"$WORK/stacd.log" 2>&1 &
STACD_PID=$!
connected() { # connected NQN: a live I/O controller of NQN
    local c
    for c in /sys/class/nvme/nvme*; do
        [ -r "$c/subsysnqn" ] && [ "$(cat "$c/subsysnqn")" = "$1" ] && [ "$(cat "$c/state")" = live ] && return 0
    done
    return 1
}
for s in "${SUBS[@]}"; do
    wait_for 90 connected "$s" || die "stacd did not connect $s within 90 s"
done
sleep 1

say "stafctl ls"
"$STAFCTL" ls
say "stafctl dlp -t tcp -a $ADDR -s $PORT"
"$STAFCTL" dlp -t tcp -a $ADDR -s $PORT
say "stacctl ls"
"$STACCTL" ls
say "block devices of the connected I/O controllers"
for c in /sys/class/nvme/nvme*; do
    for s in "${SUBS[@]}"; do
        [ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$s" ] || continue
        for ns in "$c"/nvme*n*; do
            [ -e "$ns" ] || continue
            n=${ns##*/}
            [[ $n =~ ^nvme([0-9]+)c[0-9]+n([0-9]+)$ ]] && n=nvme${BASH_REMATCH[1]}n${BASH_REMATCH[2]}
            printf '%s  %s  %s bytes  %s\n' "/dev/$n" "${c##*/}" "$(($(cat "/sys/block/$n/size" 2>/dev/null || echo 0) * 512))" "$s"
        done
    done
done

say "zoning change: ${SUBS[1]} is unlinked from the port"
rm "$NVMET/ports/1901/subsystems/${SUBS[1]}"
gone() { # gone NQN: no controller of NQN in the kernel, in any state
    local c
    for c in /sys/class/nvme/nvme*; do
        [ -r "$c/subsysnqn" ] && [ "$(cat "$c/subsysnqn")" = "$1" ] && return 1
    done
    return 0
}
wait_for 90 gone "${SUBS[1]}" ||
    die "stacd did not disconnect ${SUBS[1]} after the discovery-change AEN"
echo "stacd disconnected ${SUBS[1]} after the discovery-change AEN; now:"
"$STACCTL" ls
connected "${SUBS[0]}" || die "${SUBS[0]} should have stayed connected"

say "done: stafd found the target, stacd connected its storage and followed the change"
