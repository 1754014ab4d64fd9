#!/bin/bash
# stas-vm-world: trixie
# unique-dc.sh - a discovery controller with a unique NQN (TP8013). The
# kernel applies its 30 s default keep-alive only to the well-known
# discovery NQN, so a persistent connection to any other DC would have no
# keep-alive (kato 0) unless stafd sets one. Debian 13's nvmet lets the
# discovery NQN be changed (discovery_nqn in configfs).
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
UDC=nqn.2024-01.io.example:unique-dc
SUB=nqn.2024-01.io.example:behind-unique-dc

# the DC device on 127.0.0.1:4420 whose subsystem NQN is $UDC
udc_dev() {
    local c
    for c in /sys/class/nvme/nvme*; do
        [ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$UDC" ] && { echo "${c##*/}"; return 0; }
    done
    return 1
}

check "nvmet's discovery NQN can be changed" test -w "$NVMET_CFS/discovery_nqn"
_vm_write "$NVMET_CFS/discovery_nqn" "$UDC"
on_exit "_vm_write '$NVMET_CFS/discovery_nqn' '$WKNQN'"
nvmet_port 1 127.0.0.1 4420
nvmet_subsys "$SUB" 16
nvmet_link "$SUB" 1

stas_bus_setup
printf '%s\n' '[Controllers]' "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=$UDC" \
    >/etc/stas/stafd.conf
check "stafd starts" stafd_start "$T/stafd.log"
check "it connects the unique DC" wait_for 60 'udc_dev >/dev/null'
D=$(udc_dev)
check "with stafd's keep-alive (30 s), not the kernel's 0 for such an NQN" test "$(ctrl_attr "$D" kato)" = 30
check "and reads its log page" wait_for 30 'staf get_log_pages tcp 127.0.0.1 4420 "$UDC" "" "" "$HOSTNQN" | grep -q "$SUB"'
stafd_stop TERM || true
disconnect_all 20 || true

# the contrast: the same DC connected without keep_alive_tmo
echo "nqn=$UDC,transport=tcp,traddr=127.0.0.1,trsvcid=4420,discovery" >/dev/nvme-fabrics 2>/dev/null || true
udc_kato_is() { D=$(udc_dev) && test "$(ctrl_attr "$D" kato)" = "$1"; }
check "a connection without keep_alive_tmo gets kato 0 from the kernel" udc_kato_is 0
summary
