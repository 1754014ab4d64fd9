# shellcheck shell=bash
# units.sh - helpers for scenarios of the systemd world ("# stas-vm-init:
# systemd"): the package is installed with dpkg, the daemons are driven with
# systemctl and read with journalctl, stafctl and stacctl as an admin would.
# Source after lib.sh and stas.sh.
#
#   deb_install [DEB...]    dpkg -i (default $STAS_VM_DEB); log in $TMPDIR/dpkg.log
#   unit_prop UNIT PROP     a property of UNIT (systemctl show)
#   unit_pid UNIT           its main PID (0 when it runs none)
#   unit_is UNIT STATE      its ActiveState is STATE (active, activating, ...)
#   journal_mark            the journal's cursor now (a MARK)
#   journal_since MARK      the journal's entries after MARK
#   journal_has MARK ERE [WHO]  one of them, from WHO (a syslog identifier
#                           such as stafd; default anyone), matches ERE
#   watch_connections FILE [ROWS]  once udev settled, the kernel's controllers
#                           (ctrl_rows, or the function ROWS) into FILE, and a
#                           udev monitor into $TMPDIR/udev.log (a check);
#                           $SEQ is the uevent sequence number from then on
#   check_exposure          systemd-analyze security of stafd and stacd: each
#                           figure logged, and checked to be below 3.0
#   netlink_rcvbuf PID      the receive buffer (bytes) of PID's udev monitor socket
# shellcheck disable=SC2034

STAS_VM_DEB=${STAS_VM_DEB:-}

deb_install() {
    [ $# -gt 0 ] || set -- "$STAS_VM_DEB"
    # man-db's trigger would re-index every manual page of the root, over
    # 9p under TCG: minutes. Its documented switch turns it off.
    rm -f /var/lib/man-db/auto-update
    local t0=${EPOCHREALTIME%.*}
    DEBIAN_FRONTEND=noninteractive dpkg -i "$@" >>"$TMPDIR/dpkg.log" 2>&1 ||
        { tail -n 20 "$TMPDIR/dpkg.log"; return 1; }
    log "dpkg -i took $((${EPOCHREALTIME%.*} - t0)) s"
}

unit_prop() { systemctl show -p "$2" --value "$1"; }
unit_pid() { unit_prop "$1" MainPID; }
unit_is() { [ "$(unit_prop "$1" ActiveState)" = "$2" ]; }

journal_mark() { journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p'; }
# (journalctl's own matches, -u or -t, are not combined with --after-cursor:
# systemd 252 then missed entries that were there; the sender is matched here)
journal_since() { journalctl --no-pager -q -o short-monotonic --after-cursor="$1"; }
journal_has() {
    # (not grep -q: journalctl would die of SIGPIPE, and pipefail fail the match)
    journal_since "$1" | grep -E -- " ${3:-[^ ]+}\[[0-9]+\]: .*$2" >/dev/null
}

# ss names a netlink socket's owner in its local address (uevent:COMM/PID)
# and prints its receive buffer as skmem's rb.
netlink_rcvbuf() {
    ss -f netlink -a -m 2>/dev/null | awk -v own="/$1" '
        $0 ~ /uevent:/ && index($0, own " ") && match($0, /rb[0-9]+/) { print substr($0, RSTART + 2, RLENGTH - 2); n++ }
        END { exit !n }' | sort -n | tail -n 1
}

exposure() { # exposure UNIT: the overall figure
    systemd-analyze security --no-pager "$1" 2>/dev/null |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
below_3() { awk -v x="$1" 'BEGIN { exit !(x != "" && x + 0 < 3.0) }'; }
check_exposure() {
    local u x
    for u in stafd.service stacd.service; do
        x=$(exposure $u)
        log "$u: exposure ${x:-?} ($(systemctl --version | head -n 1))"
        check "$u's exposure is below 3.0" below_3 "$x"
    done
}

SEQ=
watch_connections() {
    udevadm settle -t 30 >/dev/null 2>&1 || true
    "${2:-ctrl_rows}" >"$1"
    log "watched: $(cut -d'|' -f1,2 "$1" | tr '\n' ' ')"
    check "udev monitor is listening" udev_monitor_start "$TMPDIR/udev.log"
    SEQ=$(uevent_seqnum)
}
