#!/bin/bash
# stas-vm-timeout: 600
# blackhole.sh - a configured controller whose address swallows every packet
# (review-stafd #5): the kernel holds its global fabrics mutex for the whole
# of a connect, so without stas's TCP probe every attempt on such a
# controller= line (or referral) stalls every NVMe-oF connect on the host,
# nvme-cli's too, for the kernel's SYN timeout. The address is routed to a
# dummy interface, which drops everything: a true black hole, no ICMP, no
# RST. Timings are logged as figures, not judged; what is judged is whether
# the kernel was asked at all.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
HOLE_IF=stashole0
HOLE=192.0.2.77 # TEST-NET-1, on a link where nothing answers

nvmet_default_topology
stas_bus_setup
modprobe dummy numdummies=0 || true
ip link add "$HOLE_IF" type dummy
ip link set "$HOLE_IF" up
ip addr add 192.0.2.1/24 dev "$HOLE_IF"
on_exit "ip link del $HOLE_IF"

# how long (ms) an nvme-cli connect to the loopback target takes
timed_connect() {
    local t0 t1
    t0=$(_vm_now_ms)
    nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$SUB1" >"$T/connect.txt" 2>&1 || return 1
    t1=$(_vm_now_ms)
    echo $((t1 - t0))
}

# the kernel's own attempts, as dmesg counts them
kernel_attempts() { dmesg | grep -c "failed to connect socket" || true; }

section "0. the premise: a kernel connect to the black hole holds up every other connect"
before=$(kernel_attempts)
nvme connect -t tcp -a "$HOLE" -s 4420 -n "$SUB2" >/dev/null 2>&1 &
hole_pid=$!
sleep 1
ms=$(timed_connect || echo fail)
wait "$hole_pid" || true
log "nvme connect to 127.0.0.1 while the kernel connects to $HOLE: $ms ms"
check "the kernel's connect to $HOLE runs into its SYN timeout" test "$(kernel_attempts)" -gt "$before"
dev=$(ctrls_for "$SUB1" | head -1)
[ -n "$dev" ] && nvme disconnect -d "$dev" >/dev/null 2>&1 || true

section "1. stacd retries a black-holed controller; other connects are not held up"
printf '%s\n' '[Controllers]' \
    "controller = transport=tcp;traddr=$HOLE;trsvcid=4420;subsysnqn=$SUB2" >/etc/stas/stacd.conf
before=$(kernel_attempts)
check "stacd starts" stacd_start "$T/stacd.log"
check "stacd probes the black hole and gives up on it quickly" wait_for 30 \
    'grep -q "not reachable" "$T/stacd.log"'
for round in 1 2 3; do
    # each round overlaps one of stacd's attempts (3 s after the first
    # failure, then 60 s: the first rounds fall inside the fast retries)
    ms=$(timed_connect || echo fail)
    log "round $round: nvme connect took $ms ms"
    check "round $round: nvme-cli connects to 127.0.0.1" test "$ms" != fail
    dev=$(ctrls_for "$SUB1" | head -1)
    [ -n "$dev" ] && nvme disconnect -d "$dev" >/dev/null 2>&1 || true
    sleep 2
done
"$STACCTL" status >"$T/status.txt" 2>&1 || true
check "stacctl status shows why the controller is not connected" grep -q "not reachable" "$T/status.txt"
check "stacd is alive" kill -0 "$STACD_PID"
check "stacd never handed the black hole to the kernel (no new SYN timeouts)" test "$(kernel_attempts)" = "$before"
log "stacd's attempts: $(grep -c "not reachable" "$T/stacd.log") probes failed"
stacd_stop TERM || true

summary
