#!/bin/bash
# valgrind.sh - stafd and stacd under valgrind through real connections
# (a configured DC and one found over mDNS, their log pages, the I/O
# controllers they list), garbage advertisements, an avahi-daemon restart,
# an AEN refresh and SIGTERM: no invalid access, nothing definitely lost.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99)
[ -r /usr/share/glib-2.0/valgrind/glib.supp ] && VG+=(--suppressions=/usr/share/glib-2.0/valgrind/glib.supp)

nvmet_default_topology
stas_bus_setup
ZADDR=${STAS_VM_AVAHI_ADDR%/*}
start_avahi
nvmet_port 3 "$ZADDR" 8009
nvmet_link "$SUB1" 3
printf '%s\n' '[Global]' 'ctrl-loss-tmo = 3' 'reconnect-delay = 1' \
    '[Discovery controller connection management]' 'zeroconf-connections-persistence = 2' \
    '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf
printf '%s\n' '[Global]' 'kato = 10' >/etc/stas/stacd.conf

"${VG[@]}" --log-file="$T/vg-stafd.log" "$STAFD" --tron >"$T/stafd.log" 2>&1 &
STAFD_PID=$!
on_exit "kill -9 $STAFD_PID"
"${VG[@]}" --log-file="$T/vg-stacd.log" "$STACD" --tron >"$T/stacd.log" 2>&1 &
STACD_PID=$!
on_exit "kill -9 $STACD_PID"
check "stafd under valgrind owns its bus name" wait_for 240 bus_has_owner org.nvmexpress.staf
check "stacd under valgrind owns its bus name" wait_for 240 bus_has_owner org.nvmexpress.stac
check "the DC connects" wait_for 240 dc_dev 8009
check "its log page is cached" wait_for 60 '[ -n "$(staf_dlp 8009)" ]'
avahi-publish -s vg-dc _nvme-disc._tcp 8009 p=tcp >/dev/null 2>&1 &
VG_DC_PUB=$!
on_exit "kill $VG_DC_PUB"
avahi-publish -s vg-junk _nvme-disc._tcp 8009 p=foo $'\x01=\x02' >/dev/null 2>&1 &
on_exit "kill $!"
check "the advertised DC connects too" wait_for 240 dc_dev 8009 "$ZADDR"
check "stacd connects $SUB1" wait_for 240 has_ioc "$SUB1"
check "stacd connects $SUB2" wait_for 240 has_ioc "$SUB2"
nvmet_unlink "$SUB2" 1
check "an AEN refresh reaches stacd, which disconnects $SUB2" wait_for 240 'not has_ioc "$SUB2"'
stop_avahi
sleep 2
start_avahi
check "stafd is still up after an avahi-daemon restart" bus_has_owner org.nvmexpress.staf
# Aging: the advertisement goes, then the target: the DC is removed.
kill "$VG_DC_PUB" 2>/dev/null || true
nvmet_rm_port 3
zdc_listed() { staf list_controllers false | grep -q "'traddr': '$ZADDR'"; }
check "the withdrawn, unreachable DC is aged out" wait_for 240 'not zdc_listed'
staf list_controllers true >/dev/null
staf get_all_log_pages true >/dev/null
staf_debug process_info >/dev/null
stac list_controllers true >/dev/null
for d in stacd stafd; do
    st=0
    "${d}_stop" TERM || st=$?
    check "$d exits cleanly under valgrind (status $st)" test "$st" = 0
    check "$d: valgrind reports no error" grep -q 'ERROR SUMMARY: 0 errors' "$T/vg-$d.log"
    check "$d: nothing definitely lost" \
        bash -c "grep -q 'definitely lost: 0 bytes' '$T/vg-$d.log' || grep -q 'no leaks are possible' '$T/vg-$d.log'"
    grep -E -A14 'definitely lost in|definitely lost:|ERROR SUMMARY' "$T/vg-$d.log" | sed "s/^/  $d valgrind: /" || true
done
summary
