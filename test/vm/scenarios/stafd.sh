#!/bin/bash
# stafd.sh - stafd against the kernel's NVMe/TCP host and nvmet: a configured
# discovery controller, its log page over D-Bus and stafctl, discovery-change
# AENs, losing and regaining the target, reloads, restarts that adopt the
# kernel connection, exclusions, and what unprivileged callers may see.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
CONF=/etc/stas/stafd.conf
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

conf() { # conf LINE...: write stafd.conf
    printf '%s\n' "$@" >"$CONF"
}

nvmet_default_topology
nvmet_referral 1 ref 127.0.0.1 4420
stas_bus_setup

section "1. a configured DC connects; its log page over D-Bus and stafctl"
conf '[Global]' 'ctrl-loss-tmo = 4' 'reconnect-delay = 1' '[Controllers]' \
    'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009'
check "stafd starts and owns org.nvmexpress.staf" stafd_start "$T/stafd.log"
gdbus introspect --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf --xml >"$T/introspect.xml"
check "introspection over the bus has nvme-stas's members and signatures" python3 \
    "$STAS_SRC/test/tools/compare-introspection.py" "$STAS_SRC/test/data/nvme-stas-staf.introspect.xml" "$T/introspect.xml"
check "the kernel has a DC connection to 127.0.0.1:8009" wait_for 30 dc_dev 8009
DEV=$(dc_dev 8009 || true)
check "stafd reports the kernel device of the DC" wait_for 20 '[ "$(staf_device_of 8009)" = "$DEV" ]'
check "the cached log page is filled" wait_for 20 '[ -n "$(staf_dlp 8009)" ]'
nvme discover -t tcp -a 127.0.0.1 -s 8009 >"$T/disc.txt" 2>&1
# nvme-cli spells subtypes out; stafd uses libnvme's short names
disc_records "$T/disc.txt" | sed -e 's/^current discovery subsystem|/discovery|/' \
    -e 's/^discovery subsystem referral|/referral|/' -e 's/^nvme subsystem|/nvme|/' | sort >"$T/expected"
staf_dlp 8009 >"$T/cached"
check "the log page equals what the target publishes (nvme discover)" diff "$T/expected" "$T/cached"
check "it lists $SUB1, $SUB2 and the referral" \
    bash -c "grep -q '|$SUB1\$' '$T/cached' && grep -q '|$SUB2\$' '$T/cached' && grep -q '^referral|127.0.0.1|4420|' '$T/cached'"
check "the referral became a DC of origin referral" wait_for 30 dc_dev 4420
if [ -x "$STAFCTL" ]; then
    "$STAFCTL" ls >"$T/ls.txt" 2>&1 || true
    check "stafctl ls shows the DC's device" grep -q "'device': '$DEV'" "$T/ls.txt"
    "$STAFCTL" dlp -t tcp -a 127.0.0.1 -s 8009 >"$T/dlp.txt" 2>&1 || true
    check "stafctl dlp lists $SUB1" grep -q "'subnqn': '$SUB1'" "$T/dlp.txt"
    "$STAFCTL" ls -o json >"$T/ls.json" 2>&1 || true
    check "stafctl ls -o json is JSON with the device" \
        python3 -c "import json,sys; d=json.load(open('$T/ls.json')); sys.exit(0 if any(c['device']=='$DEV' for c in d) else 1)"
fi

section "2. a discovery-change AEN refreshes the cache and signals log_pages_changed"
gdbus monitor --system --dest org.nvmexpress.staf >"$T/monitor.txt" 2>&1 &
MON=$!
on_exit "kill $MON"
sleep 1
nvmet_unlink "$SUB2" 1
check "the cache loses $SUB2" wait_for 30 'staf_dlp 8009 | not grep -q "|$SUB2\$"'
staf_dlp 8009 >"$T/after-aen"
check "$SUB1 is still cached" grep -q "|$SUB1\$" "$T/after-aen"
check "log_pages_changed was emitted for the DC" wait_for 10 \
    "grep -q 'org.nvmexpress.staf.log_pages_changed (.tcp., .127.0.0.1., .8009.' '$T/monitor.txt'"
check "stafd logged the AEN" grep -q "Received AEN: 0x70f002" "$T/stafd.log"

section "3. the target goes away and comes back"
nvmet_rm_port 1
check "the kernel gives the DC up (ctrl-loss-tmo 4 s)" wait_for 40 'not dc_dev 8009'
staf_dlp 8009 >"$T/while-down"
check "the cache still lists $SUB1 while the DC is down" grep -q "|$SUB1\$" "$T/while-down"
check "stafd reports the DC as not connected" wait_for 10 '[ "$(staf_device_of 8009)" = "nvme?" ]'
nvmet_port 1 127.0.0.1 8009
nvmet_link "$SUB1" 1
nvmet_link "$SUB2" 1
check "stafd reconnects on its own retry timer" wait_for 90 dc_dev 8009
check "and refreshes the log page ($SUB2 is back)" wait_for 30 'staf_dlp 8009 | grep -q "|$SUB2\$"'

section "4. SIGHUP applies configuration changes, and only those"
DEV=$(dc_dev 8009)
conf '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' \
    'controller = transport=tcp;traddr=127.0.0.2;trsvcid=4421'
nvmet_port 3 127.0.0.2 4421
nvmet_link "$SUB1" 3
stafd_reload
check "an added controller= line connects" wait_for 30 'dc_dev 4421 127.0.0.2'
check "the unchanged DC keeps its kernel device ($DEV)" test "$(dc_dev 8009)" = "$DEV"
conf '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009'
stafd_reload
check "a removed controller= line disconnects its DC" wait_for 30 'not dc_dev 4421 127.0.0.2'
check "the remaining DC still has $DEV" test "$(dc_dev 8009)" = "$DEV"
check "dc_removed was signalled" grep -q 'org.nvmexpress.staf.dc_removed' "$T/monitor.txt"

section "5. restarts: persistent connections are adopted, non-persistent ones dropped"
st=0
stafd_stop TERM || st=$?
check "stafd exits with status 0" test "$st" = 0
check "the DC connection stays in the kernel (persistent-connections = true)" test "$(dc_dev 8009)" = "$DEV"
check "the last-known state was written" test -s "$STAS_RUNTIME_DIR/stafd-last-known-config.json"
: >"$T/stafd2.log"
check "a new stafd starts" stafd_start "$T/stafd2.log"
check "it serves the cached log page at once (state file)" wait_for 5 'staf_dlp 8009 | grep -q "|$SUB1\$"'
check "it adopts the existing connection ($DEV)" wait_for 30 'grep -q "$DEV - Found existing connection" "$T/stafd2.log"'
check "and reports $DEV, no new controller" wait_for 20 '[ "$(staf_device_of 8009)" = "$DEV" ]'
check "no second connection to 127.0.0.1:8009" test "$(for c in /sys/class/nvme/nvme*; do grep -l 'trsvcid=8009' "$c/address"; done 2>/dev/null | wc -l)" = 1
conf '[Discovery controller connection management]' 'persistent-connections = false' \
    '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009'
stafd_reload
sleep 2
stafd_stop TERM || true
check "with persistent-connections = false, stopping disconnects the DC" wait_for 20 'not dc_dev 8009'

section "6. exclude= keeps a configured DC away"
conf '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' \
    'exclude = transport=tcp;traddr=127.0.0.1;trsvcid=8009'
: >"$T/stafd3.log"
check "stafd starts" stafd_start "$T/stafd3.log"
sleep 5
check "no DC connection to the excluded controller" not dc_dev 8009
no_dcs() { staf list_controllers false | grep -qF '(@aa{ss} [],)'; }
check "stafd manages no controller" no_dcs
conf '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009'
stafd_reload
check "removing the exclusion connects it" wait_for 30 dc_dev 8009
conf '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' 'exclude = trsvcid=8009'
stafd_reload
check "adding a partial exclusion disconnects it again" wait_for 30 'not dc_dev 8009'

section "7. unprivileged callers read but cannot set, and see no secret"
printf '[Host]\nkey = DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=:\n' >/etc/stas/sys.conf
conf '[Global]' 'tron = true' '[Controllers]' \
    'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009;dhchap-secret=DHHC-1:00:Y3RybHNlY3JldGN0cmxzZWNyZXRjdHJsc2VjcmV0MTI=:'
stafd_reload
sleep 3
check "nobody can read tron" "${NOBODY[@]}" gdbus call --system --dest org.nvmexpress.staf \
    --object-path /org/nvmexpress/staf --method org.freedesktop.DBus.Properties.Get org.nvmexpress.staf.debug tron
check "nobody cannot set tron" not "${NOBODY[@]}" gdbus call --system --dest org.nvmexpress.staf \
    --object-path /org/nvmexpress/staf --method org.freedesktop.DBus.Properties.Set org.nvmexpress.staf.debug tron '<false>'
check "root can set tron" gdbus call --system --dest org.nvmexpress.staf \
    --object-path /org/nvmexpress/staf --method org.freedesktop.DBus.Properties.Set org.nvmexpress.staf.debug tron '<false>'
"${NOBODY[@]}" gdbus call --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf \
    --method org.nvmexpress.staf.debug.process_info >"$T/pi-nobody" 2>&1 || true
staf_debug process_info >"$T/pi-root" 2>&1 || true
check "process_info hides the host key from nobody" not grep -q 'c2VjcmV0' "$T/pi-nobody"
check "process_info shows the host key to root" grep -q 'c2VjcmV0' "$T/pi-root"
"${NOBODY[@]}" gdbus call --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf \
    --method org.nvmexpress.staf.list_controllers true >"$T/lc-nobody" 2>&1 || true
staf list_controllers true >"$T/lc-root" 2>&1 || true
check "list_controllers answers nobody" grep -q "'traddr': '127.0.0.1'" "$T/lc-nobody"
check "list_controllers hides dhchap-secret from nobody" not grep -q 'Y3RybHNlY3JldGN0cmxz' "$T/lc-nobody"
check "list_controllers shows dhchap-secret to root" grep -q 'Y3RybHNlY3JldGN0cmxz' "$T/lc-root"
check "no secret in stafd's log" not grep -qE 'c2VjcmV0c2VjcmV0|Y3RybHNlY3JldGN0cmxz' "$T/stafd.log" "$T/stafd2.log" "$T/stafd3.log"
check "bad arguments get an error, stafd survives" bash -c \
    "! gdbus call --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf --method org.nvmexpress.staf.get_log_pages 1 2 >/dev/null 2>&1 && gdbus call --system --dest org.nvmexpress.staf --object-path /org/nvmexpress/staf --method org.nvmexpress.staf.list_controllers false >/dev/null"
stafd_stop TERM || true

summary
