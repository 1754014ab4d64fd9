#!/bin/bash
# systemd.sh - the package as an admin runs it: installed with dpkg on a
# Debian 12 whose PID 1 is systemd, the daemons driven only with systemctl,
# read with journalctl, stafctl and stacctl. Shows that the units' sandbox
# lets every feature work (connect, Get Log Page, DIM, udev events, avahi
# browsing and its reachability probes, the rule mask, the hand-over of an
# unmanaged DC's AEN to nvme-cli's nvmf-connect@, the udev receive buffer),
# that start and reload return once done, that restarts and kill -9 lose
# nothing, that stas-config@ creates a missing host identity, that the
# journal holds the run and no secret, and that the exposure stays below 3.0.
# stas-vm-init: systemd
# stas-vm-timeout: 900
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"
# shellcheck source=../guest/units.sh
. "${BASH_SOURCE[0]%/*}/../guest/units.sh"

T=$TMPDIR
MASK=/run/udev/rules.d/70-nvmf-autoconnect.rules
SUB3=nqn.2024-01.io.example:sub3
SUB4=nqn.2024-01.io.example:sub4
CDC=8010 # the rogue CDC's port (DIM)
ZADDR=${STAS_VM_AVAHI_ADDR%/*}
SECRET='DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c3Rhcw==:'

dims_seen() { [ "$(rogue_count $CDC "$1" " dim task=$2 ")" -gt 0 ]; } # dims_seen MARK TASK
wanted_rows() { ctrl_rows | grep -v "|$SUB2|"; } # what must survive restarts and kills

section "0. the target, a rogue CDC, avahi on a dummy interface"
nvmet_default_topology
nvmet_subsys "$SUB3"
printf '%s\n' '{"entries": [], "identify": {"dctype": 2}}' >"$T/cdc.json"
check "the rogue CDC listens on $CDC" rogue_start $CDC $CDC "$T/cdc.json"
check "avahi-daemon runs as a unit" unit_is avahi-daemon.service active
check "a multicast interface for avahi" start_avahi

section "1. dpkg -i of the .deb; a host without /etc/nvme/hostnqn"
check "the .deb of this tree is there ($STAS_VM_DEB)" test -r "$STAS_VM_DEB"
check "dpkg -i installs it" deb_install
check "the units are installed, not enabled, not started" \
    test "$(systemctl is-enabled stafd.service stacd.service 2>&1 | sort -u)" = disabled
check "neither daemon runs after a fresh install" not bus_has_owner org.nvmexpress.staf
rm -f /etc/nvme/hostnqn /etc/nvme/hostid /etc/stas/sys.conf
printf '%s\n' '[Global]' 'tron = true' 'reconnect-delay = 1' '[Controllers]' \
    'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' \
    "controller = transport=tcp;traddr=127.0.0.1;trsvcid=$CDC" >/etc/stas/stafd.conf
printf '%s\n' '[Global]' 'tron = true' '[Controllers]' \
    "controller = transport=tcp;traddr=127.0.0.9;trsvcid=4420;subsysnqn=nqn.2024-01.io.example:locked;dhchap-secret=$SECRET" \
    >/etc/stas/stacd.conf

section "2. systemctl start returns with the bus names owned"
check "systemctl enable --now stafd stacd" systemctl enable --now stafd.service stacd.service
check "both bus names are owned when it returns" both_owned
check "stas-config@hostnqn created /etc/nvme/hostnqn" test -s /etc/nvme/hostnqn
check "stas-config@hostid created /etc/nvme/hostid" test -s /etc/nvme/hostid
check "and recorded them in /etc/stas/sys.conf" grep -q '^nqn *= *file:///etc/nvme/hostnqn' /etc/stas/sys.conf
check "stas-config@hostnqn.service ran and succeeded" \
    test "$(unit_prop stas-config@hostnqn.service Result)" = success
read -r HOSTNQN </etc/nvme/hostnqn
check "stafd uses the new host NQN" wait_for 10 'staf_debug process_info | grep -qF "$HOSTNQN"'

section "3. the sandbox lets every feature work"
check "stafd connects the DC" wait_for 60 dc_dev 8009
check "and reads its log page" wait_for 30 'staf_dlp 8009 | grep -q "$SUB1"'
check "the CDC gets a DIM register" wait_for 40 dims_seen 0 0
check "stacd connects $SUB1" wait_for 90 has_ioc "$SUB1"
check "stacd connects $SUB2" wait_for 90 has_ioc "$SUB2"
check "the rule mask is in /run/udev/rules.d" test -e "$MASK"
check "systemctl status shows stafd's STATUS= line" \
    wait_for 10 'systemctl status --no-pager stafd | grep -q "Status: \".*connected\""'
check "systemctl status shows stacd's STATUS= line" \
    wait_for 10 'systemctl status --no-pager stacd | grep -q "Status: \".*connected\""'
M=$(journal_mark)
nvmet_link "$SUB3" 1
check "a discovery-change AEN (udev change event) reaches stafd" wait_for 30 journal_has "$M" 'Received AEN' stafd
check "and stacd connects the new $SUB3" wait_for 90 has_ioc "$SUB3"
for d in stafd stacd; do
    rb=$(netlink_rcvbuf "$(unit_pid $d)" || true)
    log "$d: udev monitor receive buffer ${rb:-?} bytes"
    check "$d's udev monitor has the 128 MiB it asks for (the kernel doubles it: 268435456)" \
        test "${rb:-0}" = 268435456
done
nvmet_port 3 "$ZADDR" 8009
nvmet_link "$SUB1" 3
avahi-publish -s dc-z _nvme-disc._tcp 8009 "p=tcp" "NQN=$WKNQN" >"$T/pub.log" 2>&1 &
on_exit "kill $!"
check "avahi browsing finds the advertised DC and the probe reaches it" wait_for 60 service_reachable dc-z "$STAS_VM_AVAHI_IF"
check "stafd connects it on $ZADDR" wait_for 60 dc_dev 8009 "$ZADDR"

section "4. an unmanaged DC's AEN goes to nvme-cli's nvmf-connect@"
nvmet_subsys "$SUB4"
nvmet_port 4 127.0.0.2 8009
nvmet_link "$SUB3" 4 # (a port listens once it has a subsystem)
check "nvme-cli connects a persistent DC stafd does not manage" \
    nvme connect -t tcp -a 127.0.0.2 -s 8009 -n "$WKNQN" -k 30
check "its device appears" wait_for 20 dc_dev 8009 127.0.0.2
M=$(journal_mark)
nvmet_link "$SUB4" 4
check "stafd hands its AEN to nvmf-connect@" \
    wait_for 30 journal_has "$M" 'not managed by stafd: handing its event to nvmf-connect@' stafd
check "nvmf-connect@ runs and nvme-cli connects $SUB4" wait_for 60 has_ioc "$SUB4"
check "systemd ran the nvmf-connect@ unit" wait_for 10 journal_has "$M" 'Started nvmf-connect@' systemd

section "5. systemctl reload returns once the new configuration is in force"
# BULK controllers of stacd.conf on 127.0.0.1:4420, so that an exclusion has
# work to do: what SIGHUP alone leaves connected when it returns is a figure.
BULK=12
bulk_nqn() { echo "nqn.2024-01.io.example:bulk$1"; }
bulk_live() { live_ioc_rows | grep -c ':bulk' || true; } # how many are live (one fork)
for ((i = 1; i <= BULK; i++)); do
    nvmet_subsys "$(bulk_nqn $i)" 8
    nvmet_link "$(bulk_nqn $i)" 2
    echo "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;subsysnqn=$(bulk_nqn $i)" >>/etc/stas/stacd.conf
done
cp /etc/stas/stacd.conf "$T/stacd.conf.bulk"
check "systemctl reload stacd (${BULK} controller= lines added)" systemctl reload stacd.service
check "stacd connects them" wait_for 120 'test "$(bulk_live)" = $BULK'
exclude_bulk() { printf '%s\n' "exclude = transport=tcp;trsvcid=4420" >>/etc/stas/stacd.conf; }
exclude_bulk
kill -HUP "$(unit_pid stacd)"
busctl --system --quiet call org.nvmexpress.stac /org/nvmexpress/stac org.freedesktop.DBus.Properties \
    Get ss org.nvmexpress.stac.debug log_level
log "figure: SIGHUP and a D-Bus round trip (stas 2.4.1's ExecReload=): $(bulk_live) of $BULK still live when it returned"
check "SIGHUP's exclusion takes them all eventually" wait_for 120 'test "$(bulk_live)" = 0'
cp "$T/stacd.conf.bulk" /etc/stas/stacd.conf
check "systemctl reload stacd without the exclusion" systemctl reload stacd.service
check "stacd connects them again" wait_for 120 'test "$(bulk_live)" = $BULK'
exclude_bulk
printf '%s\n' "exclude = transport=tcp;subsysnqn=$SUB2" >>/etc/stas/stacd.conf
check "systemctl reload stacd (exclude= added)" systemctl reload stacd.service
n=$(bulk_live)
log "figure: systemctl reload: $n of $BULK still live when it returned"
check "none of the excluded controllers is live when it returns" test "$n" = 0
check "nor $SUB2" not has_ioc "$SUB2"
M=$(rogue_mark $CDC)
sed -i "/trsvcid=$CDC/d" /etc/stas/stafd.conf
check "systemctl reload stafd" systemctl reload stafd.service
check "the removed CDC is disconnected when it returns" not dc_dev $CDC
check "after a DIM deregister" dims_seen "$M" 1
check "a non-root caller may not reload" \
    not setpriv --reuid=65534 --regid=65534 --clear-groups busctl --system call org.nvmexpress.stac \
    /org/nvmexpress/stac org.nvmexpress.stac.debug reload

section "6. restarts with storage connected"
watch_connections "$T/before" wanted_rows
check "systemctl restart stacd" systemctl restart stacd.service
check "stacd is back on the bus when it returns" bus_has_owner org.nvmexpress.stac
check "systemctl restart stafd" systemctl restart stafd.service
check "stafd is back on the bus when it returns" bus_has_owner org.nvmexpress.staf
check "stacd lists $SUB1 again" wait_for 30 'stacctl ls | grep -q "$SUB1"'
sleep 5 # the restarted daemons' first reconciliation and audits
check "no wanted controller was lost" rows_kept "$T/before"
check "no udev remove of a wanted controller" not_removed_since "$T/udev.log" "$T/before" "$SEQ"

section "7. kill -9: systemd restarts the daemon, nothing is lost"
SEQ=$(uevent_seqnum)
pid=$(unit_pid stafd)
kill -9 "$pid"
check "stafd is waiting to be restarted" wait_for 4 'test "$(unit_prop stafd SubState)" = auto-restart'
check "and the rule mask is gone while it is down" not test -e "$MASK"
check "systemd restarts stafd" wait_for 30 'unit_is stafd active && bus_has_owner org.nvmexpress.staf'
check "as a new process" test "$(unit_pid stafd)" != "$pid"
check "the rule mask is back" wait_for 10 test -e "$MASK"
pid=$(unit_pid stacd)
kill -9 "$pid"
check "systemd restarts stacd" wait_for 30 'unit_is stacd active && bus_has_owner org.nvmexpress.stac && test "$(unit_pid stacd)" != "$pid"'
check "the restart counters say one restart each" \
    test "$(unit_prop stafd NRestarts)/$(unit_prop stacd NRestarts)" = 1/1
check "stafd serves its DC's log page" wait_for 30 'staf_dlp 8009 | grep -q "$SUB1"'
sleep 5
check "no wanted controller was lost" rows_kept "$T/before"
check "no udev remove of a wanted controller" not_removed_since "$T/udev.log" "$T/before" "$SEQ"

section "8. the journal"
journalctl -b --no-pager -u stafd -u stacd >"$T/journal.txt"
check "journalctl -u stafd -u stacd shows stafd's run" \
    grep -q 'stafd\[[0-9]*\]: .*Acquired D-Bus name org.nvmexpress.staf' "$T/journal.txt"
check "and stacd's" grep -q 'stacd\[[0-9]*\]: .*Acquired D-Bus name org.nvmexpress.stac' "$T/journal.txt"
check "and stacd's connects" grep -q 'Connection established' "$T/journal.txt"
journalctl -b --no-pager -o cat >"$T/journal-all.txt"
check "the configured secret is nowhere in the journal" not grep -qF "${SECRET:10:20}" "$T/journal-all.txt"
check "no denial by the sandbox in the daemons' messages" \
    not grep -Ei 'operation not permitted|permission denied|read-only file system' "$T/journal.txt"

section "9. systemd-analyze security"
check_exposure

section "10. systemctl stop keeps the connections"
wanted_rows >"$T/before"
SEQ=$(uevent_seqnum)
check "systemctl stop stacd stafd" systemctl stop stacd.service stafd.service
check "the rule mask is gone" not test -e "$MASK"
check "the connections stay" rows_kept "$T/before"
check "no udev remove of a wanted controller" not_removed_since "$T/udev.log" "$T/before" "$SEQ"
summary
