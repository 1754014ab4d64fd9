# SPDX-License-Identifier: Apache-2.0
# Thin wrapper around meson for people who expect ./configure && make.
# Everything real happens in meson.build; this file only names the steps.

BUILD ?= build
ASAN_BUILD ?= build-asan
INSTALL_BUILD ?= build-install
MESON ?= meson
NINJA ?= ninja
DESTDIR ?=

SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find src include test -name '*.[ch]')

.PHONY: all deps install uninstall test test-unit test-asan test-valgrind test-vm test-install test-trixie \
	clean purge update-subprojects format format-fix demo deb rpm fuzz fuzz-smoke bench

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

deps:
	@scripts/deps.sh

install: all
	DESTDIR=$(DESTDIR) $(MESON) install -C $(BUILD)

uninstall: $(BUILD)/build.ninja
	DESTDIR=$(DESTDIR) $(NINJA) -C $(BUILD) uninstall

# Everything a change must pass: unit and CLI suites, the same under
# ASan/UBSan, valgrind on the configuration tests, then the real-kernel
# scenarios in a qemu guest.
test: deps
	$(MAKE) all
	$(MAKE) test-unit
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke
	$(MAKE) test-valgrind
	$(MAKE) test-install
	$(MAKE) test-trixie
	$(MAKE) test-vm

test-unit: all
	$(MESON) test -C $(BUILD) --print-errorlogs --suite unit --suite cli

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

test-asan: $(ASAN_BUILD)/build.ninja
	$(NINJA) -C $(ASAN_BUILD)
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		$(MESON) test -C $(ASAN_BUILD) --print-errorlogs --suite unit --suite cli

# Check forks each test by default, which hides leaks from valgrind; run
# the tests in-process (CK_FORK=no) so every allocation is accounted for.
test-valgrind: all
	CK_FORK=no $(MESON) test -C $(BUILD) --print-errorlogs --suite unit \
		--wrapper 'valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 -q'

# libFuzzer harnesses of test/fuzz (clang, ASan+UBSan) in their own build,
# each run FUZZ_SECONDS from its seeds; any crash fails. The long run:
# make fuzz FUZZ_SECONDS=600.
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 30
FUZZ_HARNESSES = conf ctrl_entry timespan mdns dlpe dlp state sysfs pprint

$(FUZZ_BUILD)/build.ninja:
	CC=$(FUZZ_CC) $(MESON) setup $(FUZZ_BUILD) -Dfuzz=true -Dwerror=false -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined'

fuzz: $(FUZZ_BUILD)/build.ninja
	$(NINJA) -C $(FUZZ_BUILD) $(addprefix test/fuzz/fuzz_,$(FUZZ_HARNESSES))
	test/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# What make test runs: every harness built and run for a fixed number of
# inputs from a fixed seed; what it finds is reported ("fuzz: NEW FINDING",
# input kept) without failing the run, because exploration is not
# reproducible across machines. Seeds and regression inputs are replayed,
# and fail, in the unit suites (test-unit, test-asan, test-valgrind).
FUZZ_SMOKE_RUNS ?= 5000
fuzz-smoke:
	FUZZ_RUNS=$(FUZZ_SMOKE_RUNS) FUZZ_REPORT_ONLY=1 $(MAKE) fuzz FUZZ_SECONDS=600

# meson install --destdir, units, man pages, .deb and .rpm (test/install).
test-install:
	test/install/test-install.sh $(INSTALL_BUILD)

# Debian 13 (trixie): the tree built with -Werror, its unit and CLI suites
# and its .deb, in a debootstrap root cached in /var/tmp/stas-trixie; the .deb
# then replaces trixie's own nvme-stas in a throwaway root, keeping an edited
# stafd.conf. STAS_SKIP_TRIXIE=1 skips it (loudly).
test-trixie:
	test/trixie/trixie.sh all

# Binary packages from the working tree, into $(BUILD)/packages.
deb:
	scripts/package.sh deb $(abspath $(BUILD))/packages

rpm:
	scripts/package.sh rpm $(abspath $(BUILD))/packages

# The VM suite takes about 25 minutes under TCG on 2 idle cores (faults,
# stacd-restart and rogue-dc are most of it); the limit leaves room for a
# loaded machine.
test-vm: all
	STAS_BUILD_DIR=$(abspath $(BUILD)) test/vm/run-scenarios.sh -t 3600

# Scale and speed on the VM's kernel (not part of make test; its N=40
# correctness checks are, as the scale scenario): BENCH_N subsystems
# (default 100; 500 works), the floor (kernel alone, nvme connect-all), cold
# start, AEN latency, zoning churn, a udev storm, restarts and CLI timings.
# Prints a table; the figures go to $(BUILD)/bench/results.json.
BENCH_N ?= 100
BENCH_STORM ?= 500
BENCH_FLOOR ?= 1
bench: all
	BENCH_N=$(BENCH_N) BENCH_STORM=$(BENCH_STORM) BENCH_FLOOR=$(BENCH_FLOOR) test/vm/bench/run-bench.sh $(BUILD)

clean:
	-[ -f $(BUILD)/build.ninja ] && $(NINJA) -C $(BUILD) clean
	-[ -f $(ASAN_BUILD)/build.ninja ] && $(NINJA) -C $(ASAN_BUILD) clean

purge:
	rm -rf $(BUILD) $(ASAN_BUILD) $(INSTALL_BUILD)

update-subprojects:
	$(MESON) subprojects update

format:
	clang-format --dry-run --Werror $(SOURCES)

format-fix:
	clang-format -i $(SOURCES)

# The whole product against a real NVMe/TCP target (this host's kernel when
# it can, the test VM otherwise).
demo: deps
	$(MAKE) all
	scripts/demo.sh
