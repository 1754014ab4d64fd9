#!/bin/bash
# stas-vm-timeout: 1500
# stacd-restart.sh - restarting stacd never cuts storage that is still
# wanted (review-stacd #1, #2): in every disconnect-scope, with stafd up,
# stopped, frozen (slow) or restarting at the same time, and after
# kill -9, the I/O controllers keep their kernel devices, udev sees no
# "remove" for them, and an ext4 filesystem mounted on a namespace and
# written to all along keeps working. The DC has no host-iface, so on this
# 6.1 kernel the audit's TIDs (host-iface from src_addr) differ from
# stacd's own: the case that tore connections down in audit mode.
# Instead of sleeping, each case waits for the moment stacd acts: its first
# answer from a stafd that has read every DC's log page (stacd removes
# what such an answer no longer lists at once, and nothing before).
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
MNT=$T/mnt
SCOPES="only-stas-connections all-connections-matching-disconnect-trtypes no-disconnect"

stac_scope() {
    printf '%s\n' '[I/O controller connection management]' "disconnect-scope = $1" >/etc/stas/stacd.conf
}
devices() { echo "$(ioc_devs "$SUB1") $(ioc_devs "$SUB2")"; }

# read_answer LOG: stacd (its --tron log LOG) had an answer from a stafd
# that has read the log page of every DC
read_answer() { grep -qE "stafd lists [0-9]+ I/O controller\(s\); 0 DC log page" "$1"; }
# acted LOG: stacd has acted on such an answer; a moment more lets any
# consequence (an audit, a disconnect) reach the log and udev
acted() { wait_for 60 read_answer "$1" && sleep 2; }

# removals_of LINE DEV...: udev "remove" events of DEVs (or their
# namespaces) logged after line LINE of the monitor's file
removals_of() {
    local from=$1 d pat=
    shift
    for d in "$@"; do pat="$pat${pat:+|}$d"; done
    tail -n +"$from" "$T/udev.log" | grep -cE "^UDEV.* remove +\S*/($pat)(n[0-9]+)? " || true
}

WRITER_PID=
writer_start() {
    (while :; do date +%s.%N >>"$MNT/ticks"; sync "$MNT/ticks" 2>/dev/null || sync; sleep 0.2; done) &
    WRITER_PID=$!
    on_exit "kill $WRITER_PID"
}
ticks() { wc -l <"$MNT/ticks"; }

# fs_works NAME: a new file can be written, synced, dropped from the page
# cache and read back, and the writer is still making progress
fs_works() {
    local before
    before=$(ticks)
    echo "$1" >"$MNT/check-$1" && sync &&
        echo 3 >/proc/sys/vm/drop_caches &&
        test "$(cat "$MNT/check-$1")" = "$1" &&
        wait_for 10 'test "$(ticks)" -gt "$before"'
}

# restart_case SCOPE MODE: restart stacd the MODE way, then check that
# nothing wanted was touched
restart_case() {
    local scope=$1 mode=$2 log=$T/stacd-$1-$2.log before mark st=0
    section "$scope: stacd restarts, stafd $mode"
    stac_scope "$scope"
    before=$(devices)
    mark=$(($(wc -l <"$T/udev.log") + 1))
    case $mode in
    up)
        stacd_stop TERM || st=$?
        stacd_start "$log"
        ;;
    stopped)
        stafd_stop TERM || true
        stacd_stop TERM || st=$?
        stacd_start "$log"
        check "stacd says it keeps what stafd listed" \
            wait_for 30 grep -qE "stafd is not running; keeping the [1-9][0-9]* I/O" "$log"
        stafd_start "$T/stafd-$scope.log"
        ;;
    slow)
        stacd_stop TERM || st=$?
        kill -STOP "$STAFD_PID"
        stacd_start "$log"
        sleep 4 # past the first reconciliation (1.5 s soak), its call hanging
        check "while stafd is frozen: same devices" test "$(devices)" = "$before"
        check "while stafd is frozen: no answer yet" not read_answer "$log"
        kill -CONT "$STAFD_PID"
        ;;
    restarting)
        stafd_stop TERM || true
        stacd_stop TERM || st=$?
        stacd_start "$log"
        stafd_start "$T/stafd-$scope.log"
        ;;
    killed)
        stacd_stop KILL || true
        stacd_start "$log"
        ;;
    esac
    check "stacd heard stafd's read log pages" acted "$log"
    [ "$mode" = killed ] || check "the old stacd exited cleanly" test "$st" = 0
    check "same kernel devices ($before)" test "$(devices)" = "$before"
    # shellcheck disable=SC2086 # one device name per word
    check "udev saw no remove of them or of $NS" test "$(removals_of "$mark" $before "${NS##*/}")" = 0
    check "stacd removed nothing" not grep -qE "no longer wanted|Disconnect initiated" "$log"
    check "the audit adopted none of them" not grep -q "Audit: adopting" "$log"
    check "the mounted filesystem still works" fs_works "$scope-$mode"
}

nvmet_default_topology
stas_bus_setup
start_udevd 0
printf '%s\n' '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf
stac_scope only-stas-connections

section "set-up: both daemons, ext4 on $SUB1's namespace, a writer"
check "stafd starts" stafd_start "$T/stafd.log"
check "stacd starts" stacd_start "$T/stacd.log"
check "$SUB1 gets an I/O controller" wait_for 60 has_ioc "$SUB1"
check "$SUB2 gets an I/O controller" wait_for 60 has_ioc "$SUB2"
DEV1=$(ioc_devs "$SUB1")
NS=$(wait_ns_dev 30 "$DEV1")
mkdir -p "$MNT"
check "mkfs.ext4 on $NS" mkfs.ext4 -q -F "$NS"
check "mount it" mount "$NS" "$MNT"
on_exit "umount -l $MNT"
writer_start
check "the writer writes" wait_for 10 'test "$(ticks)" -gt 2'
check "the udev monitor listens" udev_monitor_start "$T/udev.log"

for scope in $SCOPES; do
    for mode in up stopped slow restarting; do
        restart_case "$scope" "$mode"
    done
done
restart_case all-connections-matching-disconnect-trtypes killed
restart_case only-stas-connections killed

section "the end"
check "no crash in the logs" not grep -qiE 'segfault|assert|CRITICAL \*\*' "$T"/stacd*.log "$T"/stafd*.log
kill "$WRITER_PID" 2>/dev/null || true
wait "$WRITER_PID" 2>/dev/null || true
# (a sync the writer had started may still hold the file for a moment)
check "unmount" wait_for 20 'umount "$MNT" 2>/dev/null'
stacd_stop TERM || true
stafd_stop TERM || true
summary
