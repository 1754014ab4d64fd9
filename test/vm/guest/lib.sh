# shellcheck shell=bash
# shellcheck disable=SC2034 # variables are for the scripts sourcing this
# lib.sh - helpers for scripts that run inside the stas test VM.
#
# A scenario sources this file first thing:
#
#   #!/bin/bash
#   set -euo pipefail
#   # shellcheck source=../guest/lib.sh
#   . "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
#   nvmet_default_topology
#   check "discovery lists sub1" grep -q "$SUB1" <(nvme discover -t tcp -a 127.0.0.1 -s 8009)
#   summary
#
# Results
#   check DESC CMD [ARG...]   run CMD (in this shell, so functions work);
#                             print "PASS: DESC" or "FAIL: DESC" plus CMD's
#                             output and a state dump. Always returns 0 (so
#                             set -e scenarios keep going); $CHECK_RC holds
#                             CMD's status.
#   pass DESC / fail DESC [DETAIL...]   record a result by hand
#   not CMD [ARG...]          invert CMD's status (for check)
#   summary                   print "N passed, M failed" as the last line;
#                             returns 1 when M > 0 or nothing was checked.
#                             Called automatically at exit if the scenario
#                             did not (an abort under set -e is a FAIL).
#   on_exit CMD               run CMD (eval'ed) before the summary/exit
#   section TITLE / log MSG   progress output
#   dump_state                controllers, nvmet config, dmesg tail
#
# Waiting
#   wait_for SECS CMD [ARG...]  poll CMD every 0.1 s until it succeeds;
#   wait_for SECS 'EXPR'        returns 1 after SECS seconds. A single
#                               argument is eval'ed as a shell expression.
#
# NVMe target (nvmet, configfs); all transports are tcp
#   nvmet_port ID TRADDR TRSVCID [ipv4|ipv6]   create a port
#   nvmet_rm_port ID
#   nvmet_subsys NQN [MB]           subsystem, any host allowed, namespace 1
#                                   on a new null_blk device (MB=0: none)
#   nvmet_subsys_file NQN FILE [MB] same, namespace 1 backed by FILE
#                                   (created sparse with MB megabytes)
#   nvmet_ns NQN NSID PATH          add a namespace (block device or file)
#   nvmet_allow_host NQN HOSTNQN    restrict NQN to listed hosts
#                                   (attr_allow_any_host=0) and add HOSTNQN
#   nvmet_disallow_host NQN HOSTNQN
#   nvmet_allow_any_host NQN
#   nvmet_link NQN PORT / nvmet_unlink NQN PORT
#                                   expose / hide NQN on PORT (both send a
#                                   discovery log change AEN to persistent
#                                   discovery controllers on PORT)
#   nvmet_referral PORT NAME TRADDR TRSVCID / nvmet_unreferral PORT NAME
#   nvmet_rm_subsys NQN / nvmet_clear (remove everything) / nvmet_show
#   nvmet_default_topology          port 1 = 127.0.0.1:8009, port 2 =
#                                   127.0.0.1:4420, $SUB1 and $SUB2 (64 MB
#                                   null_blk each) linked to both ports
#
# NVMe host side (sysfs)
#   nvme_ctrls                      controller names (nvme0 ...), one a line
#   ctrl_attr CTRL ATTR             print /sys/class/nvme/CTRL/ATTR
#   ctrls_for NQN                   controllers whose subsysnqn is NQN
#   ctrl_live_for NQN               true when one of them is live
#   ctrl_ns_dev CTRL                /dev/... of CTRL's first namespace
#   wait_ns_dev SECS CTRL           the same, once the block device exists
#   no_ctrls                        true when no controller exists
#   disconnect_all [SECS]           nvme disconnect-all, wait until all gone
#   disc_records FILE               "nvme discover" output -> one line per
#                                   entry: SUBTYPE|TRADDR|TRSVCID|SUBNQN
#
# Services
#   start_udevd [1]  start_dbus  start_avahi  stop_avahi
#   udev_monitor_start FILE [ARG...]   udevadm monitor --udev --property
#                                   into FILE, returns once it is receiving
#                                   events; killed at exit
#
# Variables: SUB1 SUB2 DISC_NQN HOSTNQN HOSTID, STAS_BUILD_DIR (the
# project's build directory on the host, same path in the guest), TMPDIR
# (a scratch directory private to this scenario).

NVMET_CFS=/sys/kernel/config/nvmet
NULLB_CFS=/sys/kernel/config/nullb
DISC_NQN=nqn.2014-08.org.nvmexpress.discovery
SUB1=${SUB1:-nqn.2024-01.io.example:sub1}
SUB2=${SUB2:-nqn.2024-01.io.example:sub2}
HOSTNQN='' HOSTID=''
[ -r /etc/nvme/hostnqn ] && read -r HOSTNQN </etc/nvme/hostnqn
[ -r /etc/nvme/hostid ] && read -r HOSTID </etc/nvme/hostid
STAS_VM_LIB=${BASH_SOURCE[0]}
export STAS_VM_LIB
# A static busybox for trivial commands: under TCG every exec of a
# dynamically linked program costs 0.05-0.2 s, busybox ~0.02 s.
BB=
[ -x /run/stasvm/busybox ] && BB=/run/stasvm/busybox

# ---------------------------------------------------------------- output

_uptime() {
    local u
    read -r u _ </proc/uptime
    echo "$u"
}
section() { printf '\n=== %s (t=%s)\n' "$*" "$(_uptime)"; }
log() { printf '  %s\n' "$*"; }

# ---------------------------------------------------------------- results

_VM_PASSED=0 _VM_FAILED=0 _VM_DUMPS=0 _VM_SUMMARY_DONE=0 _VM_ERR=
_VM_EXIT_CMDS=()
CHECK_RC=0

_vm_record() { # _vm_record PASS|FAIL DESC
    if [ -n "${STAS_VM_RESULTS:-}" ]; then
        printf '%s\t%s\t%s\n' "$1" "${STAS_VM_SCENARIO:-${0##*/}}" "$2" >>"$STAS_VM_RESULTS"
    fi
}

pass() {
    _VM_PASSED=$((_VM_PASSED + 1))
    echo "PASS: $1"
    _vm_record PASS "$1"
}

fail() {
    local desc=$1
    shift
    _VM_FAILED=$((_VM_FAILED + 1))
    echo "FAIL: $desc"
    [ $# -gt 0 ] && printf '    %s\n' "$@"
    _vm_record FAIL "$desc"
    # the first few failures get the full picture; later ones are usually
    # consequences
    if [ $_VM_DUMPS -lt 3 ]; then
        _VM_DUMPS=$((_VM_DUMPS + 1))
        dump_state 2>&1 | sed 's/^/    | /'
    fi
}

not() { ! "$@"; }

check() {
    local desc=$1 out
    shift
    out=${TMPDIR:-/tmp}/.check.$$
    if "$@" >"$out" 2>&1; then
        CHECK_RC=0
        pass "$desc"
    else
        CHECK_RC=$?
        local -a lines=("command (status $CHECK_RC): $*")
        local l
        while IFS= read -r l; do lines+=("$l"); done < <(tail -n 20 "$out")
        fail "$desc" "${lines[@]}"
    fi
    rm -f "$out"
    return 0
}

on_exit() { _VM_EXIT_CMDS+=("$*"); }

_vm_run_exit_cmds() {
    local i
    for ((i = ${#_VM_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
        eval "${_VM_EXIT_CMDS[i]}" >/dev/null 2>&1 || true
    done
    _VM_EXIT_CMDS=()
}

summary() {
    _vm_run_exit_cmds
    _VM_SUMMARY_DONE=1
    echo
    echo "$_VM_PASSED passed, $_VM_FAILED failed"
    [ "$_VM_FAILED" -eq 0 ] && [ "$_VM_PASSED" -gt 0 ]
}

dump_state() {
    local c a v line
    echo "--- controllers (/sys/class/nvme):"
    for c in /sys/class/nvme/nvme*; do
        [ -e "$c" ] || { echo "(none)"; break; }
        line=${c##*/}
        for a in state transport subsysnqn kato; do
            v=
            [ -r "$c/$a" ] && read -r v <"$c/$a"
            line+=" $a=$v"
        done
        v=
        [ -r "$c/address" ] && v=$(tr '\n' ' ' <"$c/address")
        echo "$line address=$v"
    done
    echo "--- nvmet:"
    nvmet_show
    echo "--- dmesg (tail):"
    dmesg 2>/dev/null | tail -n 15
}

_vm_on_exit() {
    local st=$1
    trap - EXIT
    if [ "$_VM_SUMMARY_DONE" != 1 ]; then
        if [ "$st" -ne 0 ]; then
            fail "${STAS_VM_SCENARIO:-${0##*/}}: aborted (${_VM_ERR:-exit status $st})"
        fi
        summary || st=1
    fi
    _vm_run_exit_cmds
    exit "$st"
}

# Stage 2 and the scenario driver source this file for the helpers only.
if [ "${STAS_VM_LIB_NO_TRAPS:-0}" != 1 ]; then
    trap '_VM_ERR="status $? at line $LINENO: $BASH_COMMAND"' ERR
    trap '_vm_on_exit $?' EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
fi

# ---------------------------------------------------------------- waiting

_vm_now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

wait_for() {
    local secs=$1 end
    shift
    end=$(($(_vm_now_ms) + secs * 1000))
    while :; do
        if [ $# -eq 1 ]; then
            eval "$1" && return 0
        else
            "$@" && return 0
        fi
        [ "$(_vm_now_ms)" -ge "$end" ] && return 1
        ${BB:+$BB }sleep 0.1
    done
}

# ------------------------------------------------------------------ nvmet

nvmet_load() {
    [ -d "$NVMET_CFS" ] || modprobe -a nvmet nvmet-tcp || return 1
    [ -d "$NULLB_CFS" ] || modprobe null_blk nr_devices=0 || return 1
}

_vm_write() { # _vm_write FILE VALUE
    printf '%s' "$2" >"$1"
}

nvmet_port() {
    local id=$1 traddr=$2 trsvcid=$3 adrfam=${4:-ipv4} d
    d=$NVMET_CFS/ports/$id
    ${BB:+$BB }mkdir -p "$d" || return 1
    _vm_write "$d/addr_trtype" tcp &&
        _vm_write "$d/addr_adrfam" "$adrfam" &&
        _vm_write "$d/addr_traddr" "$traddr" &&
        _vm_write "$d/addr_trsvcid" "$trsvcid"
}

nvmet_rm_port() {
    local d=$NVMET_CFS/ports/$1 l
    [ -d "$d" ] || return 0
    for l in "$d"/subsystems/*; do [ -L "$l" ] && ${BB:+$BB }rm -f "$l"; done
    for l in "$d"/referrals/*; do
        [ -d "$l" ] || continue
        _vm_write "$l/enable" 0 2>/dev/null
        ${BB:+$BB }rmdir "$l"
    done
    ${BB:+$BB }rmdir "$d"
}

_VM_NULLB_SEQ=0
nvmet_nullb() { # nvmet_nullb [MB] -> prints the new memory-backed null_blk device
    local mb=${1:-64} name d
    while [ -e "$NULLB_CFS/stasnb$_VM_NULLB_SEQ" ]; do _VM_NULLB_SEQ=$((_VM_NULLB_SEQ + 1)); done
    name=stasnb$_VM_NULLB_SEQ
    d=$NULLB_CFS/$name
    ${BB:+$BB }mkdir "$d" || return 1
    _vm_write "$d/size" "$mb" || return 1
    _vm_write "$d/memory_backed" 1 2>/dev/null || true
    _vm_write "$d/power" 1 || return 1
    if [ -e "/sys/block/$name" ]; then echo "/dev/$name"; else echo "/dev/nullb$(cat "$d/index")"; fi
}

nvmet_ns() {
    local nqn=$1 nsid=$2 path=$3 d
    d=$NVMET_CFS/subsystems/$nqn/namespaces/$nsid
    ${BB:+$BB }mkdir -p "$d" || return 1
    [ -f "$path" ] && _vm_write "$d/buffered_io" 1
    _vm_write "$d/device_path" "$path" && _vm_write "$d/enable" 1
}

_nvmet_mksubsys() {
    local d=$NVMET_CFS/subsystems/$1
    ${BB:+$BB }mkdir -p "$d" || return 1
    _vm_write "$d/attr_allow_any_host" 1
}

nvmet_subsys() {
    local nqn=$1 mb=${2:-64} dev
    _nvmet_mksubsys "$nqn" || return 1
    [ "$mb" = 0 ] && return 0
    dev=$(nvmet_nullb "$mb") || return 1
    wait_for 5 test -b "$dev" || return 1
    nvmet_ns "$nqn" 1 "$dev"
}

nvmet_subsys_file() {
    local nqn=$1 file=$2 mb=${3:-32}
    _nvmet_mksubsys "$nqn" || return 1
    [ -f "$file" ] || truncate -s "${mb}M" "$file" || return 1
    nvmet_ns "$nqn" 1 "$file"
}

nvmet_allow_host() {
    local nqn=$1 host=$2
    ${BB:+$BB }mkdir -p "$NVMET_CFS/hosts/$host" || return 1
    _vm_write "$NVMET_CFS/subsystems/$nqn/attr_allow_any_host" 0 || return 1
    [ -L "$NVMET_CFS/subsystems/$nqn/allowed_hosts/$host" ] ||
        ${BB:+$BB }ln -s "$NVMET_CFS/hosts/$host" "$NVMET_CFS/subsystems/$nqn/allowed_hosts/$host"
}

nvmet_disallow_host() {
    ${BB:+$BB }rm -f "$NVMET_CFS/subsystems/$1/allowed_hosts/$2"
}

nvmet_allow_any_host() {
    local l
    for l in "$NVMET_CFS/subsystems/$1"/allowed_hosts/*; do
        [ -L "$l" ] && ${BB:+$BB }rm -f "$l"
    done
    _vm_write "$NVMET_CFS/subsystems/$1/attr_allow_any_host" 1
}

nvmet_link() { ${BB:+$BB }ln -s "$NVMET_CFS/subsystems/$1" "$NVMET_CFS/ports/$2/subsystems/$1"; }
nvmet_unlink() { ${BB:+$BB }rm -f "$NVMET_CFS/ports/$2/subsystems/$1"; }

nvmet_referral() {
    local port=$1 name=$2 traddr=$3 trsvcid=$4 d
    d=$NVMET_CFS/ports/$port/referrals/$name
    ${BB:+$BB }mkdir -p "$d" || return 1
    _vm_write "$d/addr_trtype" tcp &&
        _vm_write "$d/addr_adrfam" ipv4 &&
        _vm_write "$d/addr_traddr" "$traddr" &&
        _vm_write "$d/addr_trsvcid" "$trsvcid" &&
        _vm_write "$d/enable" 1
}

nvmet_unreferral() {
    local d=$NVMET_CFS/ports/$1/referrals/$2
    _vm_write "$d/enable" 0 2>/dev/null
    ${BB:+$BB }rmdir "$d"
}

nvmet_rm_subsys() {
    local nqn=$1 l ns
    for l in "$NVMET_CFS"/ports/*/subsystems/"$nqn"; do [ -L "$l" ] && ${BB:+$BB }rm -f "$l"; done
    for l in "$NVMET_CFS/subsystems/$nqn"/allowed_hosts/*; do [ -L "$l" ] && ${BB:+$BB }rm -f "$l"; done
    for ns in "$NVMET_CFS/subsystems/$nqn"/namespaces/*; do
        [ -d "$ns" ] || continue
        _vm_write "$ns/enable" 0
        ${BB:+$BB }rmdir "$ns"
    done
    ${BB:+$BB }rmdir "$NVMET_CFS/subsystems/$nqn"
}

nvmet_clear() {
    local d rc=0
    [ -d "$NVMET_CFS" ] || return 0
    for d in "$NVMET_CFS"/ports/*; do [ -d "$d" ] && { nvmet_rm_port "${d##*/}" || rc=1; }; done
    for d in "$NVMET_CFS"/subsystems/*; do [ -d "$d" ] && { nvmet_rm_subsys "${d##*/}" || rc=1; }; done
    for d in "$NVMET_CFS"/hosts/*; do [ -d "$d" ] && { ${BB:+$BB }rmdir "$d" || rc=1; }; done
    for d in "$NULLB_CFS"/*; do
        [ -d "$d" ] || continue
        _vm_write "$d/power" 0 2>/dev/null
        ${BB:+$BB }rmdir "$d" || rc=1
    done
    return $rc
}

nvmet_default_topology() {
    nvmet_load &&
        nvmet_port 1 127.0.0.1 8009 &&
        nvmet_port 2 127.0.0.1 4420 &&
        nvmet_subsys "$SUB1" &&
        nvmet_subsys "$SUB2" &&
        nvmet_link "$SUB1" 1 && nvmet_link "$SUB2" 1 &&
        nvmet_link "$SUB1" 2 && nvmet_link "$SUB2" 2
}

nvmet_show() { # one line per port, subsystem and host; no forks
    local p s r a v line
    for p in "$NVMET_CFS"/ports/*; do
        [ -d "$p" ] || continue
        line="port ${p##*/}:"
        for a in trtype traddr trsvcid; do
            read -r v <"$p/addr_$a"
            line+=" $a=$v"
        done
        for s in "$p"/subsystems/*; do [ -L "$s" ] && line+=" subsys=${s##*/}"; done
        for r in "$p"/referrals/*; do
            [ -d "$r" ] || continue
            read -r a <"$r/addr_traddr"
            read -r v <"$r/addr_trsvcid"
            line+=" referral=$a:$v"
        done
        echo "$line"
    done
    for s in "$NVMET_CFS"/subsystems/*; do
        [ -d "$s" ] || continue
        read -r v <"$s/attr_allow_any_host"
        line="subsys ${s##*/}: allow_any_host=$v"
        for r in "$s"/allowed_hosts/*; do [ -L "$r" ] && line+=" host=${r##*/}"; done
        for r in "$s"/namespaces/*; do
            [ -d "$r" ] || continue
            read -r a <"$r/device_path"
            read -r v <"$r/enable"
            line+=" ns${r##*/}=$a(enable=$v)"
        done
        echo "$line"
    done
}

# ------------------------------------------------------------- nvme host

nvme_ctrls() {
    local c
    for c in /sys/class/nvme/nvme*; do [ -e "$c" ] && echo "${c##*/}"; done
    return 0
}

ctrl_attr() {
    local v
    read -r v <"/sys/class/nvme/$1/$2" || return 1
    echo "$v"
}

ctrls_for() {
    local c v
    for c in /sys/class/nvme/nvme*; do
        [ -r "$c/subsysnqn" ] || continue
        read -r v <"$c/subsysnqn"
        [ "$v" = "$1" ] && echo "${c##*/}"
    done
    return 0
}

ctrl_ns_dev() {
    local d n
    for d in /sys/class/nvme/"$1"/nvme*n*; do
        [ -e "$d" ] || continue
        n=${d##*/}
        # with native multipath the controller holds the hidden path device
        # nvme<subsys>c<ctrl>n<ns>; the block device is nvme<subsys>n<ns>
        [[ $n =~ ^nvme([0-9]+)c[0-9]+n([0-9]+)$ ]] && n=nvme${BASH_REMATCH[1]}n${BASH_REMATCH[2]}
        echo "/dev/$n"
        return 0
    done
    return 1
}

ctrl_live_for() { # ctrl_live_for NQN: some controller of NQN is live
    local c v
    for c in $(ctrls_for "$1"); do
        read -r v <"/sys/class/nvme/$c/state" && [ "$v" = live ] && return 0
    done
    return 1
}

# disc_records FILE: one line per entry of "nvme discover" (text) output:
# SUBTYPE|TRADDR|TRSVCID|SUBNQN
disc_records() {
    awk '
        /^=====Discovery Log Entry/ { if (n++) print st "|" a "|" s "|" q; st = a = s = q = ""; next }
        $1 == "subtype:" { $1 = ""; sub(/^ +/, ""); st = $0 }
        $1 == "traddr:"  { a = $2 }
        $1 == "trsvcid:" { s = $2 }
        $1 == "subnqn:"  { q = $2 }
        END { if (n) print st "|" a "|" s "|" q }' "$1"
}

# wait_ns_dev SECS CTRL: wait for CTRL's first namespace block device, print it
wait_ns_dev() {
    wait_for "$1" _vm_ns_ready "$2" || return 1
    echo "$_VM_NS_DEV"
}
_vm_ns_ready() { _VM_NS_DEV=$(ctrl_ns_dev "$1") && [ -b "$_VM_NS_DEV" ]; }

no_ctrls() { ! compgen -G '/sys/class/nvme/nvme*' >/dev/null; }

disconnect_all() {
    no_ctrls && return 0
    nvme disconnect-all >/dev/null 2>&1
    wait_for "${1:-20}" no_ctrls
}

# --------------------------------------------------------------- services

start_udevd() { # start_udevd [1 = coldplug all devices, ~10 s under TCG]
    [ -S /run/udev/control ] && return 0
    /lib/systemd/systemd-udevd --daemon --resolve-names=never || return 1
    wait_for 10 test -S /run/udev/control || return 1
    if [ "${1:-0}" = 1 ]; then
        udevadm trigger --action=add --type=subsystems
        udevadm trigger --action=add --type=devices
        udevadm settle -t 60
    fi
}

start_dbus() {
    [ -S /run/dbus/system_bus_socket ] && return 0
    ${BB:+$BB }mkdir -p /run/dbus
    dbus-daemon --system --fork --nopidfile || return 1
    wait_for 10 test -S /run/dbus/system_bus_socket
}

# avahi needs a multicast-capable interface besides lo. The dummy interface
# lives only inside the guest (which has no network device at all), so
# nothing ever leaves the VM.
STAS_VM_AVAHI_IF=${STAS_VM_AVAHI_IF:-stasvm0}
STAS_VM_AVAHI_ADDR=${STAS_VM_AVAHI_ADDR:-169.254.77.1/16}
start_avahi() {
    start_dbus || return 1
    if [ ! -e "/sys/class/net/$STAS_VM_AVAHI_IF" ]; then
        modprobe dummy numdummies=0 &&
            ip link add "$STAS_VM_AVAHI_IF" type dummy &&
            ip link set "$STAS_VM_AVAHI_IF" multicast on up &&
            ip addr add "$STAS_VM_AVAHI_ADDR" dev "$STAS_VM_AVAHI_IF" || return 1
    fi
    avahi-daemon --check 2>/dev/null && return 0
    avahi-daemon --daemonize --no-chroot --no-drop-root --no-rlimits || return 1
    wait_for 15 'avahi-daemon --check 2>/dev/null'
}

stop_avahi() {
    avahi-daemon --kill 2>/dev/null
    wait_for 10 'not avahi-daemon --check 2>/dev/null'
}

UDEV_MONITOR_PID=
# udev_monitor_start FILE [ARG...]: background "udevadm monitor --udev
# --property ARG..." writing to FILE. To know that the monitor is really
# listening, it pokes a synthetic "change" uevent on /dev/nvme-fabrics until
# the monitor reports it (so ARGs must not filter out subsystem nvme-fabrics).
udev_monitor_start() {
    local file=$1 i
    shift
    : >"$file"
    udevadm monitor --udev --property "$@" >"$file" 2>&1 &
    UDEV_MONITOR_PID=$!
    on_exit "kill $UDEV_MONITOR_PID"
    for ((i = 0; i < 20; i++)); do
        _vm_write /sys/class/nvme-fabrics/ctl/uevent change 2>/dev/null ||
            _vm_write /sys/class/mem/null/uevent change
        wait_for 1 "grep -q '^ACTION=change' '$file'" && return 0
        kill -0 "$UDEV_MONITOR_PID" 2>/dev/null || return 1
    done
    return 1
}

# ------------------------------------------- rogue discovery controller
# test/tools/rogue-dc.py (see its top for the JSON scenario and commands): a
# user-space NVMe/TCP discovery controller that misbehaves on cue.
#   rogue_start NAME PORT JSON  serve scenario file JSON on 127.0.0.1:PORT;
#                               log $TMPDIR/rogue-NAME.log, control FIFO
#                               $TMPDIR/rogue-NAME.ctl; returns once listening
#   rogue_ctl NAME CMD...       send a command (reload, aen, storm N, bump,
#                               drop) and wait for its acknowledgement
#   rogue_log NAME              the path of its log
#   rogue_mark NAME             its log's line count now (a MARK)
#   rogue_count NAME MARK ERE   how many log lines after MARK match ERE
#   rogue_rae_ok LOG [MARK]     every Get Log Page 0x70 sequence of a
#                               persistent connection (kato > 0) after line
#                               MARK ended with an RAE=0 chunk; prints the
#                               offenders; false when there was no sequence
ROGUE_DC=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)/tools/rogue-dc.py
declare -A ROGUE_PID=()

rogue_log() { echo "${TMPDIR:-/tmp}/rogue-$1.log"; }

rogue_start() {
    local name=$1 port=$2 json=$3 log
    log=$(rogue_log "$name")
    python3 "$ROGUE_DC" --port "$port" --scenario "$json" --log "$log" \
        --control "${TMPDIR:-/tmp}/rogue-$name.ctl" 2>>"${log%.log}.err" &
    ROGUE_PID[$name]=$!
    on_exit "kill $!"
    wait_for 30 "grep -q ' listening ' '$log' 2>/dev/null"
}

rogue_mark() {
    local n=0 l
    while IFS= read -r l; do n=$((n + 1)); done <"$(rogue_log "$1")"
    echo "$n"
}

rogue_count() {
    awk -v from="$2" -v re="$3" 'NR > from && $0 ~ re { n++ } END { print n + 0 }' "$(rogue_log "$1")"
}

rogue_ctl() {
    local name=$1 mark
    shift
    mark=$(rogue_mark "$name")
    echo "$*" >"${TMPDIR:-/tmp}/rogue-$name.ctl" || return 1
    wait_for 10 "[ \"\$(rogue_count '$name' $mark '^[0-9.]+ ctl ')\" -gt 0 ]"
}

rogue_rae_ok() {
    awk -v from="${2:-0}" '
        function w(k, i) {
            for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2)
            return ""
        }
        function end(c) {
            if (persist[c] && (c in last)) {
                seqs++
                if (last[c] == "1") { print "conn " c ": a Get Log Page sequence ended with RAE=1 (log line " NR ")"; bad = 1 }
            }
            delete last[c]
        }
        / connect qid=0 / { persist[w("conn")] = (w("kato") + 0 > 0) }
        NR <= from { next }
        / get-log-page / && / lid=0x70 / { last[w("conn")] = w("rae") }
        / aen conn=/ || / conn close / { end(w("conn")) }
        END {
            for (c in last) end(c)
            if (!seqs) { print "no Get Log Page sequence of a persistent connection"; bad = 1 }
            printf "%d sequences checked\n", seqs
            exit bad
        }' "$1"
}
