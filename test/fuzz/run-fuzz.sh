#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs each libFuzzer harness of a -Dfuzz=true build for a while and prints,
# per harness, executions, coverage (cov: edges, ft: features) and crashes.
# Usage: test/fuzz/run-fuzz.sh BUILD_DIR SECONDS [HARNESS...]
# Each harness starts from a copy of its seeds and regression inputs in
# BUILD_DIR/fuzz-work/<harness>/corpus (the repository is not written to);
# what it grows stays there for the next run. A crash leaves its input in
# BUILD_DIR/fuzz-work/<harness>/crashes/ and makes the script exit 1: make it
# a regression input (test/fuzz/regressions/<harness>/).
# With FUZZ_RUNS=N in the environment each harness instead runs N inputs from
# a fixed seed (SECONDS stays a cap): the same tree finds the same thing on
# every run, which is what a CI smoke needs.
# With FUZZ_REPORT_ONLY=1 a crash found while exploring is reported loudly
# (input kept, lines "fuzz: NEW FINDING") but does not fail the run: the
# fuzzer is not deterministic across machines (scratch paths, timing), and a
# new finding is the next fix, not a verdict on the change being tested. The
# seeds and regression inputs themselves are replayed by the unit suite, with
# and without sanitizers, and fail there.
set -u

build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- conf ctrl_entry timespan mdns dlpe dlp state sysfs pprint

# Inputs that need more than libFuzzer's default 4 KiB to mean anything.
max_len() {
	case $1 in
	dlp | dlpe) echo 65536 ;;
	*) echo 16384 ;;
	esac
}

failed=0
summary=""
for h in "$@"; do
	bin=$build/test/fuzz/fuzz_$h
	work=$build/fuzz-work/$h
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing (make fuzz builds it)" >&2
		failed=1
		continue
	fi
	mkdir -p "$work/corpus" "$work/crashes"
	cp -f "$src/corpus/$h/"* "$work/corpus/" 2>/dev/null
	# Known crashes stay out: the unit suite replays them as expected failures.
	for f in "$src/regressions/$h/"*; do
		[ -f "$f" ] || continue
		grep -qx "$h/$(basename "$f")" "$src/regressions/known-crashes" || cp -f "$f" "$work/corpus/"
	done
	dict=""
	[ -f "$src/$h.dict" ] && dict="-dict=$src/$h.dict"
	before=$(ls "$work/crashes" | wc -l)
	limit="-max_total_time=$seconds"
	[ -n "${FUZZ_RUNS:-}" ] && limit="$limit -runs=$FUZZ_RUNS -seed=1"
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" $limit -timeout=20 -rss_limit_mb=2048 -max_len="$(max_len "$h")" \
		-print_final_stats=1 -artifact_prefix="$work/crashes/" $dict "$work/corpus" \
		</dev/null >"$work/log" 2>&1
	rc=$?
	crashes=$(($(ls "$work/crashes" | wc -l) - before))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -n 1 | cut -d' ' -f2)
	corp=$(ls "$work/corpus" | wc -l)
	line=$(printf '%-11s execs %10s  cov %5s  ft %6s  corpus %5s  crashes %s' "$h" "${execs:-?}" "${cov:-?}" \
		"${ft:-?}" "$corp" "$crashes")
	echo "fuzz: $line"
	summary="$summary$line
"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		if [ -n "${FUZZ_REPORT_ONLY:-}" ]; then
			echo "fuzz: NEW FINDING in $h (exit $rc): make it a regression input; log: $work/log" >&2
		else
			failed=1
			echo "fuzz: $h FAILED (exit $rc); log: $work/log" >&2
		fi
		grep -m 5 -E 'ERROR|runtime error|property failed|CRITICAL|Test unit written' "$work/log" >&2
	fi
done
echo "fuzz: ${FUZZ_RUNS:+$FUZZ_RUNS runs from seed 1, at most }${seconds}s per harness"
printf '%s' "$summary"
exit $failed
