#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# stafctl and stacctl against fake-service, a stand-in for stafd/stacd that answers with the
# replies nvme-stas 2.4.1 gave, on a private dbus-daemon: what they print must be, byte for
# byte, what nvme-stas's own clients printed for those replies. Also -o json, tron/troff,
# the command line (argparse's usage, errors and exit statuses) and every way of failing.
# Usage: test-ctl.sh /path/to/stafctl /path/to/stacctl /path/to/fake-service
#
# Nothing outside a temporary directory is used: DBUS_SYSTEM_BUS_ADDRESS points at the
# private bus, STAS_CONF_DIR and STAS_NVME_DIR at a private host identity.
# Prints one PASS/FAIL line per check, then "N passed, M failed".
set -u

if [ $# -ne 3 ] || [ ! -x "$1" ] || [ ! -x "$2" ] || [ ! -x "$3" ]; then
	echo "usage: $0 /path/to/stafctl /path/to/stacctl /path/to/fake-service" >&2
	exit 2
fi
if ! command -v dbus-daemon >/dev/null; then
	echo "SKIP: no dbus-daemon (package dbus)"
	exit 77
fi
STAFCTL=$(realpath "$1")
STACCTL=$(realpath "$2")
FAKE=$(realpath "$3")
DATA=$(dirname "$(realpath "$0")")/data
EXPECTED=$DATA/expected

WORK=$(mktemp -d) || exit 1
BUS_PID=
FAKE_PID=

passed=0
failed=0
pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $1${2:+ -- $2}"
	failed=$((failed + 1))
}

stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
		FAKE_PID=
	fi
}
cleanup() {
	stop_fake
	if [ -n "$BUS_PID" ]; then
		kill "$BUS_PID" 2>/dev/null
		wait "$BUS_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# Polls (up to 10 s) until file $1 contains a line matching $2, or process $3 is gone.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# ---------------------------------------------------------------------------
# A private bus on which anyone may own any name, standing for the system bus.

# shellcheck source-path=SCRIPTDIR source=../../scripts/private-bus.sh
. "$(dirname "$(realpath "$0")")/../../scripts/private-bus.sh"
if ! private_bus_start "$WORK"; then
	echo "FAIL: cannot start dbus-daemon: $(cat "$WORK/bus.log")"
	exit 1
fi

HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8
mkdir -p "$WORK/etc" "$WORK/nvme"
echo "$HOSTNQN" >"$WORK/nvme/hostnqn"
export STAS_CONF_DIR=$WORK/etc
export STAS_NVME_DIR=$WORK/nvme
# argparse wraps its usage and help to the terminal's width.
export COLUMNS=80
unset G_MESSAGES_DEBUG

# Starts fake-service: staf|stac SCENARIO [--no-debug].
start_fake() {
	stop_fake
	# The background child truncates fake.out only once it runs: without this,
	# wait_for could still read the previous service's "ready" and the first
	# call went out before the new service owned its name.
	rm -f "$WORK/fake.out"
	"$FAKE" "$1" "$DATA/$2" "${@:3}" >"$WORK/fake.out" 2>"$WORK/fake.err" &
	FAKE_PID=$!
	if ! wait_for "$WORK/fake.out" '^ready$' "$FAKE_PID"; then
		fail "fake-service $1 $2 starts" "$(cat "$WORK/fake.err")"
		return 1
	fi
}

# Runs a program; sets RC, and OUT/ERR (files).
OUT=$WORK/stdout
ERR=$WORK/stderr
run() {
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# CHECK_OUTPUT DESC EXPECTED_FILE COMMAND...: exit 0, stdout byte-identical, stderr empty.
check_output() {
	local desc=$1 expected=$2
	shift 2
	run "$@"
	if [ "$RC" -ne 0 ]; then
		fail "$desc" "exit status $RC; stderr: $(cat "$ERR")"
	elif ! cmp -s "$expected" "$OUT"; then
		fail "$desc" "stdout differs: $(diff "$expected" "$OUT" | head -n 10)"
	elif [ -s "$ERR" ]; then
		fail "$desc" "unexpected stderr: $(cat "$ERR")"
	else
		pass "$desc"
	fi
}

# CHECK_JSON DESC EXPECTED_FILE COMMAND...: exit 0, stdout is JSON holding the data that
# the pretty-printed EXPECTED_FILE holds.
HAVE_PYTHON=false
command -v python3 >/dev/null && HAVE_PYTHON=true
check_json() {
	local desc=$1 expected=$2
	shift 2
	if ! $HAVE_PYTHON; then
		echo "SKIP: $desc (no python3)"
		return
	fi
	run "$@"
	if [ "$RC" -ne 0 ]; then
		fail "$desc" "exit status $RC; stderr: $(cat "$ERR")"
	elif ! python3 -c 'import json, sys; json.load(sys.stdin)' <"$OUT" 2>/dev/null; then
		fail "$desc" "not JSON: $(head -c 300 "$OUT")"
	elif ! python3 -c '
import ast, json, sys
sys.exit(0 if json.load(open(sys.argv[2])) == ast.literal_eval(open(sys.argv[1]).read()) else 1)' \
		"$expected" "$OUT"; then
		fail "$desc" "data differs from $(basename "$expected")"
	else
		pass "$desc"
	fi
}

# CHECK_FAILS DESC STATUS STDERR_TEXT COMMAND...: exit STATUS, stdout empty, stderr exactly
# STDERR_TEXT (one line).
check_fails() {
	local desc=$1 status=$2 text=$3
	shift 3
	run "$@"
	if [ "$RC" -ne "$status" ]; then
		fail "$desc" "exit status $RC, expected $status; stderr: $(cat "$ERR")"
	elif [ -s "$OUT" ]; then
		fail "$desc" "unexpected stdout: $(head -c 300 "$OUT")"
	elif [ "$(cat "$ERR")" != "$text" ] || [ "$(wc -l <"$ERR")" -ne 1 ]; then
		fail "$desc" "stderr: $(cat "$ERR")"
	else
		pass "$desc"
	fi
}

# CHECK_USAGE_ERROR DESC LAST_STDERR_LINE COMMAND...: exit 2, stdout empty, stderr = the
# usage, then LAST_STDERR_LINE.
check_usage_error() {
	local desc=$1 text=$2
	shift 2
	run "$@"
	if [ "$RC" -ne 2 ]; then
		fail "$desc" "exit status $RC, expected 2; stderr: $(cat "$ERR")"
	elif [ -s "$OUT" ]; then
		fail "$desc" "unexpected stdout: $(head -c 300 "$OUT")"
	elif ! head -n 1 "$ERR" | grep -q '^usage: '; then
		fail "$desc" "no usage on stderr: $(cat "$ERR")"
	elif [ "$(tail -n 1 "$ERR")" != "$text" ]; then
		fail "$desc" "stderr: $(cat "$ERR")"
	else
		pass "$desc"
	fi
}

# CHECK_TEXT DESC STATUS EXPECTED_STDOUT COMMAND...: exit STATUS, stdout exactly as given
# (plus the final newline), stderr empty.
check_text() {
	local desc=$1 status=$2 text=$3
	shift 3
	run "$@"
	if [ "$RC" -ne "$status" ]; then
		fail "$desc" "exit status $RC, expected $status; stderr: $(cat "$ERR")"
	elif [ "$(cat "$OUT")" != "$text" ] || [ -s "$ERR" ]; then
		fail "$desc" "stdout: $(head -c 500 "$OUT"); stderr: $(cat "$ERR")"
	else
		pass "$desc"
	fi
}

NO_STAFD="Unable to communicate with stafd over D-Bus. Is stafd running?"
NO_STACD="Unable to communicate with stacd over D-Bus. Is stacd running?"
WK_NQN=nqn.2014-08.org.nvmexpress.discovery
# nvme-stas's commands, then stas's own explain and metrics (a deliberate addition).
STAFCTL_USAGE="usage: stafctl [-h] [-v] {tron,troff,status,ls,dlp,adlp,explain,metrics} ..."
STACCTL_USAGE="usage: stacctl [-h] [-v] {tron,troff,status,ls,explain,metrics} ..."

# ---------------------------------------------------------------------------
# stafctl, 2 configured discovery controllers: the recorded outputs.

if start_fake staf staf; then
	check_output "stafctl ls" "$EXPECTED/stafctl-ls.txt" "$STAFCTL" ls
	check_output "stafctl ls -d" "$EXPECTED/stafctl-ls-d.txt" "$STAFCTL" ls -d
	check_output "stafctl ls --detailed" "$EXPECTED/stafctl-ls-d.txt" "$STAFCTL" ls --detailed
	check_output "stafctl adlp" "$EXPECTED/stafctl-adlp.txt" "$STAFCTL" adlp
	check_output "stafctl adlp -d" "$EXPECTED/stafctl-adlp-d.txt" "$STAFCTL" adlp -d
	check_output "stafctl status: process_info + controllers + log pages + controller_info" \
		"$EXPECTED/stafctl-status.txt" "$STAFCTL" status
	check_output "stafctl dlp of a managed controller" "$EXPECTED/stafctl-dlp.txt" \
		"$STAFCTL" dlp -a 10.99.0.2 -s 8009 -n nqn.2014-08.com.example:nvme:disc-ctrl-2
	check_output "stafctl dlp of an unknown controller" "$EXPECTED/stafctl-dlp-unknown.txt" \
		"$STAFCTL" dlp -a 192.0.2.1 -s 8009
	check_output "stafctl dlp: defaults of -n, -w, -f and -q (system Host NQN)" \
		"$EXPECTED/stafctl-dlp-entries.txt" "$STAFCTL" dlp -t rdma -a 10.99.0.3 -s 4420
	check_output "stafctl dlp: every option spelled out" "$EXPECTED/stafctl-dlp-entries.txt" \
		"$STAFCTL" dlp --transport=rdma --traddr 10.99.0.3 --trsvcid=4420 --host-traddr '' \
		--host-iface= --host-nqn "$HOSTNQN" --nqn "$WK_NQN"
	check_output "stafctl dlp: -q is sent as given" "$EXPECTED/stafctl-dlp-unknown.txt" \
		"$STAFCTL" dlp -t rdma -a 10.99.0.3 -s 4420 -q nqn.2014-08.org.example:other-host

	check_json "stafctl ls -o json" "$EXPECTED/stafctl-ls.txt" "$STAFCTL" ls -o json
	check_json "stafctl ls -d --output-format json" "$EXPECTED/stafctl-ls-d.txt" \
		"$STAFCTL" ls -d --output-format json
	check_json "stafctl adlp -o json" "$EXPECTED/stafctl-adlp.txt" "$STAFCTL" adlp -o json
	check_json "stafctl adlp -d -o json" "$EXPECTED/stafctl-adlp-d.txt" "$STAFCTL" adlp -do json
	check_json "stafctl status -o json" "$EXPECTED/stafctl-status.txt" "$STAFCTL" status -o json
	check_json "stafctl dlp -o json" "$EXPECTED/stafctl-dlp-entries.txt" \
		"$STAFCTL" dlp -t rdma -a 10.99.0.3 -s 4420 -o json
	check_json "stafctl dlp -o json, no entries" "$EXPECTED/stafctl-dlp-unknown.txt" \
		"$STAFCTL" dlp -a 192.0.2.1 -s 8009 -o json
	check_output "stafctl ls -o normal is the pretty-print" "$EXPECTED/stafctl-ls.txt" \
		"$STAFCTL" ls -o normal

	# fake-service starts with tron false: what is printed is what it stored
	check_output "stafctl tron" "$EXPECTED/stafctl-tron.txt" "$STAFCTL" tron
	check_output "stafctl troff" "$EXPECTED/stafctl-troff.txt" "$STAFCTL" troff
	check_output "stafctl tron again" "$EXPECTED/stafctl-tron.txt" "$STAFCTL" tron

	# The Host NQN is needed by dlp only, and only without -q.
	mv "$WORK/nvme/hostnqn" "$WORK/nvme/hostnqn.saved"
	check_output "stafctl ls without a Host NQN" "$EXPECTED/stafctl-ls.txt" "$STAFCTL" ls
	check_fails "stafctl dlp without a Host NQN" 1 \
		"Error reading mandatory Host NQN (see stasadm --help): No such file or directory: $WORK/nvme/hostnqn" \
		"$STAFCTL" dlp -a 10.99.0.2 -s 8009
	check_output "stafctl dlp -q without a Host NQN" "$EXPECTED/stafctl-dlp-entries.txt" \
		"$STAFCTL" dlp -t rdma -a 10.99.0.3 -s 4420 -q "$HOSTNQN"
	echo "uuid:1234" >"$WORK/nvme/hostnqn"
	check_fails "stafctl dlp with a malformed Host NQN" 1 \
		'Error Host NQN "uuid:1234" should start with "nqn."' "$STAFCTL" dlp -a 10.99.0.2 -s 8009
	printf '[Host]\nnqn = file://%s\n' "$WORK/nvme/hostnqn.saved" >"$WORK/etc/sys.conf"
	check_output "stafctl dlp: Host NQN from the file sys.conf names" \
		"$EXPECTED/stafctl-dlp-entries.txt" "$STAFCTL" dlp -t rdma -a 10.99.0.3 -s 4420
	rm -f "$WORK/etc/sys.conf"
	mv "$WORK/nvme/hostnqn.saved" "$WORK/nvme/hostnqn"
fi

if start_fake staf staf-zeroconf; then
	check_output "stafctl ls, zeroconf" "$EXPECTED/stafctl-ls.zeroconf.txt" "$STAFCTL" ls
	check_output "stafctl ls -d, zeroconf" "$EXPECTED/stafctl-ls-d.zeroconf.txt" "$STAFCTL" ls -d
	check_output "stafctl adlp, zeroconf" "$EXPECTED/stafctl-adlp.zeroconf.txt" "$STAFCTL" adlp
	check_output "stafctl adlp -d, zeroconf" "$EXPECTED/stafctl-adlp-d.zeroconf.txt" "$STAFCTL" adlp -d
	check_output "stafctl status, zeroconf (keys wider than the line)" \
		"$EXPECTED/stafctl-status.zeroconf.txt" "$STAFCTL" status
	check_json "stafctl status -o json, zeroconf" "$EXPECTED/stafctl-status.zeroconf.txt" \
		"$STAFCTL" status --output-format=json
fi

if start_fake staf staf-empty; then
	check_output "stafctl ls, no controllers" "$EXPECTED/stafctl-ls.zero-noavahi.txt" "$STAFCTL" ls
	check_output "stafctl ls -d, no controllers" "$EXPECTED/stafctl-ls-d.zero-noavahi.txt" "$STAFCTL" ls -d
	check_output "stafctl adlp, no controllers" "$EXPECTED/stafctl-adlp.zero-noavahi.txt" "$STAFCTL" adlp
	check_output "stafctl adlp -d, no controllers" "$EXPECTED/stafctl-adlp-d.zero-noavahi.txt" \
		"$STAFCTL" adlp -d
	check_output "stafctl status, no controllers" "$EXPECTED/stafctl-status.zero-noavahi.txt" \
		"$STAFCTL" status
	check_json "stafctl ls -o json, no controllers" "$EXPECTED/stafctl-ls.zero-noavahi.txt" \
		"$STAFCTL" ls -o json
fi

# stafd without its debug interface: what needs it fails, the rest works.
if start_fake staf staf --no-debug; then
	check_output "stafctl ls without debug interface" "$EXPECTED/stafctl-ls.txt" "$STAFCTL" ls
	check_fails "stafctl tron without debug interface" 1 "$NO_STAFD" "$STAFCTL" tron
	check_fails "stafctl status without debug interface" 1 "$NO_STAFD" "$STAFCTL" status
fi
stop_fake

# ---------------------------------------------------------------------------
# stacctl

if start_fake stac stac; then
	check_output "stacctl ls" "$EXPECTED/stacctl-ls.txt" "$STACCTL" ls
	check_output "stacctl ls -d" "$EXPECTED/stacctl-ls-d.txt" "$STACCTL" ls -d
	check_output "stacctl status: process_info + controllers + controller_info" \
		"$EXPECTED/stacctl-status.txt" "$STACCTL" status
	check_json "stacctl ls -o json" "$EXPECTED/stacctl-ls.txt" "$STACCTL" ls -o json
	check_json "stacctl ls -d -o json" "$EXPECTED/stacctl-ls-d.txt" "$STACCTL" ls -d -ojson
	check_json "stacctl status -o json" "$EXPECTED/stacctl-status.txt" "$STACCTL" status -o json
	check_output "stacctl tron" "$EXPECTED/stacctl-tron.txt" "$STACCTL" tron
	check_output "stacctl troff" "$EXPECTED/stacctl-troff.txt" "$STACCTL" troff
	check_fails "stafctl while only stacd runs" 1 "$NO_STAFD" "$STAFCTL" ls
fi

if start_fake stac stac-empty; then
	check_output "stacctl ls, no controllers" "$EXPECTED/stacctl-ls.zero-noavahi.txt" "$STACCTL" ls
	check_output "stacctl ls -d, no controllers" "$EXPECTED/stacctl-ls-d.zero-noavahi.txt" "$STACCTL" ls -d
	check_output "stacctl status, no controllers" "$EXPECTED/stacctl-status.zero-noavahi.txt" \
		"$STACCTL" status
fi
stop_fake

# ---------------------------------------------------------------------------
# No daemon on the bus, then no bus at all: one line on stderr, exit 1.

for cmd in ls "ls -d" status adlp "dlp -a 10.99.0.2 -s 8009" tron troff "ls -o json"; do
	# shellcheck disable=SC2086 # the command's words
	check_fails "stafctl $cmd, stafd not running" 1 "$NO_STAFD" "$STAFCTL" $cmd
done
for cmd in ls status tron troff; do
	# shellcheck disable=SC2086
	check_fails "stacctl $cmd, stacd not running" 1 "$NO_STACD" "$STACCTL" $cmd
done
check_fails "stafctl ls, no bus" 1 "$NO_STAFD" \
	env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/no-such-bus" "$STAFCTL" ls
check_fails "stacctl status, no bus" 1 "$NO_STACD" \
	env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/no-such-bus" "$STACCTL" status
check_fails "stafctl ls, unusable bus address" 1 "$NO_STAFD" \
	env DBUS_SYSTEM_BUS_ADDRESS="garbage" "$STAFCTL" ls

# ---------------------------------------------------------------------------
# The command line, as argparse treats it (no daemon needed).

VERSION_RE='^nvme-stas [0-9]+\.[0-9]+'
for prog in "$STAFCTL" "$STACCTL"; do
	name=$(basename "$prog")
	for opt in -v --version --vers; do
		run "$prog" $opt
		if [ "$RC" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] && grep -Eq "$VERSION_RE" "$OUT" && [ ! -s "$ERR" ]; then
			pass "$name $opt"
		else
			fail "$name $opt" "exit status $RC; stdout: $(cat "$OUT"); stderr: $(cat "$ERR")"
		fi
	done
	run "$prog" -v ls
	if [ "$RC" -eq 0 ] && grep -Eq "$VERSION_RE" "$OUT"; then
		pass "$name -v ls prints the version only"
	else
		fail "$name -v ls prints the version only" "exit status $RC; stderr: $(cat "$ERR")"
	fi
	run "$prog" -h
	if [ "$RC" -eq 0 ] && head -n 1 "$OUT" | grep -q "^usage: $name \[-h\] \[-v\]" &&
		grep -q '^Commands:$' "$OUT" && [ ! -s "$ERR" ]; then
		pass "$name -h"
	else
		fail "$name -h" "exit status $RC; stdout: $(head -n 3 "$OUT")"
	fi
	run "$prog" ls --help
	if [ "$RC" -eq 0 ] && [ "$(head -n 1 "$OUT")" = "usage: $name ls [-h] [-d] [-o {normal,json}]" ]; then
		pass "$name ls --help"
	else
		fail "$name ls --help" "exit status $RC; stdout: $(head -n 3 "$OUT")"
	fi
done

check_text "stafctl without command: usage on stdout, exit 1" 1 "$STAFCTL_USAGE" "$STAFCTL"
check_text "stacctl without command: usage on stdout, exit 1" 1 "$STACCTL_USAGE" "$STACCTL"
check_text "stafctl -h with the whole help" 0 "$STAFCTL_USAGE

STorage Appliance Finder (STAF)

options:
  -h, --help            show this help message and exit
  -v, --version         Print version, then exit

Commands:
  {tron,troff,status,ls,dlp,adlp,explain,metrics}
    tron                Trace ON
    troff               Trace OFF
    status              Show runtime status information about stafd
    ls                  List discovery controllers
    dlp                 Show discovery log pages
    adlp                Show all discovery log pages
    explain             Explain why each matching controller is or is not
                        connected
    metrics             Print the daemon's counters in the Prometheus text
                        format" "$STAFCTL" -h

run "$STAFCTL" version
if [ "$RC" -eq 2 ] && cmp -s "$EXPECTED/stafctl-version.stderr.txt" "$ERR" && [ ! -s "$OUT" ]; then
	pass "stafctl version: the recorded argparse error"
else
	fail "stafctl version: the recorded argparse error" "exit status $RC; stderr: $(cat "$ERR")"
fi
run "$STAFCTL" dlp
if [ "$RC" -eq 2 ] && [ "$(cat "$ERR")" = "usage: stafctl dlp [-h] [-t <trtype>] -a <traddr> -s <trsvcid> [-w <traddr>]
                   [-f <iface>] [-q <nqn>] [-n <nqn>] [-o {normal,json}]
stafctl dlp: error: the following arguments are required: -a/--traddr, -s/--trsvcid" ]; then
	pass "stafctl dlp without -a and -s: wrapped usage and error"
else
	fail "stafctl dlp without -a and -s: wrapped usage and error" "exit status $RC; stderr: $(cat "$ERR")"
fi
check_usage_error "stafctl unknown command" \
	"stafctl: error: argument {tron,troff,status,ls,dlp,adlp,explain,metrics}: invalid choice: 'bogus' (choose from 'tron', 'troff', 'status', 'ls', 'dlp', 'adlp', 'explain', 'metrics')" \
	"$STAFCTL" bogus
check_usage_error "stacctl has no dlp" \
	"stacctl: error: argument {tron,troff,status,ls,explain,metrics}: invalid choice: 'dlp' (choose from 'tron', 'troff', 'status', 'ls', 'explain', 'metrics')" \
	"$STACCTL" dlp -a 1 -s 2
check_usage_error "stafctl ls with an unknown option" "stafctl: error: unrecognized arguments: -x" \
	"$STAFCTL" ls -x
check_usage_error "stafctl ls with an argument" "stafctl: error: unrecognized arguments: extra" \
	"$STAFCTL" ls extra
check_usage_error "stafctl -v after the command is unknown to it" \
	"stafctl: error: unrecognized arguments: -v" "$STAFCTL" ls -v
check_usage_error "stafctl dlp -a without value" \
	"stafctl dlp: error: argument -a/--traddr: expected one argument" "$STAFCTL" dlp -s 8009 -a
check_usage_error "stafctl dlp -t outside the choices" \
	"stafctl dlp: error: argument -t/--transport: invalid choice: 'udp' (choose from 'tcp', 'rdma', 'fc', 'loop')" \
	"$STAFCTL" dlp -t udp -a 10.99.0.2 -s 8009
check_usage_error "stafctl dlp ambiguous abbreviation" \
	"stafctl dlp: error: ambiguous option: --tr could match --transport, --traddr, --trsvcid" \
	"$STAFCTL" dlp --tr tcp -a 10.99.0.2 -s 8009
check_usage_error "stafctl ls -o outside the choices" \
	"stafctl ls: error: argument -o/--output-format: invalid choice: 'xml' (choose from 'normal', 'json')" \
	"$STAFCTL" ls -o xml
check_usage_error "stafctl tron -o is not an option of tron" "stafctl: error: unrecognized arguments: -o json" \
	"$STAFCTL" tron -o json
check_usage_error "stafctl ls -d takes no value" \
	"stafctl ls: error: argument -d/--detailed: ignored explicit argument 'x'" "$STAFCTL" ls -dx
check_usage_error "stacctl status with an argument" "stacctl: error: unrecognized arguments: now" \
	"$STACCTL" status now

# D-Bus strings are UTF-8: other bytes are a usage error, not a GLib-CRITICAL
# followed by "Is stafd running?" (fuzz F10).
check_usage_error "stafctl dlp -a not UTF-8: a usage error" \
	"stafctl dlp: error: argument -a/--traddr: not UTF-8 text: '\\xff\\xfe'" \
	"$STAFCTL" dlp -t tcp -a $'\xff\xfe' -s 8009
check_usage_error "stafctl dlp -n not UTF-8: a usage error" \
	"stafctl dlp: error: argument -n/--nqn: not UTF-8 text: 'nqn.\\xc3('" \
	"$STAFCTL" dlp -a 10.99.0.2 -s 8009 -n $'nqn.\xc3('
check_usage_error "stafctl dlp -q not UTF-8: a usage error" \
	"stafctl dlp: error: argument -q/--host-nqn: not UTF-8 text: '\\x80'" \
	"$STAFCTL" dlp -a 10.99.0.2 -s 8009 -q $'\x80'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
