#!/bin/bash
# units.sh - the daemons started exactly as their systemd units start them
# (ExecStart= of the built units, with the build's binaries): --syslog
# sends their messages to the syslog socket (no journal in the VM), and
# they do their job: a configured DC, its I/O controllers.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
SYSLOG=$T/syslog

# exec_start UNIT: the ExecStart= arguments of the built unit, one per line
exec_start() {
    local line
    line=$(grep '^ExecStart=' "$STAS_BUILD_DIR/etc/systemd/$1") || return 1
    read -ra words <<<"${line#ExecStart=}"
    printf '%s\n' "${words[@]:1}"
}

nvmet_default_topology
stas_bus_setup
check "the built units exist" test -r "$STAS_BUILD_DIR/etc/systemd/stafd.service" -a -r "$STAS_BUILD_DIR/etc/systemd/stacd.service"
mapfile -t STAFD_ARGS < <(exec_start stafd.service)
mapfile -t STACD_ARGS < <(exec_start stacd.service)
check "stafd.service runs stafd --syslog" test "${STAFD_ARGS[*]}" = "--syslog"
check "stacd.service runs stacd --syslog" test "${STACD_ARGS[*]}" = "--syslog"

# No journal in the VM: the daemons fall back to the syslog socket.
rm -f /dev/log
busybox syslogd -n -O "$SYSLOG" &
on_exit "kill $!"
check "a syslog daemon listens on /dev/log" wait_for 10 test -S /dev/log

printf '%s\n' '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf
printf '%s\n' '[Global]' 'kato = 10' >/etc/stas/stacd.conf
"$STAFD" "${STAFD_ARGS[@]}" >"$T/stafd.out" 2>&1 &
STAFD_PID=$!
on_exit "kill -9 $STAFD_PID"
"$STACD" "${STACD_ARGS[@]}" >"$T/stacd.out" 2>&1 &
STACD_PID=$!
on_exit "kill -9 $STACD_PID"
check "stafd owns its bus name" wait_for 30 bus_has_owner org.nvmexpress.staf
check "stacd owns its bus name" wait_for 30 bus_has_owner org.nvmexpress.stac
check "the DC connects" wait_for 60 dc_dev 8009
check "stacd connects $SUB1" wait_for 90 has_ioc "$SUB1"
check "stacd connects $SUB2" wait_for 90 has_ioc "$SUB2"
check "stafd's messages reach syslog, tagged stafd" wait_for 10 'grep -q "stafd\[[0-9]*\]: .*Connection established" "$SYSLOG"'
check "stacd's messages reach syslog, tagged stacd" wait_for 10 'grep -q "stacd\[[0-9]*\]: .*Connection established" "$SYSLOG"'
check "nothing of theirs goes to stdout with --syslog" bash -c "! grep -q 'Connection established' '$T/stafd.out' '$T/stacd.out'"
kill -HUP "$STAFD_PID"
check "SIGHUP reloads" wait_for 10 'grep -q "stafd\[[0-9]*\]: .*Reloading configuration" "$SYSLOG"'
st=0
stacd_stop TERM || st=$?
check "stacd stops with status 0" test "$st" = 0
st=0
stafd_stop TERM || st=$?
check "stafd stops with status 0" test "$st" = 0
summary
