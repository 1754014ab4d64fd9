#!/bin/bash
# stafd-valgrind.sh - stafd under valgrind through a real connection, log
# page, AEN and SIGTERM: no invalid access, no definite leak.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
VG_LOG=$T/valgrind.log
SUPP=()
[ -r /usr/share/glib-2.0/valgrind/glib.supp ] && SUPP=(--suppressions=/usr/share/glib-2.0/valgrind/glib.supp)

nvmet_default_topology
stas_bus_setup
printf '%s\n' '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf

STAFD_LOG=$T/stafd.log
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 "${SUPP[@]}" \
    --log-file="$VG_LOG" "$STAFD" --tron >"$STAFD_LOG" 2>&1 &
STAFD_PID=$!
on_exit "kill -9 $STAFD_PID"
check "stafd under valgrind owns its bus name" wait_for 120 bus_has_owner org.nvmexpress.staf
check "it connects the DC" wait_for 120 dc_dev 8009
check "and caches its log page" wait_for 60 '[ -n "$(staf_dlp 8009)" ]'
nvmet_unlink "$SUB2" 1
check "an AEN refresh goes through" wait_for 60 'staf_dlp 8009 | not grep -q "|$SUB2\$"'
staf list_controllers true >/dev/null
staf get_all_log_pages true >/dev/null
staf_debug process_info >/dev/null
st=0
stafd_stop TERM || st=$?
check "stafd exits cleanly under valgrind (status $st)" test "$st" = 0
check "valgrind: no errors" grep -q 'ERROR SUMMARY: 0 errors' "$VG_LOG"
check "valgrind: nothing definitely lost" \
    bash -c "grep -q 'definitely lost: 0 bytes' '$VG_LOG' || grep -q 'no leaks are possible' '$VG_LOG'"
grep -E 'definitely lost|ERROR SUMMARY|Invalid' "$VG_LOG" | sed 's/^/  valgrind: /' || true
summary
