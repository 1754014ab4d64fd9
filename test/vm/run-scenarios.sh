#!/bin/bash
# run-scenarios.sh [OPTIONS] [SCENARIO...]
#
# Run the end-to-end VM scenarios: boot ONE test VM (see run-in-vm.sh) and
# run every test/vm/scenarios/*.sh in it, or only the SCENARIOs named (a
# name like "nvme-cli" or a path). Each scenario starts from a clean
# NVMe/nvmet state. Prints the PASS/FAIL line of every check and, last, one
# line "N passed, M failed" for all scenarios together.
#
# Options:
#   -k          keep the guest logs (STAS_VM_KEEP=1 does the same); the run
#               directory is printed. Kept anyway when something failed.
#   -t SEC      kill the VM after SEC seconds (default 600)
#   -s SEC      per-scenario time limit inside the VM (default 300)
#   -v          print the VM's setup log and console at the end
#   -l          list the scenarios and exit
#
# Environment:
#   STAS_BUILD_DIR  the project's build directory (default <repo>/build);
#                   visible at the same path in the VM, exported to scenarios
#   STAS_SKIP_VM=1  skip the whole suite (exit 0, with a loud warning).
#                   For developers without the time; CI never sets it.
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

TIMEOUT=600 KEEP=${STAS_VM_KEEP:-0} VERBOSE=() LIST=0
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
    exit "${1:-2}"
}
while getopts "kt:s:vlh" opt; do
    case "$opt" in
        k) KEEP=1 ;;
        t) TIMEOUT=$OPTARG ;;
        s) export STAS_VM_SCENARIO_TIMEOUT=$OPTARG ;;
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
if [ "$LIST" = 1 ]; then
    for s in "${SCENARIOS[@]}"; do basename "$s" .sh; done
    exit 0
fi

export STAS_BUILD_DIR=${STAS_BUILD_DIR:-$VM_REPO/build}
[ -d "$STAS_BUILD_DIR" ] || vm_log "note: STAS_BUILD_DIR=$STAS_BUILD_DIR does not exist (yet)"

mkdir -p "$VM_CACHE/runs"
find "$VM_CACHE/runs" -mindepth 1 -maxdepth 1 -name 'run.*' -printf '%T@ %p\n' 2>/dev/null |
    sort -rn | tail -n +21 | cut -d' ' -f2- | xargs -r rm -rf
RUN=$(mktemp -d "$VM_CACHE/runs/run.XXXXXX")
: >"$RUN/results"

rc=0
STAS_VM_RESULTS=$RUN/results "$VM_DIR/run-in-vm.sh" --run-dir "$RUN" -t "$TIMEOUT" \
    --cwd "$VM_REPO" ${VERBOSE[@]+"${VERBOSE[@]}"} "$VM_DIR/guest/scenarios.sh" "${SCENARIOS[@]}" || rc=$?

# Add up. Scenarios the VM never finished count as failed, and so does a
# VM failure or timeout.
passed=0 failed=0
declare -A ended=()
while IFS=$'\t' read -r kind name _; do
    case "$kind" in
        PASS) passed=$((passed + 1)) ;;
        FAIL) failed=$((failed + 1)) ;;
        END) ended[$name]=1 ;;
    esac
done <"$RUN/results"
case "$rc" in
    124) echo "FAIL: VM timed out after ${TIMEOUT}s"; failed=$((failed + 1)) ;;
    125) echo "FAIL: the VM could not run or failed (see the messages above)"; failed=$((failed + 1)) ;;
esac
for s in "${SCENARIOS[@]}"; do
    n=$(basename "$s" .sh)
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
