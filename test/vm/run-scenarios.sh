#!/bin/bash
# run-scenarios.sh [OPTIONS] [SCENARIO...]
#
# Run the end-to-end VM scenarios: boot one test VM per world (see
# run-in-vm.sh) and run every test/vm/scenarios/*.sh in it, or only the
# SCENARIOs named (a name like "nvme-cli" or a path). A scenario runs in the
# Debian 12 world (the host's root and Debian 12's kernel) unless a header
# line "# stas-vm-world: trixie" asks for the Debian 13 world (a trixie root
# with the tree built in it by test/trixie/trixie.sh, and Debian 13's 6.12
# kernel). A header line "# stas-vm-init: systemd" runs it with systemd as
# the guest's PID 1 (the systemd world of its root; the .deb of this tree,
# built by scripts/package.sh --if-changed, is in $STAS_VM_DEB for it to
# install); with "# stas-vm-preboot: yes" too, stage 2 first runs it with
# --preboot, before systemd boots, in a VM of its own. Each (world, init)
# pair boots one VM. Each scenario starts from a clean NVMe/nvmet state.
# Prints the PASS/FAIL line of every check and, last, one line "N passed, M
# failed" for all scenarios together.
#
# Options:
#   -k          keep the guest logs (STAS_VM_KEEP=1 does the same); the run
#               directory is printed. Kept anyway when something failed.
#   -t SEC      kill the VM after SEC seconds (default 600)
#   -s SEC      per-scenario time limit inside the VM (default 300)
#   -m MB       guest memory (default 1024)
#   -v          print the VM's setup log and console at the end
#   -l          list the scenarios (with their world) and exit
#
# Environment:
#   STAS_BUILD_DIR  the project's build directory (default <repo>/build);
#                   visible at the same path in the VM, exported to scenarios
#   STAS_SKIP_VM=1  skip the whole suite (exit 0, with a loud warning).
#                   For developers without the time; CI never sets it.
#   STAS_SKIP_TRIXIE=1  skip the trixie world's scenarios (loudly)
#   STAS_VM_CACHE, STAS_VM_ACCEL, STAS_VM_KERNEL_PKG: see README.md
#
# Exit status: 0 when every check passed (and at least one ran); 1 when a
# check or a scenario failed; 124 when the VM timed out; 125 when the VM
# could not be prepared or failed (kernel panic, 9p error, ...); 2 for a
# usage error.
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [ "${STAS_SKIP_VM:-0}" = 1 ]; then
    cat >&2 <<'EOF'
##########################################################################
##                                                                      ##
##   VM SUITE SKIPPED (STAS_SKIP_VM=1)                                  ##
##                                                                      ##
##   The end-to-end NVMe/TCP tests in test/vm did NOT run: nothing was  ##
##   tested against a real kernel. Unset STAS_SKIP_VM to run them.      ##
##                                                                      ##
##########################################################################
EOF
    exit 0
fi

TIMEOUT=600 KEEP=${STAS_VM_KEEP:-0} VERBOSE=() LIST=0 MEM=1024
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
    exit "${1:-2}"
}
while getopts "kt:s:m:vlh" opt; do
    case "$opt" in
        k) KEEP=1 ;;
        t) TIMEOUT=$OPTARG ;;
        s) export STAS_VM_SCENARIO_TIMEOUT=$OPTARG ;;
        m) MEM=$OPTARG ;;
        v) VERBOSE=(-v) ;;
        l) LIST=1 ;;
        h) usage 0 ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))

SCENARIOS=()
if [ $# -eq 0 ]; then
    for f in "$VM_DIR"/scenarios/*.sh; do [ -f "$f" ] && SCENARIOS+=("$f"); done
    [ ${#SCENARIOS[@]} -gt 0 ] || { echo "run-scenarios: no scenarios in $VM_DIR/scenarios" >&2; exit 2; }
else
    for s in "$@"; do
        if [ -f "$s" ]; then
            SCENARIOS+=("$(readlink -f "$s")")
        elif [ -f "$VM_DIR/scenarios/${s%.sh}.sh" ]; then
            SCENARIOS+=("$VM_DIR/scenarios/${s%.sh}.sh")
        else
            echo "run-scenarios: no such scenario: $s" >&2
            exit 2
        fi
    done
fi
# shellcheck source=scenario-header.sh
. "$VM_DIR/scenario-header.sh"
scenario_world() { scenario_header "$1" world debian12; } # scenario_world FILE
scenario_init() { scenario_header "$1" init script; }    # scenario_init FILE
# IN_WORLD["WORLD/INIT"]: the scenarios one VM runs; a systemd scenario with
# "# stas-vm-preboot: yes" (it prepares the root before systemd boots) has a
# VM of its own: IN_WORLD["WORLD/systemd/NAME"]
declare -A IN_WORLD=()
for s in "${SCENARIOS[@]}"; do
    w=$(scenario_world "$s")
    i=$(scenario_init "$s")
    case "$w" in debian12 | trixie) ;; *) echo "run-scenarios: $s: unknown world '$w'" >&2; exit 2 ;; esac
    case "$i" in script | systemd) ;; *) echo "run-scenarios: $s: unknown init '$i'" >&2; exit 2 ;; esac
    key=$w/$i
    if [ "$(scenario_header "$s" preboot no)" = yes ]; then
        [ "$i" = systemd ] || { echo "run-scenarios: $s: preboot needs '# stas-vm-init: systemd'" >&2; exit 2; }
        key+=/$(basename "$s" .sh)
    fi
    IN_WORLD[$key]+="$s"$'\n'
done
if [ "$LIST" = 1 ]; then
    for s in "${SCENARIOS[@]}"; do
        printf '%s\t%s\t%s\n' "$(basename "$s" .sh)" "$(scenario_world "$s")" "$(scenario_init "$s")"
    done
    exit 0
fi
if [[ " ${!IN_WORLD[*]}" == *" trixie/"* ]] && [ "${STAS_SKIP_TRIXIE:-0}" = 1 ]; then
    cat >&2 <<'EOF'
##########################################################################
##   TRIXIE VM SCENARIOS SKIPPED (STAS_SKIP_TRIXIE=1): nothing was      ##
##   tested against Debian 13's kernel (DH-HMAC-CHAP, TLS, NBFT).       ##
##########################################################################
EOF
    for key in "${!IN_WORLD[@]}"; do
        [[ $key == trixie/* ]] && unset "IN_WORLD[$key]"
    done
fi

export STAS_BUILD_DIR=${STAS_BUILD_DIR:-$VM_REPO/build}
[ -d "$STAS_BUILD_DIR" ] || vm_log "note: STAS_BUILD_DIR=$STAS_BUILD_DIR does not exist (yet)"

mkdir -p "$VM_CACHE/runs"
find "$VM_CACHE/runs" -mindepth 1 -maxdepth 1 -name 'run.*' -printf '%T@ %p\n' 2>/dev/null |
    sort -rn | tail -n +21 | cut -d' ' -f2- | xargs -r rm -rf
RUN=$(mktemp -d "$VM_CACHE/runs/run.XXXXXX")
: >"$RUN/results"

# run_world WORLD INIT [NAME]: boot WORLD's VM with INIT (and scenario NAME's
# preboot step), run its scenarios, add to $RUN/results
rc=0
run_world() {
    local world=$1 init=$2 name=${3:-} root=/ cwd=$VM_REPO guest_dir=$VM_DIR build=$STAS_BUILD_DIR wrc=0 i t
    local dir=$RUN/$world deb='' step=world preboot=''
    local -a scns=() firmware=()
    mapfile -t scns < <(printf '%s' "${IN_WORLD[$world/$init${name:+/$name}]}")
    [ "$init" = script ] || dir=$RUN/$world-$init${name:+-$name}
    mkdir -p "$dir"
    : >"$dir/results"
    if [ "$world" = debian12 ] && [ "$init" = systemd ]; then
        vm_log "systemd world: the .deb of this tree (scripts/package.sh --if-changed)"
        if ! "$VM_REPO/scripts/package.sh" --if-changed deb "$STAS_BUILD_DIR/packages" >"$dir/package.log" 2>&1; then
            tail -n 20 "$dir/package.log"
            echo "FAIL: the .deb could not be built for the systemd world"
            rc=125
            return
        fi
        deb=$(ls "$STAS_BUILD_DIR"/packages/stas_*.deb)
    fi
    if [ "$world" = trixie ]; then
        vm_log "trixie world: bringing the Debian 13 root and its build up to date"
        [ "$init" = systemd ] && step='world-deb'
        if ! root=$("$VM_REPO/test/trixie/trixie.sh" "$step"); then
            echo "FAIL: the trixie root could not be prepared"
            rc=125
            return
        fi
        [ "$init" = systemd ] && deb=$(cd "$root" && ls packages/stas_*.deb) && deb=/$deb
        cwd=/src guest_dir=/src/test/vm build=/var/tmp/stas-build
        # its firmware has NBFT tables: a boot subsystem, and a malformed one
        for t in boot bad-heap; do firmware+=(--acpitable "$VM_REPO/test/data/nbft/$t.bin"); done
        for i in "${!scns[@]}"; do
            case "${scns[$i]}" in
            "$VM_REPO"/*) scns[i]=/src/${scns[$i]#"$VM_REPO"/} ;;
            *) echo "run-scenarios: ${scns[$i]}: a trixie scenario must be in the tree" >&2; rc=2; return ;;
            esac
        done
    fi
    [ -n "$name" ] && preboot=${scns[0]}
    STAS_BUILD_DIR=$build STAS_VM_RESULTS=$dir/results STAS_VM_DEB=$deb STAS_VM_PREBOOT=$preboot \
        "$VM_DIR/run-in-vm.sh" \
        --run-dir "$dir" --world "$world" --init "$init" --root "$root" -t "$TIMEOUT" -m "$MEM" --cwd "$cwd" \
        ${firmware[@]+"${firmware[@]}"} \
        ${VERBOSE[@]+"${VERBOSE[@]}"} "$guest_dir/guest/scenarios.sh" "${scns[@]}" || wrc=$?
    cat "$dir/results" >>"$RUN/results"
    case "$wrc" in
        124) echo "FAIL: the $world ($init) VM timed out after ${TIMEOUT}s" ;;
        125) echo "FAIL: the $world ($init) VM could not run or failed (see the messages above)" ;;
    esac
    case "$rc" in 124 | 125 | 2) ;; *) [ "$wrc" = 0 ] || rc=$wrc ;; esac
}
for world in debian12 trixie; do
    for init in script systemd; do
        if [ -n "${IN_WORLD[$world/$init]:-}" ]; then run_world "$world" "$init"; fi
    done
    for key in $(printf '%s\n' "${!IN_WORLD[@]}" | sort); do
        if [[ $key == "$world/systemd/"* ]]; then run_world "$world" systemd "${key##*/}"; fi
    done
done

# Add up. Scenarios a VM never finished count as failed, and so does a VM
# failure or timeout.
passed=0 failed=0
declare -A ended=()
while IFS=$'\t' read -r kind name _; do
    case "$kind" in
        PASS) passed=$((passed + 1)) ;;
        FAIL) failed=$((failed + 1)) ;;
        END) ended[$name]=1 ;;
    esac
done <"$RUN/results"
case "$rc" in 124 | 125) failed=$((failed + 1)) ;; esac
for s in "${SCENARIOS[@]}"; do
    n=$(basename "$s" .sh)
    if [ "$(scenario_world "$s")" = trixie ] && [ "${STAS_SKIP_TRIXIE:-0}" = 1 ]; then continue; fi
    if [ -z "${ended[$n]:-}" ]; then
        echo "FAIL: $n: did not complete"
        failed=$((failed + 1))
    fi
done

status=0
if [ "$rc" = 124 ] || [ "$rc" = 125 ] || [ "$rc" = 2 ]; then
    status=$rc
elif [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ] || [ "$rc" != 0 ]; then
    status=1
fi
if [ "$KEEP" = 1 ] || [ "$status" != 0 ]; then
    vm_log "guest logs kept in $RUN"
else
    rm -rf "$RUN"
fi
[ "$passed" -eq 0 ] && [ "$failed" -eq 0 ] && echo "FAIL: no check ran" && failed=1
echo
echo "$passed passed, $failed failed"
exit "$status"
