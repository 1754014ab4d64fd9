#!/bin/bash
# stas-vm-world: trixie
# stas-vm-timeout: 600
# nbft.sh - controllers the host booted from (NBFT, TP8012). The trixie
# world's firmware has two NBFT tables (qemu -acpitable, test/data/nbft, made
# by test/tools/mknbft.py): one names nqn.2024-01.io.example:nbft-boot at
# 127.0.0.1:4440 and its discovery controller at 127.0.0.1:4441, the other
# is malformed (a heap offset out of range). The scenario plays the initramfs
# (nvme connect to the boot subsystem, and a persistent connection to its
# DC), then stacd (libnvme 1.13 reads NBFT) must adopt the I/O connection,
# keep it across a reload that removes and excludes everything else with the
# most aggressive disconnect-scope, and across a restart; stafd must adopt
# the DC and keep it across such a reload and a stop with
# persistent-connections=false; the malformed table is reported and ignored.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
BOOT=nqn.2024-01.io.example:nbft-boot
OTHER=nqn.2024-01.io.example:not-boot
stac_conf() { printf '%s\n' "$@" >/etc/stas/stacd.conf; }
ncount() { compgen -G "/sys/firmware/acpi/tables/NBFT*" | wc -l; }

section "0. the firmware's tables and the boot connection"
check "the guest has two NBFT tables" test "$(ncount)" = 2
nvmet_port 1 127.0.0.1 4440
nvmet_subsys "$BOOT" 16
nvmet_link "$BOOT" 1
nvmet_port 2 127.0.0.1 4420
nvmet_subsys "$OTHER" 16
nvmet_link "$OTHER" 2
nvmet_port 3 127.0.0.1 4441 # the boot DC's port
nvmet_link "$BOOT" 3
check "the initramfs connects the boot subsystem" nvme connect -t tcp -a 127.0.0.1 -s 4440 -n "$BOOT"
check "it is live" wait_for 20 has_ioc "$BOOT"
DEV=$(ioc_devs "$BOOT" | head -1)
check "and has its namespace" wait_ns_dev 30 "$DEV"
check "the initramfs keeps its DC connected (persistent)" \
    nvme connect -t tcp -a 127.0.0.1 -s 4441 -n "$WKNQN" --keep-alive-tmo=30
DCDEV=$(dc_dev 4441)
check "the boot DC is live ($DCDEV)" test -n "$DCDEV"

section "1. stacd adopts it"
stas_bus_setup
stac_conf '[Global]' 'tron = true' '[Controllers]' \
    "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=$OTHER"
check "stacd starts" stacd_start "$T/stacd.log"
check "stacd reads the boot controller from the NBFT" \
    wait_for 30 'grep -q "4440, $BOOT.*Boot controller from /sys/firmware/acpi/tables/NBFT" "$T/stacd.log"'
check "and reports the malformed table, which it ignores" \
    grep -q "NBFT.*: not a usable NBFT table" "$T/stacd.log"
check "$OTHER connects" wait_for 60 has_ioc "$OTHER"
stac_lists_dev() { stac list_controllers false | grep -q "'device': '$DEV'"; }
check "stacd manages the boot connection ($DEV)" wait_for 30 stac_lists_dev
check "by adopting it: still one controller, the same device" test "$(ioc_devs "$BOOT")" = "$DEV"

section "2. a reload that removes and excludes everything"
stac_conf '[Global]' 'tron = true' \
    '[I/O controller connection management]' \
    'disconnect-scope = all-connections-matching-disconnect-trtypes' 'disconnect-trtypes = tcp' \
    '[Controllers]' "exclude = transport=tcp"
stacd_reload
check "$OTHER is disconnected" wait_for 60 'not has_ioc "$OTHER"'
sleep 5
check "the boot controller stays, same device" test "$(ioc_devs "$BOOT")" = "$DEV"
check "and stacd still manages it" stac_lists_dev
check "the log says it was never removed" not grep -q "$BOOT.*no longer wanted" "$T/stacd.log"

section "3. stafd adopts the boot DC, and keeps it"
printf '%s\n' '[Global]' 'tron = true' '[Service Discovery]' 'zeroconf = disabled' \
    '[Discovery controller connection management]' 'persistent-connections = false' \
    '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420' >/etc/stas/stafd.conf
check "stafd starts" stafd_start "$T/stafd.log"
check "stafd reads the boot DC from the NBFT" \
    wait_for 30 'grep -q "4441, $WKNQN.*Boot discovery controller from /sys/firmware/acpi/tables/NBFT" "$T/stafd.log"'
staf_has_dc() { test "$(staf_device_of 4441)" = "$DCDEV"; }
check "and manages the initramfs's connection ($DCDEV)" wait_for 30 staf_has_dc
check "the configured DC connects too" wait_for 60 'test -n "$(dc_dev 4420)"'
printf '%s\n' '[Global]' 'tron = true' '[Service Discovery]' 'zeroconf = disabled' \
    '[Discovery controller connection management]' 'persistent-connections = false' \
    '[Controllers]' 'exclude = transport=tcp' >/etc/stas/stafd.conf
stafd_reload
check "a reload that excludes every tcp DC removes the configured one" wait_for 60 'test -z "$(dc_dev 4420)"'
check "but not the boot DC" test "$(dc_dev 4441)" = "$DCDEV"
stafd_stop TERM || true
check "stopping stafd with persistent-connections=false leaves the boot DC" test "$(dc_dev 4441)" = "$DCDEV"

section "4. a restart"
stacd_stop TERM || true
check "the boot controller is there while stacd is down" test "$(ioc_devs "$BOOT")" = "$DEV"
: >"$T/stacd2.log"
check "stacd starts again" stacd_start "$T/stacd2.log"
check "and takes the boot controller again" wait_for 30 stac_lists_dev
sleep 5
check "same device, nothing disconnected" test "$(ioc_devs "$BOOT")" = "$DEV"
check "its namespace is still there" test -b "$(ctrl_ns_dev "$DEV")"

stacd_stop TERM || true
summary
