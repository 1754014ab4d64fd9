#!/bin/bash
# nvme-cli.sh - baseline scenario, nvme-cli only (no stas daemons): proves
# that the VM's kernel NVMe/TCP host and target behave the way the stas
# scenarios rely on. Discovery, allowed hosts, connect-all, a file-backed
# namespace, a persistent discovery controller and its discovery log change
# AENs (as udev events), referrals, disconnect-all.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"

SUB3=nqn.2024-01.io.example:sub3-file
SUB4=nqn.2024-01.io.example:sub4-aen
OTHER_HOST=nqn.2014-08.org.nvmexpress:uuid:0badc0de-0000-4000-8000-000000000002
AEN_DISC_CHANGE=0x70f002
T=$TMPDIR

# discover OUT ARG...: nvme discover into OUT.txt, records into OUT
discover() {
    local out=$1
    shift
    nvme discover "$@" >"$out.txt" 2>&1 || return 1
    disc_records "$out.txt" >"$out"
}

aen_count() { grep -c "^NVME_AEN=$AEN_DISC_CHANGE\$" "$T/udev.log" || true; }
# DEVNAME of every udev event that carries a discovery log change AEN
aen_devices() {
    awk -v aen="NVME_AEN=$AEN_DISC_CHANGE" '
        /^$/ { if (hit) print dev; hit = 0; dev = ""; next }
        $0 == aen { hit = 1 }
        /^DEVNAME=/ { dev = substr($0, 9) }
        END { if (hit) print dev }' "$T/udev.log"
}

# ------------------------------------------------------------------ setup
nvmet_default_topology # port 1 127.0.0.1:8009, port 2 127.0.0.1:4420, SUB1+SUB2 on both
nvmet_port 3 127.0.0.2 4421
nvmet_subsys_file "$SUB3" "$T/sub3.img" 16
nvmet_allow_host "$SUB3" "$OTHER_HOST"
nvmet_link "$SUB3" 3
nvmet_show
log "host NQN: $HOSTNQN"

section "discovery on 127.0.0.1:8009"
check "nvme discover 127.0.0.1:8009 succeeds" discover "$T/disc" -t tcp -a 127.0.0.1 -s 8009
check "discovery log lists $SUB1 at 127.0.0.1:8009" grep -Fq "|127.0.0.1|8009|$SUB1" "$T/disc"
check "discovery log lists $SUB2 at 127.0.0.1:8009" grep -Fq "|127.0.0.1|8009|$SUB2" "$T/disc"

section "allowed hosts on 127.0.0.2:4421"
check "nvme discover 127.0.0.2:4421 succeeds" discover "$T/disc3" -t tcp -a 127.0.0.2 -s 4421
check "$SUB3 (another host only) is hidden from us" not grep -Fq "$SUB3" "$T/disc3"
check "connecting to $SUB3 is refused" not nvme connect -t tcp -a 127.0.0.2 -s 4421 -n "$SUB3"
nvmet_allow_host "$SUB3" "$HOSTNQN"
discover "$T/disc3b" -t tcp -a 127.0.0.2 -s 4421 || true
check "$SUB3 is listed once our host NQN is allowed" grep -Fq "|127.0.0.2|4421|$SUB3" "$T/disc3b"

section "connect-all"
check "nvme connect-all 127.0.0.1:8009 succeeds" nvme connect-all -t tcp -a 127.0.0.1 -s 8009
check "live controller for $SUB1" wait_for 15 ctrl_live_for "$SUB1"
check "live controller for $SUB2" wait_for 15 ctrl_live_for "$SUB2"
C1=$(ctrls_for "$SUB1" | head -n1)
log "controllers: $(nvme_ctrls | tr '\n' ' ')"
check "$SUB1 controller is tcp" test "$(ctrl_attr "$C1" transport 2>/dev/null)" = tcp
check "$SUB1 controller address is 127.0.0.1:8009" \
    grep -q 'traddr=127.0.0.1,trsvcid=8009' "/sys/class/nvme/$C1/address"
NS1=$(wait_ns_dev 15 "$C1" || true)
check "namespace block device of $SUB1 is readable ($NS1, O_DIRECT)" \
    dd if="$NS1" of=/dev/null bs=64k count=16 iflag=direct
check "udev made /dev/disk/by-id links for it" wait_for 15 'compgen -G "/dev/disk/by-id/nvme-*" >/dev/null'

section "file-backed namespace ($SUB3 on 127.0.0.2:4421)"
check "nvme connect to $SUB3 succeeds" nvme connect -t tcp -a 127.0.0.2 -s 4421 -n "$SUB3"
check "live controller for $SUB3" wait_for 15 ctrl_live_for "$SUB3"
C3=$(ctrls_for "$SUB3" | head -n1)
NS3=$(wait_ns_dev 15 "$C3" || true)
head -c 4096 /dev/urandom >"$T/pattern"
check "write 4 KiB to $NS3" dd if="$T/pattern" of="$NS3" bs=4096 count=1 oflag=direct conv=notrunc
check "the data landed in the backing file" cmp -n 4096 "$T/pattern" "$T/sub3.img"

section "persistent discovery controller"
check "nvme discover --persistent 127.0.0.1:8009 succeeds" \
    discover "$T/pdisc" -t tcp -a 127.0.0.1 -s 8009 --persistent
check "a discovery controller stays after nvme exits" wait_for 10 ctrl_live_for "$DISC_NQN"
DC=$(ctrls_for "$DISC_NQN" | head -n1)
KATO=$(ctrl_attr "$DC" kato 2>/dev/null || echo 0)
log "persistent discovery controller: $DC, kato=$KATO"
check "it has keep-alive on (kato=$KATO)" test "$KATO" -gt 0

section "discovery log change AENs"
check "udev monitor is listening" udev_monitor_start "$T/udev.log"
nvmet_subsys "$SUB4" 0
nvmet_link "$SUB4" 1
check "uevent NVME_AEN=$AEN_DISC_CHANGE after linking $SUB4 to 127.0.0.1:8009" \
    wait_for 15 'test "$(aen_count)" -ge 1'
check "the AEN came from the persistent controller /dev/$DC" \
    test "$(aen_devices | sort -u)" = "/dev/$DC"
discover "$T/viadc" -t tcp -a 127.0.0.1 -s 8009 -d "$DC" || true
check "reading the log through $DC shows $SUB4" grep -Fq "|127.0.0.1|8009|$SUB4" "$T/viadc"
# the target holds back further change AENs until the log is read with
# "retain asynchronous event" clear; make sure that happened
nvme get-log "/dev/$DC" --log-id=0x70 --log-len=4096 -b >/dev/null || log "get-log on $DC failed"
nvmet_unlink "$SUB4" 1
check "uevent NVME_AEN=$AEN_DISC_CHANGE after unlinking $SUB4" \
    wait_for 15 'test "$(aen_count)" -ge 2'
discover "$T/viadc2" -t tcp -a 127.0.0.1 -s 8009 -d "$DC" || true
check "$SUB4 is gone from the log" not grep -Fq "$SUB4" "$T/viadc2"
check "the persistent discovery controller is still live" \
    test "$(ctrl_attr "$DC" state 2>/dev/null)" = live

section "referrals"
nvmet_referral 1 ref-4421 127.0.0.2 4421
check "nvme discover 127.0.0.1:8009 with a referral succeeds" discover "$T/dref" -t tcp -a 127.0.0.1 -s 8009
check "referral to 127.0.0.2:4421 is in the log" \
    grep -q '^discovery subsystem referral|127.0.0.2|4421|' "$T/dref"

section "disconnect-all"
check "nvme disconnect-all succeeds" nvme disconnect-all
check "every controller is gone" wait_for 20 no_ctrls
check "no NVMe block device is left" wait_for 10 'not compgen -G "/dev/nvme*n*" >/dev/null'

summary
