#!/bin/bash
# stas-vm-timeout: 1200
# scale.sh - the correctness half of "make bench" (test/vm/bench/bench.sh)
# with 40 subsystems and no floor: cold start, AEN-driven connects and
# disconnects, zoning churn of half the subsystems, a storm of 200
# namespaces, restarts of both daemons under load. It checks that nothing
# is lost, churned or doubled and that both daemons keep answering; the
# figures it prints are not judged.
STAS_BENCH_N=${STAS_BENCH_N:-40} STAS_BENCH_STORM=${STAS_BENCH_STORM:-200} STAS_BENCH_FLOOR=0 \
    exec bash "${BASH_SOURCE[0]%/*}/../bench/bench.sh"
