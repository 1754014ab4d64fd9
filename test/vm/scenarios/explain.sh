#!/bin/bash
# explain.sh - what stas tells an admin about its decisions, against the
# kernel's NVMe/TCP host and nvmet: explain names the exclude= line that
# keeps a subsystem away and the kernel's error for one whose target refuses
# this host; --check-config --plan lists the disconnect an edited stacd.conf
# would cause and changes nothing; the metrics parse with the Prometheus
# text-format parser and move as connects, AENs and failures happen.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
SUB3=nqn.2024-01.io.example:sub3-refused
OTHER_HOST=nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-00000000beef

# dbg DAEMON METHOD [ARG...]: a debug member's string answer, unquoted
dbg() {
    local d=$1 m=$2
    shift 2
    gdbus call --system --dest "org.nvmexpress.$d" --object-path "/org/nvmexpress/$d" \
        --method "org.nvmexpress.$d.debug.$m" "$@" |
        /usr/bin/python3 -c 'import ast, sys; print(ast.literal_eval(sys.stdin.read())[0])'
}

# jq-less JSON checks: py FILE EXPR (o = the document) must be true
py() {
    /usr/bin/python3 -c "import json, sys; o = json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

# metric FILE NAME LABEL=VALUE...: the value of the one sample that matches
metric() {
    /usr/bin/python3 - "$@" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
path, name, *labels = sys.argv[1:]
want = dict(l.split("=", 1) for l in labels)
found = [s.value for f in text_string_to_metric_families(open(path).read()) for s in f.samples
         if s.name == name and all(s.labels.get(k) == v for k, v in want.items())]
if len(found) != 1:
    sys.exit("%d samples of %s %s" % (len(found), name, want))
print(int(found[0]))
EOF
}

nvmet_default_topology
nvmet_subsys "$SUB3" 16
nvmet_allow_host "$SUB3" "$OTHER_HOST"
nvmet_link "$SUB3" 2
stas_bus_setup
printf '%s\n' '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf
printf '%s\n' '[Controllers]' "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=$SUB3" \
    "exclude = nqn=$SUB2" >/etc/stas/stacd.conf

section "1. explain: exclusion line, kernel error, unknown NQN"
check "stafd starts" stafd_start "$T/stafd.log"
check "stacd starts" stacd_start "$T/stacd.log"
check "$SUB1 gets an I/O controller" wait_for 60 has_ioc "$SUB1"
DEV1=$(ioc_devs "$SUB1" | head -1)
check "$SUB2 (excluded) is not connected" not has_ioc "$SUB2"
check "stacd tried $SUB3 and failed" \
    wait_for 60 'dbg stac explain "$SUB3" >"$T/e.json" && py "$T/e.json" "o[\"candidates\"][0][\"counters\"][\"connect failures\"] >= 1"'
"$STACCTL" explain -o json "$SUB2" >"$T/explain-sub2.json"
check "explain $SUB2: one candidate, excluded" \
    py "$T/explain-sub2.json" 'len(o["candidates"]) == 1 and o["candidates"][0]["verdict"]["code"] == "excluded"'
check "explain $SUB2 names the exclude= line (stacd.conf:3)" \
    py "$T/explain-sub2.json" '"/etc/stas/stacd.conf:3" in o["candidates"][0]["verdict"]["text"]'
check "explain $SUB2 says which DC's log page lists it" \
    py "$T/explain-sub2.json" '"log page of DC (tcp, 127.0.0.1, 8009" in o["candidates"][0]["origin"]'
dbg stac explain "$SUB3" >"$T/explain-sub3.json"
check "explain $SUB3 comes from controller= at stacd.conf:2" \
    py "$T/explain-sub3.json" '"controller= at /etc/stas/stacd.conf:2" in o["candidates"][0]["origin"]'
check "explain $SUB3 gives the kernel's error" \
    py "$T/explain-sub3.json" 'o["candidates"][0]["last error"] and o["candidates"][0]["counters"]["connect failures"] >= 1'
check "explain $SUB3 says it is not connected and when it tries again" \
    py "$T/explain-sub3.json" 'o["candidates"][0]["state"] in ("waiting to retry", "connecting") and o["candidates"][0]["device"] is None'
log "$(/usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["candidates"][0]; print(c["state"], "|", c["last error"])' "$T/explain-sub3.json")"
dbg stac explain "$DEV1" >"$T/explain-dev1.json"
check "explain $DEV1 (a device name) finds $SUB1, connected" \
    py "$T/explain-dev1.json" 'o["candidates"][0]["tid"]["subsysnqn"] == "'"$SUB1"'" and o["candidates"][0]["state"] == "connected"'
"$STACCTL" explain -o json nqn.2024-01.io.example:nobody >"$T/explain-none.json"
"$STACCTL" explain "$SUB2" "$SUB3" >"$T/explain-two.txt"
check "stacctl explain with two targets prints both (normal format)" \
    test "$(grep -c "'target'" "$T/explain-two.txt")" = 2
check "explain of an NQN nothing lists says so" \
    py "$T/explain-none.json" 'o["candidates"] == [] and "Nothing lists it" in o["note"]'
"$STAFCTL" explain -o json >"$T/explain-dc.json"
check "stafd's explain: the DC comes from stafd.conf:2" \
    py "$T/explain-dc.json" 'any("controller= at /etc/stas/stafd.conf:2" in (c["origin"] or "") for c in o["candidates"])'

section "2. --check-config --plan: an edited stacd.conf"
check "the udev monitor listens" udev_monitor_start "$T/udev.log"
ctrl_rows >"$T/before.txt"
SEQ=$(uevent_seqnum)
cp /etc/stas/stacd.conf "$T/edited.conf"
echo "exclude = nqn=$SUB1" >>"$T/edited.conf"
st=0
"$STACD" --check-config --plan -f "$T/edited.conf" >"$T/plan.json" 2>"$T/plan.txt" || st=$?
log "$(cat "$T/plan.txt")"
check "the plan's exit status says it would disconnect (3)" test "$st" = 3
check "the plan lists $SUB1 ($DEV1) under disconnect" \
    py "$T/plan.json" 'any(d["device"] == "'"$DEV1"'" for d in o["disconnect"])'
check "the plan's reason names the added line (edited.conf:4)" \
    py "$T/plan.json" '"edited.conf:4" in o["disconnect"][0]["verdict"]["text"]'
check "the summary on stderr names it" grep -q "^disconnect: .*$SUB1.*| $DEV1" "$T/plan.txt"
st=0
"$STACD" --check-config --plan >"$T/plan-same.json" 2>"$T/plan-same.txt" || st=$?
check "the unchanged file plans no disconnect (0)" test "$st" = 0
check "... and keeps $SUB1" py "$T/plan-same.json" 'any(d["device"] == "'"$DEV1"'" for d in o["keep"])'
sleep 3
check "after planning, $SUB1 still has $DEV1" test "$(ioc_devs "$SUB1")" = "$DEV1"
check "no udev remove of a controller since the plan" not_removed_since "$T/udev.log" "$T/before.txt" "$SEQ"
check "stacd still excludes $SUB2 only (the live configuration is unchanged)" \
    py <(dbg stac explain "$SUB1") 'o["candidates"][0]["verdict"]["code"] == "wanted"'
st=0
"$STAFD" --plan >/dev/null 2>&1 || st=$?
check "--plan without --check-config is a usage error (2)" test "$st" = 2

section "3. metrics: Prometheus text format, counters that move"
"$STACCTL" metrics >"$T/m1.txt"
"$STAFCTL" metrics >"$T/s1.txt"
check "stacd's metrics parse" metric "$T/m1.txt" stas_reconciliations_total daemon=stacd
check "stafd's metrics parse" metric "$T/s1.txt" stas_reconciliations_total daemon=stafd
check "$SUB1: one connect counted" test "$(metric "$T/m1.txt" stas_controller_connects_total subsysnqn="$SUB1")" -ge 1
check "$SUB1 is connected (gauge)" test "$(metric "$T/m1.txt" stas_controller_connected subsysnqn="$SUB1")" = 1
F1=$(metric "$T/m1.txt" stas_controller_connect_failures_total subsysnqn="$SUB3")
A1=$(metric "$T/s1.txt" stas_controller_aens_total trsvcid=8009)
Z1=$(metric "$T/m1.txt" stas_controllers_removed_total cause=zoning connection=disconnected)
check "$SUB3's failures are counted" test "$F1" -ge 1
nvmet_unlink "$SUB1" 1
check "zoning: $SUB1 leaves the log page and is disconnected" wait_for 60 'not has_ioc "$SUB1"'
dbg staf metrics >"$T/s2.txt"
dbg stac metrics >"$T/m2.txt"
check "stafd counted the AEN ($A1 -> more)" test "$(metric "$T/s2.txt" stas_controller_aens_total trsvcid=8009)" -gt "$A1"
check "stacd counted a zoning removal ($Z1 -> more)" \
    test "$(metric "$T/m2.txt" stas_controllers_removed_total cause=zoning connection=disconnected)" -gt "$Z1"
check "log page fetches are counted" test "$(metric "$T/s2.txt" stas_controller_log_page_fetches_total trsvcid=8009)" -ge 2
nvmet_link "$SUB1" 1
check "$SUB1 comes back" wait_for 60 has_ioc "$SUB1"
dbg stac metrics >"$T/m3.txt"
check "its new controller counts its connect" test "$(metric "$T/m3.txt" stas_controller_connects_total subsysnqn="$SUB1")" = 1
check "$SUB3's failures keep being counted (next attempt within 60 s)" \
    wait_for 75 'dbg stac metrics >"$T/m4.txt" && test "$(metric "$T/m4.txt" stas_controller_connect_failures_total subsysnqn="$SUB3")" -gt "$F1"'
section "4. the metrics file: off by default, atomic, follows the counters"
PROM=/run/stas/textfile/stacd.prom
mkdir -p "${PROM%/*}"
check "no metrics file by default" not test -e "$PROM"
sed -i "1i [Global]\nmetrics-file = $PROM" /etc/stas/stacd.conf
stacd_reload
check "after a reload with metrics-file, stacd writes it" wait_for 15 test -s "$PROM"
check "it parses, and counts $SUB3's failures" test "$(metric "$PROM" stas_controller_connect_failures_total subsysnqn="$SUB3")" -ge 1
check "no temporary file is left next to it" test "$(find "${PROM%/*}" -type f | wc -l)" = 1
F2=$(metric "$PROM" stas_controller_connect_failures_total subsysnqn="$SUB3")
check "it follows the next failure of $SUB3 (within 60 s + 5 s)" \
    wait_for 80 'test "$(metric "$PROM" stas_controller_connect_failures_total subsysnqn="$SUB3")" -gt "$F2"'
check "the file is world-readable (0644), as the collector needs" test "$(stat -c %a "$PROM")" = 644

"$STACCTL" status >"$T/status.txt" 2>&1 || true
check "stacctl status shows the daemon's counters" grep -q "'reconciliations'" "$T/status.txt"
check "no secret in the metrics" not grep -qi 'dhchap\|DHHC-1' "$T/m4.txt"

stacd_stop
stafd_stop
summary
