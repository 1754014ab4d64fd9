#!/bin/bash
# stas-vm-timeout: 900
# faults.sh - fault injection with 50 subsystems behind one nvmet discovery
# controller: kill -9 of stafd, then of stacd, in the middle of a connect
# storm; the target's port links flapping while connects run; a udev
# overflow (tiny receive buffer) while 100 namespaces appear; avahi-daemon
# restarted under load. After each part both daemons are alive and answer,
# every subsystem has exactly one live I/O controller, and the controllers
# that were connected before a kill are the same kernel devices after it.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
N=50
ZADDR=${STAS_VM_AVAHI_ADDR%/*}
UDEVLOG=$T/udev.txt
NQNS=()
for ((i = 1; i <= N; i++)); do
    printf -v nqn 'nqn.2024-01.io.example:fault%02d' "$i"
    NQNS+=("$nqn")
done

# ioc_of NQN: the live I/O controller of NQN (fork-free ioc_devs)
ioc_of() {
    local row
    while IFS= read -r row; do
        [[ $row == *"|$1|"* ]] && { echo "${row%%|*}"; return 0; }
    done < <(live_ioc_rows)
    return 1
}

# all_connected: every subsystem has a live I/O controller (prints the missing)
all_connected() {
    local row nqn rc=0
    local -A live=()
    while IFS= read -r row; do
        row=${row#*|}
        live[${row%%|*}]=1
    done < <(live_ioc_rows)
    for nqn in "${NQNS[@]}"; do [ -n "${live[$nqn]:-}" ] || { echo "missing: $nqn"; rc=1; }; done
    return $rc
}

# connected_within SECS: all_connected comes true within SECS (quiet until then)
connected_within() {
    wait_for "$1" 'all_connected >/dev/null' || { all_connected; return 1; }
}

# one_each: every subsystem has exactly one kernel controller, and nothing is
# doubled; prints what is wrong
one_each() {
    local row nqn rc=0
    local -A cnt=()
    while IFS= read -r row; do
        row=${row#*|}
        cnt[${row%%|*}]=$((${cnt[${row%%|*}]:-0} + 1))
    done < <(ctrl_rows)
    for nqn in "${NQNS[@]}"; do
        [ "${cnt[$nqn]:-0}" = 1 ] || { echo "$nqn: ${cnt[$nqn]:-0} controllers"; rc=1; }
    done
    ctrl_dups || rc=1
    return $rc
}

# kill_victims FIRST STEP: delete (behind stacd's back) the I/O controllers
# of NQNS[FIRST], NQNS[FIRST+STEP], ...
kill_victims() {
    local i dev
    for ((i = $1; i < N; i += $2)); do
        dev=$(ioc_of "${NQNS[i]}") || continue
        _vm_write "/sys/class/nvme/$dev/delete_controller" 1 2>/dev/null || true
    done
}

# answers CLIENT: the client lists the daemon's controllers within 10 s
answers() { timeout 10 "$1" ls >/dev/null; }

# healthy PART: the checks closing every part
healthy() {
    check "$1: stafd is alive" pidof -q stafd
    check "$1: stacd is alive" pidof -q stacd
    check "$1: stafctl ls answers" answers "$STAFCTL"
    check "$1: stacctl ls answers" answers "$STACCTL"
    check "$1: all $N subsystems are connected" all_connected
    check "$1: one kernel controller each, none doubled" one_each
    check "$1: the DC on 127.0.0.1:8009 is still connected" dc_dev 8009
}

# kept_since SNAPSHOT SEQNUM PART: the controllers of SNAPSHOT are the same
# kernel devices, and the kernel announced none of them removed after SEQNUM
kept_since() {
    check "$3: the controllers connected before the kill are the same devices" rows_kept "$1"
    check "$3: no udev remove of a controller connected before the kill" not_removed "$1" "$2"
}

# not_removed SNAPSHOT SEQNUM: no controller of SNAPSHOT was removed after SEQNUM
not_removed() { not_removed_since "$UDEVLOG" "$@"; }

# since MS: seconds elapsed since _vm_now_ms said MS, with one decimal
since() {
    local d=$(($(_vm_now_ms) - $1))
    echo "$((d / 1000)).$((d / 100 % 10))"
}

# keep the daemons' logs with the run's guest logs (-k, or after a failure)
save_logs() {
    [ -n "${STAS_VM_RUN:-}" ] || return 0
    mkdir -p "$STAS_VM_RUN/faults" && cp "$T"/*.log "$T"/snap* "$UDEVLOG" "$STAS_VM_RUN/faults/"
}
on_exit save_logs

T0=$(_vm_now_ms)
section "setup: $N subsystems behind one DC (127.0.0.1:8009)"
nvmet_load
nvmet_port 1 127.0.0.1 8009
# one memory-backed null_blk device behind every namespace: nvmet opens it
# shared, and no file has to be created per subsystem
NSDEV=$(nvmet_nullb 64)
wait_for 5 test -b "$NSDEV"
for nqn in "${NQNS[@]}"; do
    _nvmet_mksubsys "$nqn"
    nvmet_ns "$nqn" 1 "$NSDEV"
    nvmet_link "$nqn" 1
done
stas_bus_setup
check "avahi-daemon runs" start_avahi
printf '%s\n' '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf
: >/etc/stas/stacd.conf
check "udev monitor runs" udev_monitor_start "$UDEVLOG" --subsystem-match=nvme --subsystem-match=nvme-fabrics
log "setup took $(since "$T0") s"

section "1a. kill -9 of stafd in the middle of stacd's connect storm"
check "stafd starts" stafd_start "$T/stafd.log"
check "stafd connects the DC" wait_for 30 dc_dev 8009
check "stafd has the $N-entry log page" wait_for 60 \
    '[ "$(staf_dlp 8009 | grep -c "^nvme|")" = "$N" ]'
t=$(_vm_now_ms)
check "stacd starts" stacd_start "$T/stacd.log"
check "stacd's connect storm is under way (10 connected)" wait_for 120 '[ "$(live_ioc_count)" -ge 10 ]'
live_ioc_rows >"$T/snap1a"
ctrl_rows | grep "|$WKNQN|" >>"$T/snap1a" || true
n=$(live_ioc_count)
MARK=$(uevent_seqnum)
kill -9 "$STAFD_PID"
wait "$STAFD_PID" 2>/dev/null || true
STAFD_PID=
check "the kill landed mid-storm ($n of $N connected)" test "$n" -lt "$N"
sleep 2
check "stacd survives stafd's death" pidof -q stacd
check "stafd restarts" stafd_start "$T/stafd2.log"
check "all $N get connected" connected_within 180
log "storm of $N connects: $(since "$t") s"
kept_since "$T/snap1a" "$MARK" "1a"
healthy "1a"

section "1b. kill -9 of stacd in the middle of a reconnect storm"
# stacd re-creates what is deleted behind its back: half of them at once
kill_victims 0 2
check "stacd's reconnect storm is under way (5 back)" wait_for 120 '[ "$(live_ioc_count)" -ge $((N / 2 + 5)) ]'
live_ioc_rows >"$T/snap1b"
ctrl_rows | grep "|$WKNQN|" >>"$T/snap1b" || true
n=$(live_ioc_count)
MARK=$(uevent_seqnum)
kill -9 "$STACD_PID"
wait "$STACD_PID" 2>/dev/null || true
STACD_PID=
check "the kill landed mid-storm ($n of $N connected)" test "$n" -lt "$N"
sleep 2
check "stacd restarts" stacd_start "$T/stacd2.log"
check "all $N get connected" connected_within 180
kept_since "$T/snap1b" "$MARK" "1b"
healthy "1b"

section "2. the target's port links flap while stacd connects"
kill_victims 1 3
for ((f = 1; f <= 3; f++)); do
    for nqn in "${NQNS[@]}"; do nvmet_unlink "$nqn" 1; done
    sleep 2
    for nqn in "${NQNS[@]}"; do nvmet_link "$nqn" 1; done
    sleep 4
done
t=$(_vm_now_ms)
check "all $N get connected after the flapping" connected_within 300
log "settled $(since "$t") s after the last flap"
healthy "2"

section "3. a udev overflow while 100 namespaces appear"
stacd_stop TERM || true
stafd_stop TERM || true
STAS_UDEV_RCVBUF=4096 stafd_start "$T/stafd3.log" --tron ||
    fail "stafd starts with STAS_UDEV_RCVBUF=4096"
STAS_UDEV_RCVBUF=4096 stacd_start "$T/stacd3.log" ||
    fail "stacd starts with STAS_UDEV_RCVBUF=4096"
check "both restart and keep everything" connected_within 60
count_ns() {
    local d n=0
    for d in /sys/class/nvme/nvme*/nvme*n*; do [ -e "$d" ] && n=$((n + 1)); done
    echo "$n"
}
lost_logged() { grep -c "udev events were lost" "$T/stafd3.log" "$T/stacd3.log" | tr '\n' ' '; }
for nqn in "${NQNS[@]}"; do
    nvmet_ns "$nqn" 2 "$NSDEV"
    nvmet_ns "$nqn" 3 "$NSDEV"
done
check "the host sees all $((3 * N)) namespaces" wait_for 120 '[ "$(count_ns)" -ge $((3 * N)) ]'
udevadm settle -t 60 >/dev/null 2>&1 || true
log "overflows logged by the namespaces alone: $(lost_logged)"
# namespace events are block-subsystem events, which the daemons' monitor
# filters out in the kernel; a burst of controller "change" events (what
# "udevadm trigger" does) reaches it, while the namespaces are scanned
for ((f = 0; f < 3; f++)); do
    for c in /sys/class/nvme/nvme*; do _vm_write "$c/uevent" change 2>/dev/null || true; done
done
check "stafd logs that udev events were lost" wait_for 30 \
    'grep -q "udev events were lost" "$T/stafd3.log"'
check "stacd logs that udev events were lost" wait_for 30 \
    'grep -q "udev events were lost" "$T/stacd3.log"'
# what stafd did after its first overflow: a resync asks each DC whether
# its page changed (namespaces do not change nvmet's discovery log)
after_lost() { sed -n '/udev events were lost/,$p' "$T/stafd3.log"; }
check "after the overflow stafd asks its DC whether the page changed" wait_for 30 \
    'after_lost | grep -q "Log page unchanged"'
check "and neither registers again nor reads the unchanged page whole" \
    test "$(after_lost | grep -c -e "Registration completed" -e "Received discovery log pages")" = 0
healthy "3"

section "4. avahi-daemon restarted under load"
# nvmet listens on a port once a subsystem is linked to it. Port 8010, not
# 8009: avahi also reports our own advertisement on lo, where it resolves to
# 127.0.0.1 and would be a second path to the configured DC.
nvmet_port 3 "$ZADDR" 8010
_nvmet_mksubsys nqn.2024-01.io.example:fault-mdns
nvmet_link nqn.2024-01.io.example:fault-mdns 3
publish() {
    avahi-publish -s "$1" _nvme-disc._tcp 8010 p=tcp "NQN=$WKNQN" >"$T/pub-$1.log" 2>&1 &
    on_exit "kill $!"
}
publish faultdc
check "stafd connects the mDNS-advertised DC" wait_for 90 dc_dev 8010 "$ZADDR"
ZDC=$(dc_dev 8010 "$ZADDR" || true)
DC=$(dc_dev 8009 || true)
before=$(staf list_controllers false | grep -o "'traddr': '[^']*'" | sort | tr '\n' ' ')
kill_victims 0 5
check "avahi-daemon stops" stop_avahi
check "avahi-daemon starts again" start_avahi
check "avahi-daemon stops again" stop_avahi
check "and starts again" start_avahi
publish faultdc2
sleep 3
check "stafd keeps its DCs" test "$(staf list_controllers false | grep -o "'traddr': '[^']*'" | sort | tr '\n' ' ')" = "$before"
check "the DC devices are the same ($DC, $ZDC)" test "$(dc_dev 8009)" = "$DC" -a "$(dc_dev 8010 "$ZADDR")" = "$ZDC"
check "all $N get connected" connected_within 180
healthy "4"

# with 50 controllers the state files are large: each restart must read its own
check "every restart read its own last-known state" \
    not grep -H "Ignoring last known config" "$T"/stafd*.log "$T"/stacd*.log
check "no crash in the logs" not grep -qiE 'segfault|assert|CRITICAL \*\*' "$T"/stafd*.log "$T"/stacd*.log
log "scenario took $(since "$T0") s"
stacd_stop TERM || true
stafd_stop TERM || true
summary
