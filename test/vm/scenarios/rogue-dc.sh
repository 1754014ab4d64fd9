#!/bin/bash
# stas-vm-timeout: 900
# rogue-dc.sh - stafd and stacd against hostile discovery controllers
# (test/tools/rogue-dc.py, a user-space NVMe/TCP target the kernel really
# connects to): a huge numrec, a log page of 100 entries read in chunks and
# its RAE bits, a generation counter that moves between chunks, non-UTF-8
# and unterminated fields, connect-option injection, answers slower than the
# kernel's timeout, dropped connections, an AEN storm and a DIM error. Each
# check states a promise; the daemons must be alive after each section.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
A=8010 B=8011 C=8012 # the rogue DCs' ports
SUB4=nqn.2024-01.io.example:sub4
SUB5=nqn.2024-01.io.example:inj5
SUB6=nqn.2024-01.io.example:inj6
SUB7=nqn.2024-01.io.example:inj7
DC_LINE='controller = transport=tcp;traddr=127.0.0.1;trsvcid='

staf_conf() { # staf_conf PORT...: stafd.conf with the nvmet DC and the given rogue DCs
    local p
    {
        printf '%s\n' '[Global]' 'reconnect-delay = 1' '[Controllers]' "${DC_LINE}8009"
        for p in "$@"; do echo "$DC_LINE$p"; done
    } >/etc/stas/stafd.conf
}

alive() { # alive PID: the process exists and is not a zombie
    local st
    [ -n "$1" ] && read -r st <"/proc/$1/stat" 2>/dev/null && [[ ${st##*) } != Z* ]]
}
stafd_alive() { alive "$STAFD_PID"; }
stacd_alive() { alive "$STACD_PID"; }
# the daemon went away under us: start it again (its log tells why)
stafd_ensure() {
    stafd_alive && return 0
    log "stafd is dead; starting it again"
    STAFD_PID=
    stafd_start "$STAFD_LOG"
}
staf_answers() { timeout 5 "$STAFCTL" ls >/dev/null 2>&1; }
dlp_count() { staf_dlp "$1" | wc -l; }
# cached PORT N [SECS]: stafd took a page of N records from 127.0.0.1:PORT
# and serves N entries on D-Bus (polls stafd's log: a D-Bus call of 100
# entries per poll is too slow under TCG)
cached() {
    wait_for "${3:-20}" "grep -q '$1.*num records=$2)' '$STAFD_LOG'" || true
    [ "$(dlp_count "$1")" = "$2" ]
}
# dlp_entries PORT: the number of entries stafd serves for PORT, read raw
dlp_entries() {
    staf get_log_pages tcp 127.0.0.1 "$1" "$WKNQN" '' '' "$HOSTNQN" | grep -o "'subnqn'" | wc -l
}
one_page() { # one_page PORT N1 N2: stafd serves N1 or N2 entries, nothing else
    local n
    n=$(dlp_entries "$1")
    [ "$n" = "$2" ] || [ "$n" = "$3" ] || { echo "stafd serves $n entries"; return 1; }
}
# the debug view of DC 127.0.0.1:PORT, as stafctl status shows it
dc_info() { staf_debug controller_info tcp 127.0.0.1 "$1" "$WKNQN" '' '' "$HOSTNQN"; }

# scenario files: scn NAME JSON writes $T/NAME.json
scn() { printf '%s\n' "$2" >"$T/$1.json"; }
# gen N [EXTRA]: a page of N entries for absent subsystems on 127.0.0.1:4420
gen() { echo "{\"generate\": {\"count\": $1, \"subnqn\": \"nqn.2024-01.io.example:gen{i}\", \"traddr\": \"127.0.0.1\", \"trsvcid\": \"4420\"}${2:+, $2}}"; }
# retarget NAME JSON: rogue NAME serves JSON from now on
retarget() {
    scn "$1" "$2"
    rogue_ctl "$1" reload
}
# kick NAME: make stafd read rogue NAME's page again, whatever the AEN mask:
# drop the connection (the kernel reconnects and says "rediscover"), or
# start stafd when it died
kick() {
    if stafd_alive; then rogue_ctl "$1" drop; else stafd_ensure; fi
}

# The kernel's admin command timeout applies to controllers created after
# it is set: 10 s lets "slower than the kernel" be 15 s, not 75.
ADMIN_TMO=/sys/module/nvme_core/parameters/admin_timeout
read -r OLD_TMO <"$ADMIN_TMO"
echo 10 >"$ADMIN_TMO"
on_exit "echo $OLD_TMO >$ADMIN_TMO"

nvmet_default_topology
for s in "$SUB4" "$SUB5" "$SUB6" "$SUB7"; do
    nvmet_subsys "$s" 0 # no namespace: only the controllers count here
    nvmet_link "$s" 2   # on 127.0.0.1:4420 only: the nvmet DC does not list them
done
stas_bus_setup

section "0. the rogue DC speaks NVMe/TCP: the kernel connects, nvme discover lists it"
scn $A "$(gen 2 '"numrec": 4194304')"
scn $B '{"entries": [
  {"subnqn": {"text": "nqn.2024-01.io.example:bad-", "hex": "ff fe b5"}},
  {"subnqn": {"fill": "n"}},
  {"subnqn": "nqn.2024-01.io.example:unterm", "traddr": {"fill": "1"}, "trsvcid": {"fill": "9"}},
  {"subtype": "referral", "traddr": {"text": "127.0.0.", "hex": "c0"}, "trsvcid": "8009"},
  {"subnqn": "'"$SUB1"'", "traddr": "127.0.0.1", "trsvcid": "4420"}],
 "identify": {"mn": {"text": "Rogue ", "hex": "b5ff"}, "sn": {"hex": "ff00fe"}}}'
scn $C '{"entries": [{"subnqn": "'"$SUB1"'", "traddr": "127.0.0.1", "trsvcid": "4420"}],
 "identify": {"dctype": 2}, "dim_status": 2}'
check "rogue DC A listens on $A" rogue_start $A $A "$T/$A.json"
check "rogue DC B listens on $B" rogue_start $B $B "$T/$B.json"
check "rogue DC C listens on $C" rogue_start $C $C "$T/$C.json"
nvme discover -t tcp -a 127.0.0.1 -s $B >"$T/disc-b.txt" 2>&1 || true
check "nvme discover lists rogue B's entries" grep -q "subnqn: *$SUB1" "$T/disc-b.txt"

section "1. a huge numrec (0x400000, two real entries): an error on that DC, not a crash"
staf_conf $A
M=$(rogue_mark $A)
check "stafd starts" stafd_start "$T/stafd.log"
check "stafd reads rogue A's log page" wait_for 30 \
    '[ "$(rogue_count $A $M " get-log-page lid=0x70 .*numrec=4194304")" -gt 0 ]'
sleep 3
check "stafd is alive after reading numrec=0x400000" stafd_alive
check "the DC reports a failed Get Log Page (controller_info, as stafctl status)" \
    wait_for 10 'dc_info $A | grep -Eq "get log page operation[^}]*(fail count[^0-9]*[1-9]|error)"'
check "the other DC (nvmet 8009) still has its log page" wait_for 20 'staf_dlp 8009 | grep -q "|$SUB1\$"'
check "stafctl status answers" timeout 10 "$STAFCTL" status
if stafd_alive; then stafd_stop TERM || true; fi
M=$(rogue_mark $A)
STAFD_PID=
stafd_start "$T/stafd.log" || true
wait_for 30 '[ "$(rogue_count $A $M " get-log-page lid=0x70")" -gt 0 ]' || true
sleep 3
check "a restarted stafd (state file lists the DC) is alive after reading it again" stafd_alive

section "2. a log page of 100 entries (> 4 KiB): RAE=0 on the last chunk, five changes acted on"
retarget $A "$(gen 100)"
M=$(rogue_mark $A)
kick $A
check "stafd caches all 100 entries" cached $A 100 40
check "rogue A got the page in several chunks" test "$(rogue_count $A "$M" " lid=0x70 .*lpo=[1-9]")" -gt 1
MISSED=
for k in 1 2 3 4 5; do
    if [ -n "$MISSED" ]; then
        fail "change $k (genctr+1, AEN) is acted on" "not tried: change $MISSED was missed"
        continue
    fi
    retarget $A "$(gen $((100 + k)))"
    rogue_ctl $A aen
    check "change $k (genctr+1, AEN) is acted on: $((100 + k)) entries cached" \
        cached $A $((100 + k))
    [ "$CHECK_RC" = 0 ] || MISSED=$k
done
check "every Get Log Page sequence ended with an RAE=0 chunk (rogue A's log)" rogue_rae_ok "$(rogue_log $A)" "$M"
check "no discovery-change AEN was masked by a missing RAE=0 read" \
    test "$(rogue_count $A "$M" " aen conn=.* suppressed")" = 0
check "stafd is alive" stafd_alive

section "3. the generation counter moves between chunks"
retarget $A "$(gen 10 '"genctr_churn": 3')"
kick $A
check "a short churn: stafd re-reads and caches the consistent 10 entries" cached $A 10 40
retarget $A "$(gen 12 '"genctr_churn": 100000')"
M=$(rogue_mark $A)
kick $A
wait_for 30 '[ "$(rogue_count $A "$M" " lid=0x70 ")" -gt 10 ]' || true
check "an endless churn: stafd is alive" stafd_alive
check "and answers on D-Bus" staf_answers
check "its cache holds one consistent page (10 or 12 entries), not a mix" one_page $A 10 12
retarget $A "$(gen 12)"
kick $A
check "once the page holds still, stafd caches its 12 entries" cached $A 12 60

section "4. non-UTF-8 and unterminated fields, non-UTF-8 Identify model/serial"
stafd_ensure
retarget $A '{"entries": [{"subnqn": "'"$SUB4"'", "traddr": "127.0.0.1", "trsvcid": "4420"}]}'
kick $A
staf_conf $A $B
stafd_reload
check "stafd connects rogue B" wait_for 30 '[ -n "$(staf_device_of $B)" ] && [ "$(staf_device_of $B)" != "nvme?" ]'
BDEV=$(staf_device_of $B || true)
check "the kernel holds B's non-UTF-8 model as is (the test is real)" \
    bash -c "[ -n '$BDEV' ] && LC_ALL=C grep -q \$'\\xb5' /sys/class/nvme/$BDEV/model"
check "stafd cached rogue B's page" wait_for 30 'staf_dlp $B | grep -q "|$SUB1\$"'
check "stafctl ls works" timeout 10 "$STAFCTL" ls
check "stafctl dlp of rogue B works" timeout 10 "$STAFCTL" dlp -t tcp -a 127.0.0.1 -s $B
staf get_all_log_pages true >"$T/all.txt" 2>&1 || true
check "get_all_log_pages(detailed) is valid, not [Invalid UTF-8]" python3 -c "
import ast, json, sys
reply = ast.literal_eval(open('$T/all.txt').read().strip())[0]
json.loads(reply)"
stac_conf() { printf '%s\n' "$@" >/etc/stas/stacd.conf; }
stac_conf '[Global]' 'kato = 10'
check "stacd starts" stacd_start "$T/stacd.log"
check "stacd connects $SUB1 (listed by the nvmet DC and by rogue B)" wait_for 60 has_ioc "$SUB1"
check "stacd connects $SUB4 (listed by rogue A only)" wait_for 60 has_ioc "$SUB4"
SUB3=nqn.2024-01.io.example:sub3-late
nvmet_subsys "$SUB3" 0
nvmet_link "$SUB3" 1
check "stacd still follows the nvmet DC's changes: $SUB3 gets connected" wait_for 60 has_ioc "$SUB3"
check "stafd is alive" stafd_alive
check "stacd is alive" stacd_alive

section "5. commas and newlines in subnqn, trsvcid, traddr inject no connect option"
retarget $A '{"entries": [
  {"subnqn": "'"$SUB5"'", "traddr": "127.0.0.1", "trsvcid": "4420"},
  {"subnqn": "'"$SUB5"',duplicate_connect", "traddr": "127.0.0.1", "trsvcid": "4420"},
  {"subnqn": "'"$SUB6"'", "traddr": "127.0.0.1", "trsvcid": "4420"},
  {"subnqn": "'"$SUB6"'", "traddr": "127.0.0.1", "trsvcid": "4420,duplicate_connect"},
  {"subnqn": "'"$SUB7"'", "traddr": "127.0.0.1", "trsvcid": "4420"},
  {"subnqn": "'"$SUB7"'", "traddr": "127.0.0.1\nduplicate_connect", "trsvcid": "4420"}]}'
kick $A
for s in "$SUB5" "$SUB6" "$SUB7"; do
    check "stacd connects the well-formed entry of $s" wait_for 60 has_ioc "$s"
done
sleep 5 # time for the crafted entries to be tried, if they are
for s in "$SUB5" "$SUB6" "$SUB7"; do
    check "one kernel controller for $s: no injected duplicate_connect" test "$(ioc_count "$s")" = 1
done
stac list_controllers false >"$T/stac-ls.txt" 2>&1 || true
check "stacd does not manage a controller with ',' or a newline in its identity" \
    not grep -Eq "duplicate_connect" "$T/stac-ls.txt"
check "stafd is alive" stafd_alive
check "stacd is alive" stacd_alive
stacd_stop TERM || true

section "6. slow answers, a dropped connection, an AEN storm"
stafd_ensure
retarget $A '{"entries": [{"subnqn": "'"$SUB4"'", "traddr": "127.0.0.1", "trsvcid": "4420"}],
 "delay": [{"op": 2, "lid": 112, "seconds": 15, "count": 1}]}'
M=$(rogue_mark $A)
kick $A
wait_for 30 '[ "$(rogue_count $A "$M" " lid=0x70 .* delay=15")" -gt 0 ]' || true
check "while a Get Log Page hangs: stafctl ls answers within 5 s" staf_answers
check "the kernel times out and drops the connection (admin timeout 10 s)" \
    wait_for 30 '[ "$(rogue_count $A "$M" " conn close ")" -gt 1 ]'
check "stafd is alive" stafd_alive
check "and fetches the page again later" wait_for 60 \
    '[ "$(rogue_count $A "$M" " lid=0x70 ")" -gt 1 ] && staf_dlp $A | grep -q "|$SUB4\$"'
M=$(rogue_mark $A)
rogue_ctl $A drop
check "right after a dropped connection: stafctl ls answers within 5 s" staf_answers
check "the kernel reconnects and stafd reads the page again" wait_for 40 \
    '[ "$(rogue_count $A "$M" " lid=0x70 ")" -gt 0 ]'
check "stafd is alive after the drop" stafd_alive
M=$(rogue_mark $A)
rogue_ctl $A storm 200
check "during an AEN storm: stafctl ls answers within 5 s" staf_answers
check "all 200 AENs were delivered" wait_for 90 '[ "$(rogue_count $A "$M" " aen conn=.* cid=")" -ge 200 ]'
check "after the storm: stafctl ls answers within 5 s" staf_answers
check "stafd is alive after 200 AENs" stafd_alive
check "its cache is still right" wait_for 30 'staf_dlp $A | grep -q "|$SUB4\$"'

section "7. a DIM error from a CDC: logged, the log page fetched all the same"
stafd_ensure
M=$(rogue_mark $C)
staf_conf $A $C
stafd_reload
check "stafd registers with rogue C (a CDC): a DIM command" wait_for 40 \
    '[ "$(rogue_count $C "$M" " dim task=0 ")" -gt 0 ]'
check "the DIM error is logged" wait_for 10 \
    'grep "DIM register failed" "$STAFD_LOG" | grep -q "$C"'
check "rogue C's log page is fetched" wait_for 30 'staf_dlp $C | grep -q "|$SUB1\$"'
check "stafd is alive at the end" stafd_alive
if [ "$_VM_FAILED" -gt 0 ]; then # what the daemons and the rogue DCs saw
    for f in "$T"/rogue-*.log "$T"/rogue-*.err "$T/stafd.log" "$T/stacd.log"; do
        [ -s "$f" ] || continue
        echo "--- tail of ${f##*/}:"
        tail -n 25 "$f" | cut -c1-200
    done
fi
summary
