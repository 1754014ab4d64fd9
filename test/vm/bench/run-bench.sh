#!/bin/bash
# run-bench.sh BUILD_DIR - what "make bench" runs: test/vm/bench/bench.sh in
# one VM with BENCH_N subsystems (default 100; BENCH_STORM namespaces in the
# storm, 500; BENCH_FLOOR=0 skips the floor), its figures copied to
# BUILD_DIR/bench/results.json (and results-N<n>.json) and printed as a
# table. The guest gets memory in proportion to N. Exit status: the VM
# suite's (a correctness check failed, or the VM did).
set -euo pipefail
here=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
build=$(cd "${1:?usage: run-bench.sh BUILD_DIR}" && pwd)
BENCH_N=${BENCH_N:-100}
# the guest sees the host's STAS_* variables
export STAS_BENCH_N=$BENCH_N STAS_BENCH_STORM=${BENCH_STORM:-500} STAS_BENCH_FLOOR=${BENCH_FLOOR:-1}
mem=$((1024 + BENCH_N * 6))
out=$build/bench
mkdir -p "$out"
rc=0
STAS_BUILD_DIR=$build "$here/../run-scenarios.sh" -k -m "$mem" -t $((1800 + BENCH_N * 30)) \
    "$here/bench.sh" 2>&1 | tee "$out/bench.log" || rc=$?
run=$(sed -n 's/.*guest logs kept in \(.*\)$/\1/p' "$out/bench.log" | tail -1)
if [ -z "$run" ] || [ ! -f "$run/debian12/bench.json" ]; then
    echo "bench: no figures came back (see $out/bench.log)" >&2
    exit 1
fi
cp "$run/debian12/bench.json" "$out/results.json"
cp "$run/debian12/bench.json" "$out/results-N$BENCH_N.json"
echo
python3 "$here/table.py" "$out/results.json"
echo
echo "figures: $out/results.json (guest logs: $run)"
exit "$rc"
