#!/bin/bash
# dim.sh - the TP8010 registration life cycle against a CDC the kernel really
# connects to (test/tools/rogue-dc.py, which logs every DIM command it gets
# and fails them on cue): register on connect, update after stasadm
# set-symname and a reload, a failed DIM that leaves the connection up,
# deregister when the DC leaves the configuration and when stafd stops
# with persistent-connections=false, and no deregister when it stops with
# persistent connections.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
P=8010 # the rogue CDC's port
STASADM=$STAS_BUILD_DIR/src/stasadm

staf_conf() { # staf_conf [LINE...]: stafd.conf with the given extra lines
    printf '%s\n' '[Global]' 'reconnect-delay = 1' "$@" >/etc/stas/stafd.conf
}
cdc_line="controller = transport=tcp;traddr=127.0.0.1;trsvcid=$P"
dims() { rogue_count $P "$1" " dim task=$2 .*$3"; } # dims MARK TASK ERE: DIM commands after MARK
dims_seen() { [ "$(dims "$@")" -gt 0 ]; }
# the order of two log lines after MARK: ERE1 comes first
before() {
    awk -v m="$1" -v a="$2" -v b="$3" 'NR > m && $0 ~ a && !fa { fa = NR } NR > m && $0 ~ b && !fb { fb = NR }
        END { exit !(fa && (!fb || fa < fb)) }' "$(rogue_log $P)"
}

nvmet_load
scn='{"entries": [{"subnqn": "nqn.2024-01.io.example:cdc-listed", "traddr": "127.0.0.1", "trsvcid": "4420"}],
 "identify": {"dctype": 2}}'
printf '%s\n' "$scn" >"$T/cdc.json"
check "the rogue CDC listens on $P" rogue_start $P $P "$T/cdc.json"
stas_bus_setup
check "stasadm sets the symbolic name rack-1" "$STASADM" set-symname rack-1

section "1. register on connect, with the host's symbolic name"
M=$(rogue_mark $P)
staf_conf '[Controllers]' "$cdc_line"
check "stafd starts" stafd_start "$T/stafd.log"
check "the CDC gets a register (task 0) with symname rack-1" wait_for 40 dims_seen "$M" 0 "symname=rack-1 "
check "and stafd reads its log page" wait_for 30 'staf_dlp $P | grep -q "cdc-listed"'

section "2. stasadm set-symname + reload: an update (task 2), not a second register"
M=$(rogue_mark $P)
check "stasadm sets rack-2" "$STASADM" set-symname rack-2
stafd_reload
check "the CDC gets an update with symname rack-2" wait_for 30 dims_seen "$M" 2 "symname=rack-2 "
check "no register on that association" test "$(dims "$M" 0 "")" = 0
check "the update is logged" wait_for 10 'grep -q "DIM update completed, symbolic name rack-2" "$STAFD_LOG"'

section "3. a failed DIM: logged once with the CDC's status, counted, the connection stays"
DEV=$(dc_dev $P)
M=$(rogue_mark $P)
rogue_ctl $P dimfail 1 0x4002
"$STASADM" set-symname rack-3
stafd_reload
check "the CDC fails the update (status 0x4002)" wait_for 30 dims_seen "$M" 2 "status=0x4002"
check "stafd logs the failure with the status" wait_for 10 'grep -q "DIM update failed: .*0x4002" "$STAFD_LOG"'
sleep 2
check "the DC keeps its connection ($DEV)" test "$(dc_dev $P)" = "$DEV"
check "its log page is still served" wait_for 20 'staf_dlp $P | grep -q "cdc-listed"'
gdbus call --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf \
    --method org.nvmexpress.staf.debug.metrics >"$T/metrics.txt"
check "the failure is counted" grep -q 'stas_controller_registration_failures_total{[^}]*trsvcid=\\"8010\\"[^}]*} 1' "$T/metrics.txt"

section "4. removed from stafd.conf: deregister (task 1), then the disconnect"
M=$(rogue_mark $P)
staf_conf
stafd_reload
check "the CDC gets a deregister" wait_for 30 dims_seen "$M" 1 ""
check "the DC's connection goes" wait_for 30 'not dc_dev $P'
check "the deregister came before the connection closed" before "$M" " dim task=1 " "conn close"

section "5. stafd stops with persistent-connections = true: no deregister, the connection stays"
staf_conf '[Controllers]' "$cdc_line"
stafd_reload
check "the DC is back" wait_for 40 dc_dev $P
check "and registered again" wait_for 30 'grep -c "DIM register completed" "$STAFD_LOG" | grep -qv "^1$"'
M=$(rogue_mark $P)
stafd_stop
sleep 2
check "no deregister" test "$(dims "$M" 1 "")" = 0
check "the connection stays in the kernel" dc_dev $P

section "6. stafd stops with persistent-connections = false: deregister, then the disconnect"
staf_conf '[Discovery controller connection management]' 'persistent-connections = false' \
    '[Controllers]' "$cdc_line"
check "stafd starts (adopting the connection)" stafd_start "$T/stafd.log"
check "it registers on it" wait_for 40 'grep -c "DIM register completed" "$STAFD_LOG" | grep -qv "^[12]$"'
M=$(rogue_mark $P)
stafd_stop
check "the CDC gets a deregister" wait_for 20 dims_seen "$M" 1 ""
check "the connection goes" wait_for 20 'not dc_dev $P'
check "the deregister came before the connection closed" before "$M" " dim task=1 " "conn close"

if [ "$_VM_FAILED" -gt 0 ]; then
    tail -n 30 "$(rogue_log $P)" | cut -c1-200
    tail -n 30 "$T/stafd.log" | cut -c1-200
fi
summary
