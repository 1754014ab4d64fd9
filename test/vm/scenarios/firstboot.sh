#!/bin/bash
# firstboot.sh - an image's first boot. Before systemd boots (--preboot, as
# an image build does it: no manager running), the .deb is installed, both
# units are enabled and the image's host identity is deleted. The boot then
# runs stas-config@hostnqn and @hostid before the daemons, which start with
# the new identity and connect with it once the target is there.
# stas-vm-init: systemd
# stas-vm-preboot: yes
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail

if [ "${1:-}" = --preboot ]; then
    set -x
    rm -f /var/lib/man-db/auto-update # (see deb_install in guest/units.sh)
    DEBIAN_FRONTEND=noninteractive dpkg -i "$STAS_VM_DEB"
    systemctl enable stafd.service stacd.service
    rm -f /etc/nvme/hostnqn /etc/nvme/hostid /etc/stas/sys.conf
    printf '%s\n' '[Global]' 'reconnect-delay = 1' '[Controllers]' \
        'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf
    exit 0
fi

# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"
# shellcheck source=../guest/units.sh
. "${BASH_SOURCE[0]%/*}/../guest/units.sh"

mono() { unit_prop "$1" "$2TimestampMonotonic"; } # mono UNIT WHAT: microseconds since boot

section "1. what the boot did"
check "the root was prepared before the boot (see preboot.log)" test -e /run/stasvm/preboot-ok
check "stafd.service is enabled" test "$(systemctl is-enabled stafd.service)" = enabled
for u in hostnqn hostid; do
    check "stas-config@$u.service ran at boot and succeeded" \
        test "$(unit_prop "stas-config@$u.service" Result)" = success -a "$(mono "stas-config@$u.service" ExecMainExit)" -gt 0
    check "before stafd started" test "$(mono "stas-config@$u.service" ExecMainExit)" -lt "$(mono stafd ExecMainStart)"
    check "and before stacd started" test "$(mono "stas-config@$u.service" ExecMainExit)" -lt "$(mono stacd ExecMainStart)"
done
check "/etc/nvme/hostnqn is a new host NQN" grep -qE '^nqn\.2014-08\.org\.nvmexpress:uuid:[0-9a-f-]{36}$' /etc/nvme/hostnqn
check "/etc/nvme/hostid is a UUID" grep -qE '^[0-9a-f-]{36}$' /etc/nvme/hostid
check "sys.conf records the host NQN file" grep -q '^nqn *= *file:///etc/nvme/hostnqn' /etc/stas/sys.conf
check "and the host ID file" grep -q '^id *= *file:///etc/nvme/hostid' /etc/stas/sys.conf
check "the boot started both daemons, once each" \
    test "$(unit_prop stafd ActiveState)/$(unit_prop stafd NRestarts) $(unit_prop stacd ActiveState)/$(unit_prop stacd NRestarts)" = "active/0 active/0"
read -r HOSTNQN </etc/nvme/hostnqn
check "stafd uses the new host NQN" wait_for 10 'staf_debug process_info | grep -qF "$HOSTNQN"'

section "2. they connect with it once the target is there"
nvmet_default_topology
check "stafd connects the DC" wait_for 60 dc_dev 8009
check "stacd connects $SUB1" wait_for 90 has_ioc "$SUB1"
check "stacd connects $SUB2" wait_for 90 has_ioc "$SUB2"
check "with the new host NQN" test "$(cat "/sys/class/nvme/$(ioc_devs "$SUB1" | head -n 1)/hostnqn")" = "$HOSTNQN"
summary
