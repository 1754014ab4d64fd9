#!/bin/bash
# stas-vm-timeout: 7200
# bench.sh - stas at scale on the VM's kernel: N subsystems (STAS_BENCH_N, 100),
# each with a namespace, behind one nvmet discovery controller (8009) that
# refers to a second one (8010). In one boot it measures
#   0. the floor: the kernel alone (connect strings written to
#      /dev/nvme-fabrics in a loop) and "nvme connect-all", each from nothing
#      to every I/O controller live (STAS_BENCH_FLOOR=0 skips it);
#   1. cold start: stafd + stacd started -> every I/O controller live; CPU
#      time and peak RSS (VmHWM) of each daemon;
#   2. AEN -> connected: ten subsystems linked one at a time to the referred
#      DC's port, configfs link to live controller (p50, p95); then unlinked
#      one at a time, to gone;
#   3. zoning churn: half the subsystems leave the log page at once and come
#      back; time to settle each way;
#   4. udev storm: STAS_BENCH_STORM (500) namespaces added at once to the
#      connected subsystems, then removed; stafctl ls latency meanwhile;
#   5. restart under load: stacd, then stafd, restarted with N connected;
#      time until each has re-adopted every controller;
#   6. CLI wall time with N entries: stafctl ls/dlp/status, stacctl ls.
# Figures are reported (log lines, and JSON in the run directory as
# bench.json), never judged. What must hold at any size is checked: nothing
# lost, nothing churned, no lost udev event (netlink drop counters), both
# daemons alive and answering. test/vm/scenarios/scale.sh runs this with
# N=40 and no floor as part of make test; make bench runs it in full.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
# (STAS_* variables of the host reach the guest; run-bench.sh maps BENCH_N)
N=${STAS_BENCH_N:-100}
STORM=${STAS_BENCH_STORM:-500}
FLOOR=${STAS_BENCH_FLOOR:-1}
ADDS=10
OUT=${STAS_VM_RESULTS:+${STAS_VM_RESULTS%/*}/bench.json}
UDEVLOG=$T/udev.txt
HZ=$(getconf CLK_TCK)
# the shipped units leave systemd's default file limit in place
ulimit -n 1024

NQNS=() ADDED=()
for ((i = 1; i <= N; i++)); do printf -v 'NQNS[i-1]' 'nqn.2024-01.io.example:bench%03d' "$i"; done
for ((i = 1; i <= ADDS; i++)); do printf -v 'ADDED[i-1]' 'nqn.2024-01.io.example:added%02d' "$i"; done

# ------------------------------------------------------------ figures
declare -A FIG=()
declare -a FIG_ORDER=()
figure() { # figure KEY VALUE: record a figure (numbers in s, MB or counts)
    [ -n "${FIG[$1]+x}" ] || FIG_ORDER+=("$1")
    FIG[$1]=$2
    log "figure $1 = $2"
}
write_figures() {
    local k sep='' json
    json="{\"n\": $N, \"storm\": $STORM, \"figures\": {"
    for k in "${FIG_ORDER[@]}"; do
        json+="$sep\"$k\": ${FIG[$k]}"
        sep=', '
    done
    json+='}}'
    [ -n "$OUT" ] && echo "$json" >"$OUT"
    echo "$json" >"$T/bench.json"
}
on_exit write_figures

now_ms() { _vm_now_ms; }
secs() { # secs MS: MS milliseconds as seconds with three decimals
    printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}
since() { secs $(($(now_ms) - $1)); }

# pctl P VALUE...: the P-th percentile (nearest rank) of the values (ms)
pctl() {
    local p=$1 rank
    shift
    rank=$(((p * $# + 99) / 100))
    printf '%s\n' "$@" | sort -n | sed -n "${rank}p"
}

# cpu_ms PID: user + system CPU time of PID so far, in ms
cpu_ms() {
    local stat
    read -r stat <"/proc/$1/stat" || return 1
    read -ra f <<<"${stat##*) }"
    echo $(((f[11] + f[12]) * 1000 / HZ))
}
hwm_mb() { # hwm_mb PID: peak resident set (VmHWM) in MB, two decimals
    local k v _
    while read -r k v _; do
        [ "$k" = VmHWM: ] && { printf '%d.%02d' $((v / 1024)) $((v % 1024 * 100 / 1024)); return 0; }
    done <"/proc/$1/status"
    return 1
}

# ------------------------------------------------ the kernel's view (fork-free)

# ioc_names: live I/O controller names, "NAME NQN" per line
ioc_names() {
    local c q s
    for c in /sys/class/nvme/nvme*; do
        q='' s=''
        read -r q 2>/dev/null <"$c/subsysnqn" || continue
        [ "$q" = "$WKNQN" ] && continue
        read -r s 2>/dev/null <"$c/state" || continue
        [ "$s" = live ] && echo "${c##*/} $q"
    done
    return 0
}
n_live() { # n_live: how many I/O controllers are live
    local n=0 _
    while read -r _; do n=$((n + 1)); done < <(ioc_names)
    echo "$n"
}
n_ctrls() { # n_ctrls: kernel controllers of any kind and state (a glob, no reads)
    local -a c=(/sys/class/nvme/nvme*)
    [ -e "${c[0]}" ] && echo "${#c[@]}" || echo 0
}
# all_live COUNT: COUNT I/O controllers are live (cheap until the glob says so)
all_live() { [ "$(n_ctrls)" -ge "$1" ] && [ "$(n_live)" -ge "$1" ]; }
# The AEN part polls for one controller among hundreds: remember the names
# before the change and read only what is new.
declare -A BEFORE=()
names_now() { # names_now: fill BEFORE with today's controller names
    local c
    BEFORE=()
    for c in /sys/class/nvme/nvme*; do BEFORE[${c##*/}]=1; done
}
live_new() { # live_new NQN: a controller not in BEFORE is NQN's, and live
    local c q s
    for c in /sys/class/nvme/nvme*; do
        [ -n "${BEFORE[${c##*/}]:-}" ] && continue
        q='' s=''
        read -r q 2>/dev/null <"$c/subsysnqn" || continue
        read -r s 2>/dev/null <"$c/state" || continue
        [ "$q" = "$1" ] && [ "$s" = live ] && return 0
    done
    return 1
}
gone() { [ ! -e "/sys/class/nvme/$1" ]; } # gone NAME

# disconnect_iocs: delete every I/O controller, wait until they are gone
disconnect_iocs() {
    local c q
    for c in /sys/class/nvme/nvme*; do
        read -r q 2>/dev/null <"$c/subsysnqn" || continue
        [ "$q" = "$WKNQN" ] && continue
        _vm_write "$c/delete_controller" 1 2>/dev/null || true
    done
    wait_for 600 '[ "$(n_live)" = 0 ] && [ -z "$(ioc_names)" ]'
}

# nl_drops PID: events the kernel dropped on PID's uevent netlink sockets
# (the Drops column of /proc/net/netlink, protocol 15)
nl_drops() {
    local fd l n=0 sk eth pid groups rmem wmem dump locks drops inode
    local -A mine=()
    for fd in /proc/"$1"/fd/*; do
        l=$(readlink "$fd" 2>/dev/null) || continue
        [[ $l =~ ^socket:\[([0-9]+)\]$ ]] && mine[${BASH_REMATCH[1]}]=1
    done
    while read -r sk eth pid groups rmem wmem dump locks drops inode _; do
        [ "$eth" = 15 ] && [ -n "${mine[$inode]:-}" ] && n=$((n + drops))
    done </proc/net/netlink
    echo "$n"
}
no_drops() { # no_drops: neither daemon's udev socket dropped an event
    local a b
    a=$(nl_drops "$STAFD_PID") b=$(nl_drops "$STACD_PID")
    echo "dropped: stafd $a, stacd $b"
    [ "$a" = 0 ] && [ "$b" = 0 ]
}

# snapshot FILE: the live I/O controllers, ctrl_rows lines
snapshot() { live_ioc_rows >"$1"; }
not_removed() { not_removed_since "$UDEVLOG" "$@"; } # not_removed SNAPSHOT SEQNUM
# no_new_ctrl SEQNUM: udev announced no new nvme controller after SEQNUM
no_new_ctrl() {
    udevadm settle -t 60 >/dev/null 2>&1 || true
    awk -v after="$1" '
        /^$/ { if (act == "add" && ss == "nvme" && seq > after) { print name; n++ } act = ss = name = ""; seq = 0 }
        /^ACTION=/ { act = substr($0, 8) }
        /^SUBSYSTEM=/ { ss = substr($0, 11) }
        /^SEQNUM=/ { seq = substr($0, 8) + 0 }
        /^DEVPATH=/ { name = $0; sub(/.*\//, "", name) }
        END { exit n > 0 }' "$UDEVLOG"
}

answers() { timeout 20 "$1" ls >/dev/null; }
alive() { # alive PART: both daemons alive and answering
    check "$1: stafd is alive and answers" answers "$STAFCTL"
    check "$1: stacd is alive and answers" answers "$STACCTL"
}
no_loss_logged() { not grep -h "udev events were lost" "$T"/stafd*.log "$T"/stacd*.log; }

save_logs() {
    [ -n "${STAS_VM_RUN:-}" ] || return 0
    mkdir -p "$STAS_VM_RUN/bench" && cp "$T"/*.log "$T"/*.json "$UDEVLOG" "$STAS_VM_RUN/bench/" 2>/dev/null
}
on_exit save_logs

# --------------------------------------------------------------- target
T0=$(now_ms)
section "setup: $N subsystems behind 127.0.0.1:8009, which refers to 127.0.0.1:8010"
nvmet_load
nvmet_port 1 127.0.0.1 8009
nvmet_port 2 127.0.0.1 8010
# one null_blk device behind every namespace: nvmet opens it shared
NSDEV=$(nvmet_nullb 64)
wait_for 5 test -b "$NSDEV"
for nqn in "${NQNS[@]}" "${ADDED[@]}"; do
    _nvmet_mksubsys "$nqn"
    nvmet_ns "$nqn" 1 "$NSDEV"
done
for nqn in "${NQNS[@]}"; do nvmet_link "$nqn" 1; done
# nvmet listens on a port while a subsystem is linked to it; this one allows
# no host, so no log page lists it to us
_nvmet_mksubsys nqn.2024-01.io.example:bench-anchor
_vm_write "$NVMET_CFS/subsystems/nqn.2024-01.io.example:bench-anchor/attr_allow_any_host" 0
nvmet_link nqn.2024-01.io.example:bench-anchor 2
nvmet_referral 1 dc2 127.0.0.1 8010
stas_bus_setup
printf '%s\n' '[Controllers]' 'controller = transport=tcp;traddr=127.0.0.1;trsvcid=8009' >/etc/stas/stafd.conf
: >/etc/stas/stacd.conf
check "udev monitor runs" udev_monitor_start "$UDEVLOG"
log "target ready in $(since "$T0") s"

# ------------------------------------------------------------- 0. floor
KERNEL_MS=()
if [ "$FLOOR" = 1 ]; then
    section "0a. the floor: the kernel alone, $N connect strings to /dev/nvme-fabrics"
    t=$(now_ms)
    c0=$(cpu_ms "$BASHPID")
    for nqn in "${NQNS[@]}"; do
        t1=$(now_ms)
        printf 'nqn=%s,transport=tcp,traddr=127.0.0.1,trsvcid=8009,hostnqn=%s,hostid=%s' \
            "$nqn" "$HOSTNQN" "$HOSTID" >/dev/nvme-fabrics 2>/dev/null || true
        KERNEL_MS+=($(($(now_ms) - t1)))
    done
    c1=$(cpu_ms "$BASHPID")
    check "the kernel connects all $N" wait_for 300 all_live "$N"
    figure floor_kernel_s "$(since "$t")"
    # the writer's CPU: the kernel creates each controller in its context
    figure floor_kernel_cpu_per_ctrl_ms "$(((c1 - c0) / N))"
    figure floor_kernel_connect_p50_s "$(secs "$(pctl 50 "${KERNEL_MS[@]}")")"
    check "all disconnected again" disconnect_iocs

    section "0b. the floor: nvme connect-all (serial)"
    t=$(now_ms)
    nvme connect-all -t tcp -a 127.0.0.1 -s 8009 >"$T/connect-all.log" 2>&1 || true
    check "nvme connect-all connects all $N" wait_for 300 all_live "$N"
    figure floor_connect_all_s "$(since "$t")"
    check "all disconnected again" disconnect_iocs
fi

# --------------------------------------------------------- 1. cold start
section "1. cold start: stafd + stacd -> $N I/O controllers live"
t=$(now_ms)
check "stafd starts" stafd_start "$T/stafd.log"
check "stacd starts" stacd_start "$T/stacd.log"
check "every subsystem gets connected" wait_for $((60 + N * 3)) all_live "$N"
figure cold_start_s "$(since "$t")"
check "both DCs are connected (the referral is followed)" wait_for 60 'dc_dev 8009 && dc_dev 8010'
sleep 2
cf=$(cpu_ms "$STAFD_PID") cc=$(cpu_ms "$STACD_PID")
figure cold_cpu_stafd_s "$(secs "$cf")"
figure cold_cpu_stacd_s "$(secs "$cc")"
figure cold_cpu_per_ctrl_ms "$(((cf + cc) / N))"
figure cold_hwm_stafd_mb "$(hwm_mb "$STAFD_PID")"
figure cold_hwm_stacd_mb "$(hwm_mb "$STACD_PID")"
check "one controller per subsystem, none doubled" ctrl_dups
alive "1"

# ----------------------------------------------------- 2. AEN -> connected
section "2. AEN -> connected: $ADDS subsystems linked one at a time to 8010's port"
ADD_MS=() DEL_MS=()
declare -A ADDED_DEV=()
for nqn in "${ADDED[@]}"; do
    names_now
    t=$(now_ms)
    nvmet_link "$nqn" 2
    if wait_for 60 live_new "$nqn"; then ADD_MS+=($(($(now_ms) - t))); else fail "$nqn gets connected"; fi
    ADDED_DEV[$nqn]=$(ctrls_for "$nqn" | head -1)
done
[ ${#ADD_MS[@]} = "$ADDS" ] && pass "each added subsystem got connected after its AEN"
for nqn in "${ADDED[@]}"; do
    t=$(now_ms)
    nvmet_unlink "$nqn" 2
    if wait_for 60 gone "${ADDED_DEV[$nqn]:-none}"; then DEL_MS+=($(($(now_ms) - t))); else fail "$nqn gets disconnected"; fi
done
[ ${#DEL_MS[@]} = "$ADDS" ] && pass "each removed subsystem got disconnected after its AEN"
if [ ${#ADD_MS[@]} -gt 0 ]; then
    figure aen_connect_p50_s "$(secs "$(pctl 50 "${ADD_MS[@]}")")"
    figure aen_connect_p95_s "$(secs "$(pctl 95 "${ADD_MS[@]}")")"
fi
if [ ${#DEL_MS[@]} -gt 0 ]; then
    figure aen_disconnect_p50_s "$(secs "$(pctl 50 "${DEL_MS[@]}")")"
    figure aen_disconnect_p95_s "$(secs "$(pctl 95 "${DEL_MS[@]}")")"
fi
alive "2"

# ------------------------------------------------------- 3. zoning churn
HALF=$((N / 2))
section "3. zoning churn: $HALF subsystems leave 8009's log page at once, then come back"
snapshot "$T/snap-all"
grep -v -F -f <(printf '|%s|\n' "${NQNS[@]:0:HALF}") "$T/snap-all" >"$T/snap-stay" || true
seq0=$(uevent_seqnum)
t=$(now_ms)
for nqn in "${NQNS[@]:0:HALF}"; do nvmet_unlink "$nqn" 1; done
# none_left: no kernel controller of a subsystem that left
declare -A LEFT=()
for nqn in "${NQNS[@]:0:HALF}"; do LEFT[$nqn]=1; done
none_left() {
    local c q
    for c in /sys/class/nvme/nvme*; do
        read -r q 2>/dev/null <"$c/subsysnqn" || continue
        [ -n "${LEFT[$q]:-}" ] && return 1
    done
    return 0
}
check "the $HALF that left are disconnected" wait_for $((60 + N)) none_left
figure churn_leave_s "$(since "$t")"
t=$(now_ms)
for nqn in "${NQNS[@]:0:HALF}"; do nvmet_link "$nqn" 1; done
check "and connected again when they come back" wait_for $((60 + N * 3)) all_live "$N"
figure churn_return_s "$(since "$t")"
check "the controllers that stayed listed are the same devices" rows_kept "$T/snap-stay"
check "udev saw none of them removed" not_removed "$T/snap-stay" "$seq0"
check "one controller per subsystem, none doubled" ctrl_dups
alive "3"

# -------------------------------------------------------- 4. udev storm
section "4. udev storm: $STORM namespaces added at once to the $N connected subsystems"
count_ns() {
    local -a d=(/sys/class/nvme/nvme*/nvme*n*)
    [ -e "${d[0]}" ] && echo "${#d[@]}" || echo 0
}
snapshot "$T/snap-storm"
seq0=$(uevent_seqnum)
ns0=$(count_ns)
# stafctl ls latency while the storm lasts, one call after another
: >"$T/lat.txt"
(
    while [ ! -e "$T/storm-done" ]; do
        t1=$(now_ms)
        timeout 30 "$STAFCTL" ls >/dev/null 2>&1 && echo $(($(now_ms) - t1)) >>"$T/lat.txt"
    done
) &
LAT_PID=$!
on_exit "kill $LAT_PID"
t=$(now_ms)
for ((k = 0; k < STORM; k++)); do nvmet_ns "${NQNS[k % N]}" $((2 + k / N)) "$NSDEV"; done
check "the host sees all $STORM new namespaces" wait_for 900 '[ "$(count_ns)" -ge $((ns0 + STORM)) ]'
figure storm_add_s "$(since "$t")"
udevadm settle -t 300 >/dev/null 2>&1 || true
figure storm_add_settled_s "$(since "$t")"
t=$(now_ms)
for ((k = 0; k < STORM; k++)); do
    d=$NVMET_CFS/subsystems/${NQNS[k % N]}/namespaces/$((2 + k / N))
    _vm_write "$d/enable" 0 && $BB rmdir "$d"
done
check "and all $STORM are gone again" wait_for 900 '[ "$(count_ns)" -le "$ns0" ]'
figure storm_remove_s "$(since "$t")"
udevadm settle -t 300 >/dev/null 2>&1 || true
: >"$T/storm-done"
wait "$LAT_PID" 2>/dev/null || true
mapfile -t LAT <"$T/lat.txt"
if [ ${#LAT[@]} -gt 0 ]; then
    figure storm_ls_calls "${#LAT[@]}"
    figure storm_ls_p50_s "$(secs "$(pctl 50 "${LAT[@]}")")"
    figure storm_ls_max_s "$(secs "$(pctl 100 "${LAT[@]}")")"
fi
check "stafctl ls answered during the storm" test ${#LAT[@]} -gt 0
check "no udev event was dropped on either daemon's socket" no_drops
check "neither daemon logged lost udev events" no_loss_logged
check "every controller stayed (same devices)" rows_kept "$T/snap-storm"
check "udev saw no controller removed" not_removed "$T/snap-storm" "$seq0"
alive "4"

# -------------------------------------------------- 5. restart under load
section "5. restart under load: stacd, then stafd, with $N connected"
snapshot "$T/snap-restart"
seq0=$(uevent_seqnum)
# adopted DEVICES: the daemon lists every one of the snapshot's devices
adopted() {
    local out name rc=0
    out=$("$1" ls 2>/dev/null) || return 1
    while IFS='|' read -r name _; do
        [[ $out == *"'device': '$name'"* ]] || rc=1
    done <"$2"
    return $rc
}
stacd_stop TERM || true
t=$(now_ms)
check "stacd starts again" stacd_start "$T/stacd2.log"
check "the new stacd lists all $N controllers" wait_for $((60 + N)) adopted "$STACCTL" "$T/snap-restart"
figure restart_stacd_adopt_s "$(since "$t")"
dcs=$(staf list_controllers false | grep -o "'device': '[^']*'" | sort | tr '\n' ' ')
stafd_stop TERM || true
t=$(now_ms)
check "stafd starts again" stafd_start "$T/stafd2.log"
staf_devs() { [ "$(staf list_controllers false | grep -o "'device': '[^']*'" | sort | tr '\n' ' ')" = "$dcs" ]; }
check "the new stafd has both DCs back (same devices)" wait_for 120 staf_devs
check "and their log pages (stacd still lists all $N)" wait_for 120 \
    'grep -q "Received discovery log pages" "$T/stafd2.log"'
figure restart_stafd_adopt_s "$(since "$t")"
sleep 5
check "no controller was disconnected" not_removed "$T/snap-restart" "$seq0"
check "no new controller was made" no_new_ctrl "$seq0"
check "the controllers are the same devices" rows_kept "$T/snap-restart"
alive "5"

# ------------------------------------------------------------------ 6. CLI
section "6. CLI wall time with $N entries"
clitime() { # clitime KEY CMD...
    local key=$1 t
    shift
    t=$(now_ms)
    if "$@" >"$T/cli-$key.txt" 2>&1; then
        figure "cli_${key}_s" "$(since "$t")"
    else
        fail "$* works"
    fi
}
clitime stafctl_ls "$STAFCTL" ls
clitime stafctl_dlp "$STAFCTL" dlp -t tcp -a 127.0.0.1 -s 8009
clitime stafctl_status "$STAFCTL" status
clitime stacctl_ls "$STACCTL" ls
check "stafctl dlp lists all $N subsystems" test "$(grep -o "bench[0-9]*" "$T/cli-stafctl_dlp.txt" | sort -u | wc -l)" -ge "$N"

sleep 2
figure end_cpu_stafd_s "$(secs "$(cpu_ms "$STAFD_PID")")"
figure end_cpu_stacd_s "$(secs "$(cpu_ms "$STACD_PID")")"
figure end_hwm_stafd_mb "$(hwm_mb "$STAFD_PID")"
figure end_hwm_stacd_mb "$(hwm_mb "$STACD_PID")"
check "no crash in the logs" not grep -qiE 'segfault|assert|CRITICAL \*\*' "$T"/stafd*.log "$T"/stacd*.log
figure total_s "$(since "$T0")"
stacd_stop TERM || true
stafd_stop TERM || true
summary
