#!/bin/bash
# scenarios.sh SCENARIO... - the guest side of run-scenarios.sh.
#
# Runs each scenario script in turn, in the same VM, and puts the VM back in
# a clean state after each one: processes the scenario left behind are
# killed, NVMe controllers disconnected, the nvmet configuration and null_blk
# devices removed, network links it added deleted, and /etc/nvme, /etc/stas,
# /var/lib/stas and /run/stas reset. With systemd as PID 1, the units a
# scenario started are stopped and the packages it installed purged first,
# and only the processes of this unit's own cgroup count as left behind.
# Every result is appended to
# $STAS_VM_RESULTS (lines "PASS|FAIL<TAB>scenario<TAB>description", plus
# "BEGIN<TAB>scenario" and "END<TAB>scenario<TAB>status") for the host to
# add up. A scenario runs at most $STAS_VM_SCENARIO_TIMEOUT seconds (300),
# or what its "# stas-vm-timeout: N" header line allows.
set -uo pipefail
STAS_VM_LIB_NO_TRAPS=1
# shellcheck source=lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
unset STAS_VM_LIB_NO_TRAPS

RESULTS=${STAS_VM_RESULTS:?STAS_VM_RESULTS must be set}
SCN_TIMEOUT=${STAS_VM_SCENARIO_TIMEOUT:-300}
PRISTINE=/run/stasvm/pristine
RESET_PATHS=(/etc/nvme /etc/stas /var/lib/stas /run/stas /run/stafd /run/stacd /var/cache/stafd
    /var/cache/stacd /run/udev/rules.d/70-nvmf-autoconnect.rules)
SYSTEMD=0
[ "${STAS_VM_INIT:-script}" = systemd ] && SYSTEMD=1
MY_CGROUP=$(cat /proc/self/cgroup)

# ------------------------------------------------- what "clean" looks like
declare -A BASE_PIDS=() BASE_LINKS=()
for p in /proc/[0-9]*; do BASE_PIDS[${p##*/}]=1; done
for l in /sys/class/net/*; do BASE_LINKS[${l##*/}]=1; done
$BB rm -rf "$PRISTINE"
$BB mkdir -p "$PRISTINE"
for path in "${RESET_PATHS[@]}"; do
    [ -e "$path" ] && $BB cp -a "$path" "$PRISTINE/${path//\//_}"
done

# ----------------------------------------------------------------- reset

# PIDs of processes that did not exist at the start: not kernel threads, not
# this shell, and not workers of the daemons that were already running
# (udevd's). Orphans (re-parented to PID 1) are included.
new_pids() {
    local p pid stat state ppid
    for p in /proc/[0-9]*; do
        pid=${p##*/}
        [ -n "${BASE_PIDS[$pid]:-}" ] && continue
        [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
        read -r stat <"$p/stat" 2>/dev/null || continue
        read -r state ppid _ <<<"${stat##*) }" # "STATE PPID ..." after "PID (COMM) "
        [ "$state" = Z ] && continue
        [ "$ppid" = 2 ] || [ "$pid" = 2 ] && continue # kernel threads
        # under systemd, other cgroups are units: stopped by reset_units
        if [ "$SYSTEMD" = 1 ] && [ "$(cat "$p/cgroup" 2>/dev/null)" != "$MY_CGROUP" ]; then
            continue
        fi
        if [ -n "${BASE_PIDS[$ppid]:-}" ] && [ "$ppid" != 1 ] && [ "$ppid" != "$$" ]; then
            continue
        fi
        echo "$pid"
    done
}

kill_new_processes() {
    local -a pids
    local sig i
    for sig in TERM KILL; do
        mapfile -t pids < <(new_pids)
        [ ${#pids[@]} -eq 0 ] && return 0
        log "reset: kill -$sig ${pids[*]}"
        kill -"$sig" "${pids[@]}" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            mapfile -t pids < <(new_pids)
            [ ${#pids[@]} -eq 0 ] && return 0
            $BB sleep 0.1
        done
    done
    return 1
}

# The units of stas, nvme-stas and nvme-cli a scenario started are stopped,
# and the packages it installed purged, so that the next scenario starts
# with neither.
reset_units() {
    local p
    systemctl stop stafd.service stacd.service 'nvmf-connect@*.service' 'stas-config@*.service' \
        >/dev/null 2>&1
    for p in stas nvme-stas; do
        if dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[ir]'; then
            DEBIAN_FRONTEND=noninteractive dpkg --purge "$p" >/dev/null 2>&1 || return 1
        fi
    done
    systemctl daemon-reload
    systemctl reset-failed >/dev/null 2>&1
    return 0
}

reset_vm() { # reset_vm NAME -> 0 when everything went back to the start state
    local ok=0 l path saved
    if [ "$SYSTEMD" = 1 ]; then
        reset_units || { drv_fail "$1: reset: the installed packages could not be purged"; ok=1; }
    fi
    kill_new_processes || { drv_fail "$1: reset: processes survive SIGKILL"; ok=1; }
    if ! disconnect_all 30; then
        drv_fail "$1: reset: NVMe controllers remain: $(nvme_ctrls | tr '\n' ' ')"
        ok=1
    fi
    udevadm settle -t 10 >/dev/null 2>&1
    nvmet_clear || { drv_fail "$1: reset: nvmet configuration could not be removed"; ok=1; }
    for l in /sys/class/net/*; do
        l=${l##*/}
        [ -n "${BASE_LINKS[$l]:-}" ] || ip link del "$l" 2>/dev/null
    done
    for l in /run/netns/*; do [ -e "$l" ] && ip netns del "${l##*/}"; done
    for path in "${RESET_PATHS[@]}"; do
        $BB rm -rf "$path"
        saved=$PRISTINE/${path//\//_}
        [ -e "$saved" ] && $BB cp -a "$saved" "$path"
    done
    return $ok
}

CUR=
drv_fail() {
    echo "FAIL: $*"
    printf 'FAIL\t%s\t%s\n' "$CUR" "$*" >>"$RESULTS"
}

count() { # count PASS|FAIL NAME
    local n=0 kind name _
    while IFS=$'\t' read -r kind name _; do
        [ "$kind" = "$1" ] && [ "$name" = "$2" ] && n=$((n + 1))
    done <"$RESULTS"
    echo "$n"
}

# A long scenario says how long it may take in a header line
# "# stas-vm-timeout: SECONDS"; the larger of that and $SCN_TIMEOUT applies.
# shellcheck source=../scenario-header.sh
. "${BASH_SOURCE[0]%/*}/../scenario-header.sh"
scenario_timeout() { # scenario_timeout FILE
    local want
    want=$(scenario_header "$1" timeout 0)
    [[ $want =~ ^[0-9]+$ ]] && [ "$want" -gt "$SCN_TIMEOUT" ] && echo "$want" || echo "$SCN_TIMEOUT"
}

# ------------------------------------------------------------------- run
total=$# i=0 status=0
for scn in "$@"; do
    i=$((i + 1))
    CUR=${scn##*/}
    CUR=${CUR%.sh}
    printf '\n##### scenario %s (%d/%d)\n' "$CUR" "$i" "$total"
    printf 'BEGIN\t%s\n' "$CUR" >>"$RESULTS"
    tmp=/run/stasvm/tmp/$CUR
    $BB rm -rf "$tmp"
    $BB mkdir -p "$tmp"
    t0=${EPOCHREALTIME/./}
    limit=$(scenario_timeout "$scn")
    STAS_VM_SCENARIO=$CUR STAS_VM_RESULTS=$RESULTS TMPDIR=$tmp \
        timeout -k 10 "$limit" bash "$scn"
    rc=$?
    t1=${EPOCHREALTIME/./}
    [ $rc = 124 ] && drv_fail "$CUR: timed out after ${limit}s"
    p=$(count PASS "$CUR")
    f=$(count FAIL "$CUR")
    if [ $((p + f)) = 0 ]; then
        drv_fail "$CUR: ran no checks (status $rc)"
    elif [ $rc != 0 ] && [ "$f" = 0 ]; then
        drv_fail "$CUR: exited with status $rc"
    fi
    reset_vm "$CUR"
    $BB rm -rf "$tmp"
    p=$(count PASS "$CUR")
    f=$(count FAIL "$CUR")
    [ "$f" = 0 ] || status=1
    printf 'END\t%s\t%s\n' "$CUR" "$rc" >>"$RESULTS"
    printf '##### scenario %s: status %s, %s passed, %s failed, %d.%ds\n' "$CUR" "$rc" "$p" "$f" \
        $(((t1 - t0) / 1000000)) $(((t1 - t0) / 100000 % 10))
done
exit $status
