#!/bin/bash
# zeroconf.sh - stafd finds discovery controllers through mDNS (a real
# avahi-daemon on the guest's system bus, a multicast dummy interface),
# probes and connects them, ages them out, ignores garbage advertisements,
# survives avahi restarts, honours exclusions, and masks nvme-cli's
# autoconnect rule while it runs; stacd connects what they list.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
ZADDR=${STAS_VM_AVAHI_ADDR%/*}
MASK=/run/udev/rules.d/70-nvmf-autoconnect.rules
PUBS=()

conf() { printf '%s\n' '[Global]' 'tron = true' 'ctrl-loss-tmo = 3' 'reconnect-delay = 1' "$@" >/etc/stas/stafd.conf; }
publish() { # publish NAME TXT...: advertise a DC on port 8009 of this host
    local name=$1
    shift
    avahi-publish -s "$name" _nvme-disc._tcp 8009 "$@" >"$T/pub-$name.log" 2>&1 &
    PUBS+=($!)
    on_exit "kill $!"
}
zc_services() { staf_debug process_info | tr '{' '\n'; }
zdc() { dc_dev 8009 "$ZADDR"; } # the DC connection on the dummy interface

nvmet_default_topology
stas_bus_setup
check "avahi-daemon runs, with a multicast interface" start_avahi
nvmet_port 3 "$ZADDR" 8009
nvmet_link "$SUB1" 3
nvmet_link "$SUB2" 3

section "1. an advertised DC is resolved, probed and connected (no controller= line)"
conf
check "stafd starts" stafd_start "$T/stafd.log"
check "stafd says zeroconf is available" wait_for 20 'grep -q "avahi-daemon service available, zeroconf supported." "$T/stafd.log"'
publish dc1 "p=tcp" "NQN=$WKNQN"
check "the service is resolved and reachable on $STAS_VM_AVAHI_IF" wait_for 60 service_reachable dc1 "$STAS_VM_AVAHI_IF"
check "stafd connects the DC through $STAS_VM_AVAHI_IF" wait_for 60 zdc
check "the connection is bound to $STAS_VM_AVAHI_IF" grep -q "host_iface=$STAS_VM_AVAHI_IF" "/sys/class/nvme/$(zdc)/address"
check "its log page lists $SUB1" wait_for 30 "staf get_log_pages tcp $ZADDR 8009 $WKNQN '' $STAS_VM_AVAHI_IF '$HOSTNQN' | grep -q '$SUB1'"
"$STAFCTL" dlp -t tcp -a "$ZADDR" -s 8009 -f "$STAS_VM_AVAHI_IF" >"$T/dlp.txt" 2>&1 || true
check "stafctl dlp shows the subsystems" grep -q "'subnqn': '$SUB2'" "$T/dlp.txt"
"$STAFCTL" status >"$T/status.txt" 2>&1 || true
check "stafctl status shows the avahi object with the service and its reachability" \
    grep -q "'reachable': 'True'" "$T/status.txt"
check "the DC's origin is discovered" bash -c "'$STAFCTL' ls -d | grep -q \"'origin': 'discovered'\""

section "2. with stacd: the I/O subsystems behind the mDNS-found DC get connected"
printf '%s\n' '[Global]' 'kato = 10' >/etc/stas/stacd.conf
check "stacd starts" stacd_start "$T/stacd.log"
via_zaddr() { # via_zaddr NQN: a controller of NQN at the advertised address
    local c
    for c in $(ctrls_for "$1"); do
        grep -q "traddr=$ZADDR," "/sys/class/nvme/$c/address" && return 0
    done
    return 1
}
check "$SUB1 is connected through $STAS_VM_AVAHI_IF" wait_for 90 via_zaddr "$SUB1"
check "$SUB2 is connected" wait_for 90 has_ioc "$SUB2"
stacd_stop TERM || true

section "3. garbage advertisements are logged and ignored"
publish bad1 "p=foo"
publish bad2 $'\x01\x02=\x03' 'p=tcp=tcp' '=nokey' 'novalue'
check "p=foo is reported as an unknown protocol" wait_for 30 'grep -q "bad1.local.*unknown protocol p=foo" "$T/stafd.log"'
check "a TXT with no usable p= is reported" wait_for 30 'grep -q "bad2.local.*no protocol" "$T/stafd.log"'
check "each is reported once per interface, not repeatedly" \
    test "$(grep -c "($STAS_VM_AVAHI_IF, IPv4, bad1.local.*unknown protocol" "$T/stafd.log")" -le 1
check "stafd is still running" kill -0 "$STAFD_PID"
check "and connected nothing for them" test "$(staf list_controllers false | grep -o "'device'" | wc -l)" -le 2

section "4. avahi-daemon restarts under stafd"
before=$(staf list_controllers false | grep -o "'traddr': '[^']*'" | sort | tr '\n' ' ')
check "avahi-daemon stops" stop_avahi
check "stafd notices" wait_for 30 'grep -q "avahi-daemon not available, zeroconf not supported." "$T/stafd.log"'
sleep 2
check "stafd keeps its DCs" test "$(staf list_controllers false | grep -o "'traddr': '[^']*'" | sort | tr '\n' ' ')" = "$before"
check "avahi-daemon starts again" start_avahi
publish dc2 "p=tcp"
check "stafd finds a newly published service without a restart" wait_for 60 service_reachable dc2 "$STAS_VM_AVAHI_IF"

section "5. exclude= on a discovered DC"
conf '[Controllers]' "exclude = host-iface=$STAS_VM_AVAHI_IF"
stafd_reload
check "the excluded DC is disconnected" wait_for 30 'not zdc'
conf
stafd_reload
check "removing the exclusion brings it back" wait_for 60 zdc

section "6. aging: a withdrawn DC stays while connected, goes once it stops answering"
conf '[Discovery controller connection management]' 'zeroconf-connections-persistence = 4'
stafd_reload
gdbus monitor --system --dest org.nvmexpress.staf >"$T/monitor.txt" 2>&1 &
on_exit "kill $!"
sleep 1
for p in "${PUBS[@]}"; do kill "$p" 2>/dev/null || true; done
withdrawn() { ! zc_services | grep -q 'dc[12]\.local'; }
check "the withdrawal is seen" wait_for 30 withdrawn
sleep 3
check "the withdrawn DC stays while it is connected" zdc
nvmet_rm_port 3
check "the kernel gives the connection up (ctrl-loss-tmo 3 s)" wait_for 60 'not zdc'
check "stafd removes the DC after zeroconf-connections-persistence" wait_for 90 \
    "! staf list_controllers false | grep -q \"'traddr': '$ZADDR'\""
check "dc_removed is signalled" wait_for 10 "grep -q 'org.nvmexpress.staf.dc_removed' '$T/monitor.txt'"

section "7. nvme-cli's autoconnect rule is masked while stafd runs"
check "the mask is in place, marked as stafd's" grep -q '^# Written by stafd' "$MASK"
check "it keeps nvme-cli's FC rule only" bash -c "grep -q 'SUBSYSTEM==\"fc\"' '$MASK' && ! grep -q 'SUBSYSTEM==\"nvme\"' '$MASK'"
st=0
stafd_stop TERM || st=$?
check "stafd exits with status 0" test "$st" = 0
check "the mask is gone after SIGTERM" test ! -e "$MASK"
: >"$T/stafd2.log"
check "stafd starts again" stafd_start "$T/stafd2.log"
check "the mask is back" wait_for 10 test -e "$MASK"
kill -9 "$STAFD_PID"
wait "$STAFD_PID" 2>/dev/null || true
STAFD_PID=
check "after kill -9 the mask stays behind" test -e "$MASK"
echo '# stale' >>"$MASK"
: >"$T/stafd3.log"
check "the next stafd starts" stafd_start "$T/stafd3.log"
check "and replaces the stale mask" wait_for 10 'test -e "$MASK" && ! grep -q "^# stale" "$MASK"'
stafd_stop TERM || true
printf '# an admin wrote this\n' >"$MASK"
: >"$T/stafd4.log"
check "with an admin's own file there, stafd starts" stafd_start "$T/stafd4.log"
sleep 2
stafd_stop TERM || true
check "and leaves that file alone" grep -q '^# an admin wrote this' "$MASK"
rm -f "$MASK"
summary
