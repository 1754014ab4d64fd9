#!/bin/bash
# swap.sh - the drop-in replacement, as an admin does it on Debian 13 with
# storage connected: Debian's nvme-stas 2.4.1-2 installed, configured with a
# DC and running (systemd as PID 1), then "dpkg -i" of our .deb. nvme-stas
# goes, our daemons take over the same /etc/stas files and the kernel's
# connections without a udev "remove" of a wanted controller, and our
# stafctl/stacctl as well as nvme-stas's own Python stafctl and stacctl (a
# D-Bus client written for nvme-stas) work. Then an upgrade to a newer
# build of ours keeps all that, and "apt-get remove" stops the daemons and
# leaves the connections and the edited configuration.
# stas-vm-world: trixie
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
SWAP_DEBS=/var/cache/stas-swap
MARKER='# edited by the admin: kept across the swap'
PY=$T/nvme-stas-clients # nvme-stas's stafctl, stacctl and staslib, kept

status_of() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }
exe_of() { readlink "/proc/$(unit_pid "$1")/exe"; } # the unit's main program
ours() { [ "$(exe_of stafd)" = /usr/sbin/stafd ] && [ "$(exe_of stacd)" = /usr/sbin/stacd ]; }
py_ctl() { PYTHONPATH=$PY python3 "$PY/$1" "${@:2}"; } # py_ctl stafctl|stacctl ARG...
lists_both() { "$@" 2>&1 | grep -q "$SUB1" && "$@" 2>&1 | grep -q "$SUB2"; }

section "0. the target; Debian's nvme-stas, installed and running"
nvmet_default_topology
rm -f /var/lib/man-db/auto-update # (see deb_install)
check "nvme-stas's packages are in $SWAP_DEBS" compgen -G "$SWAP_DEBS/nvme-stas_*.deb"
check "dpkg -i installs nvme-stas and the Python packages it needs" deb_install "$SWAP_DEBS"/*.deb
check "nvme-stas 2.4.1-2 is installed" \
    test "$(dpkg-query -W -f='${Version}' nvme-stas)" = 2.4.1-2
check "its package enabled and started both daemons" wait_for 120 both_owned
check "they are nvme-stas's Python daemons" grep -q python "/proc/$(unit_pid stafd)/cmdline"
printf '%s\n' "$MARKER" '[Global]' 'tron = true' '[Controllers]' \
    'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >>/etc/stas/stafd.conf
check "systemctl restart stafd stacd (nvme-stas, with a DC configured)" systemctl restart stafd stacd
check "nvme-stas's stafd connects the DC" wait_for 120 dc_dev 8009
check "nvme-stas's stacd connects $SUB1" wait_for 180 has_ioc "$SUB1"
check "nvme-stas's stacd connects $SUB2" wait_for 180 has_ioc "$SUB2"
mkdir -p "$PY"
cp /usr/bin/stafctl /usr/bin/stacctl "$PY"/
cp -a "$(dpkg -L nvme-stas | grep -m1 '/staslib$')" "$PY"/
check "nvme-stas's own stacctl lists both subsystems" wait_for 60 lists_both py_ctl stacctl ls

section "1. dpkg -i of our .deb over the running nvme-stas"
watch_connections "$T/before"
J=$(journal_mark)
check "dpkg -i $STAS_VM_DEB (keeping the admin's files)" \
    deb_install --force-confdef --force-confold "$STAS_VM_DEB"
check "stas is installed" test "$(status_of stas)" = ii
log "nvme-stas's package status now: '$(status_of nvme-stas)'"
check "nvme-stas is removed" not test "$(status_of nvme-stas)" = ii
check "apt's view of the system is consistent (apt-get check)" apt-get check -q
check "our daemons run, owning the bus names" wait_for 60 'both_owned && ours'
check "the admin's stafd.conf is untouched" grep -qxF "$MARKER" /etc/stas/stafd.conf
check "our stafd adopts the DC" wait_for 60 'staf_dlp 8009 | grep -q "$SUB1"'
check "stafctl ls (ours) shows the DC" wait_for 30 'stafctl ls | grep -q 8009'
check "stacctl ls (ours) shows both subsystems" wait_for 60 lists_both stacctl ls
check "nvme-stas's Python stafctl works against our stafd" wait_for 30 'py_ctl stafctl ls | grep -q 8009'
check "nvme-stas's Python stacctl works against our stacd" lists_both py_ctl stacctl ls
check "nvme-stas's Python stafctl status works" wait_for 30 'py_ctl stafctl status | grep -q "$WKNQN"'
sleep 5 # our daemons' first reconciliation and audits
check "every kernel connection is still there" rows_kept "$T/before"
check "no udev remove of a wanted controller" not_removed_since "$T/udev.log" "$T/before" "$SEQ"
journal_since "$J" | grep -E ' (stafd|stacd)\[' >"$T/journal-swap.txt" || true
# (the world's firmware names an NBFT subsystem at 127.0.0.1:4440 and its DC
# at 4441, which only nbft.sh creates)
check "no controller but the NBFT's failed to connect after the swap" \
    not grep -i 'failed to connect' <(grep -v -e nbft-boot -e ', 4441,' "$T/journal-swap.txt")

check_exposure

section "2. an upgrade to a newer build of ours"
up=$T/upgrade
dpkg-deb -R "$STAS_VM_DEB" "$up"
v=$(sed -n 's/^Version: //p' "$up/DEBIAN/control")
sed -i "s/^Version: .*/Version: $v+1/" "$up/DEBIAN/control"
check "a newer package ($v+1) builds" dpkg-deb -b "$up" "$T/stas-up.deb"
# shellcheck disable=SC2034 # (read in a wait_for string)
pids="$(unit_pid stafd) $(unit_pid stacd)"
SEQ=$(uevent_seqnum)
check "dpkg -i of the newer package" deb_install --force-confdef --force-confold "$T/stas-up.deb"
check "stas $v+1 is installed" test "$(dpkg-query -W -f='${Version}' stas)" = "$v+1"
check "the running daemons were restarted on it" \
    wait_for 60 'both_owned && ours && test "$(unit_pid stafd) $(unit_pid stacd)" != "$pids"'
check "stacctl ls still shows both subsystems" wait_for 60 lists_both stacctl ls
check "and nvme-stas's Python stacctl too" lists_both py_ctl stacctl ls
sleep 5
check "every kernel connection is still there" rows_kept "$T/before"
check "no udev remove of a wanted controller" not_removed_since "$T/udev.log" "$T/before" "$SEQ"
check "the admin's stafd.conf is untouched" grep -qxF "$MARKER" /etc/stas/stafd.conf

section "3. apt-get remove"
SEQ=$(uevent_seqnum)
check "apt-get remove stas" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q stas
check "the daemons are stopped" wait_for 30 'not bus_has_owner org.nvmexpress.staf && not bus_has_owner org.nvmexpress.stac'
check "the rule mask is gone" not test -e /run/udev/rules.d/70-nvmf-autoconnect.rules
check "the kernel connections stay" rows_kept "$T/before"
check "no udev remove of a wanted controller" not_removed_since "$T/udev.log" "$T/before" "$SEQ"
check "the edited stafd.conf stays" grep -qxF "$MARKER" /etc/stas/stafd.conf
summary
