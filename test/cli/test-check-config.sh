#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# stafd/stacd --check-config as an admin runs it: problems on stderr as
# FILE:LINE: message, the effective configuration as JSON on stdout, exit
# 0 (clean), 1 (problems) or 2 (unreadable). No D-Bus, no kernel module.
# Usage: test-check-config.sh STAFD STACD
set -u

STAFD=${1:?usage: $0 STAFD STACD}
STACD=${2:?usage: $0 STAFD STACD}
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# A private host identity and configuration tree; nothing under /etc is read.
export STAS_CONF_DIR=$WORK/etc/stas STAS_NVME_DIR=$WORK/etc/nvme
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus
mkdir -p "$STAS_CONF_DIR" "$STAS_NVME_DIR"
echo "nqn.2014-08.org.nvmexpress:uuid:0c2a5d1e-1c7b-4f0e-9f42-6d3c1f0e2b11" >"$STAS_NVME_DIR/hostnqn"
echo "9a8b7c6d-1234-4abc-8def-0123456789ab" >"$STAS_NVME_DIR/hostid"

# run PROG FILE: sets $rc, $out (stdout) and $err (stderr)
# (never more than 20 s: a FIFO or an endless file must not hang the suite)
run() {
	timeout 20 "$1" --check-config -f "$2" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	out=$(cat "$WORK/out")
	err=$(cat "$WORK/err")
}
# json EXPR: evaluates a Python expression on the parsed stdout as j
json() {
	python3 -c "import json,sys; j=json.load(open('$WORK/out')); sys.exit(0 if ($1) else 1)" 2>/dev/null
}
has_err() { grep -qF -- "$1" "$WORK/err"; }

# ------------------------------------------------------------------ clean files
run "$STAFD" "$SRCDIR/etc/stas/stafd.conf"
check "stafd: shipped stafd.conf is clean (exit 0, nothing on stderr)" test "$rc" = 0 -a -z "$err"
check "stafd: JSON has every stafd section" json "sorted(j) == sorted(['Global','Service Discovery','Discovery controller connection management','Controllers','Host'])"
check "stafd: defaults filled in (kato 30, pleo/zeroconf true, persistence 259200 s)" \
	json "j['Global']['kato'] == 30 and j['Global']['pleo'] is True and j['Service Discovery']['zeroconf'] is True and j['Discovery controller connection management']['zeroconf-connections-persistence'] == 259200"
check "stafd: unset options are null, ip-family is an array" \
	json "j['Global']['queue-size'] is None and j['Global']['disable-sqflow'] is None and j['Global']['ip-family'] == ['ipv4','ipv6']"
check "stafd: no stacd-only option is listed" json "'nr-io-queues' not in j['Global'] and 'I/O controller connection management' not in j"
check "stafd: host identity read from the relocated /etc/nvme" \
	json "j['Host']['nqn'].startswith('nqn.2014-08.org.nvmexpress:uuid:0c2a5d1e') and j['Host']['key'] is False"

run "$STACD" "$SRCDIR/etc/stas/stacd.conf"
check "stacd: shipped stacd.conf is clean" test "$rc" = 0 -a -z "$err"
check "stacd: stacd sections and defaults" \
	json "j['I/O controller connection management'] == {'disconnect-scope':'only-stas-connections','disconnect-trtypes':['tcp'],'connect-attempts-on-ncc':0} and j['Global']['kato'] is None and 'pleo' not in j['Global'] and 'Service Discovery' not in j"

run "$STAFD" "$WORK/does-not-exist.conf"
check "missing file: all defaults, exit 0" test "$rc" = 0 -a -z "$err"

# --------------------------------------------------- a file nvme-stas accepts
cat >"$WORK/stafd.conf" <<'CONF'
[Global]
tron=true
kato = 7 # seconds
queue-size=2000000
ip-family=ipv6
[Service Discovery]
zeroconf=disabled
[Discovery controller connection management]
zeroconf-connections-persistence = 1:01
[Controllers]
controller = transport=tcp;traddr=10.0.0.1;dhchap-secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNDU2MTI=:;hdr-digest=TRUE
controller = transport=tcp;traddr=10.0.0.2;nqn=nqn.1988-11.com.example:cdc
             transport=rdma;traddr=10.0.0.3
exclude = host-iface=eth9
CONF
run "$STAFD" "$WORK/stafd.conf"
check "problems: exit 1" test "$rc" = 1
check "problems: kato's inline comment reported with its line" has_err "$WORK/stafd.conf:3: [Global] kato: invalid value \"7 # seconds\""
check "problems: out-of-range queue-size names the accepted range" has_err "stafd.conf:4: [Global] queue-size: invalid value \"2000000\" (accepted: an integer from 16 to 1024)"
check "problems: defaults are used for invalid values" json "j['Global']['kato'] == 30 and j['Global']['queue-size'] is None"
check "values: tron, ip-family, zeroconf, time span" \
	json "j['Global']['tron'] is True and j['Global']['ip-family'] == ['ipv6'] and j['Service Discovery']['zeroconf'] is False and j['Discovery controller connection management']['zeroconf-connections-persistence'] == 61"
check "controllers: three entries (continuation line included), nqn renamed" \
	json "len(j['Controllers']['controller']) == 3 and j['Controllers']['controller'][1]['subsysnqn'] == 'nqn.1988-11.com.example:cdc' and j['Controllers']['controller'][2]['transport'] == 'rdma'"
check "controllers: secret masked in the JSON, override normalised" \
	json "j['Controllers']['controller'][0]['dhchap-secret'] == '(secret not shown)' and j['Controllers']['controller'][0]['hdr-digest'] == 'true'"
check "controllers: no secret on stdout" bash -c "! grep -q c2VjcmV0 '$WORK/out'"
check "controllers: every value is a string" \
	json "all(isinstance(v, str) for c in j['Controllers']['controller'] for v in c.values())"
check "exclude: array of objects" json "j['Controllers']['exclude'] == [{'host-iface':'eth9'}]"
check "problems: no secret on stderr" bash -c "! grep -q c2VjcmV0 '$WORK/err'"

# -------------------------------------------------- unknown and misplaced things
cat >"$WORK/stacd.conf" <<'CONF'
kato = 5
[Global]
pleo = enabled
nr-io-queues = 4
foo = bar
[Service Discovery]
zeroconf = enabled
[I/O controller connection management]
disconnect-scope = joe
disconnect-trtypes = tcp+bob+rdma
connect-attempts-on-ncc = 1
[Controllers]
controller = transport=tcp;traddr=10.0.0.9;nqn=nqn.x;junk
controller = transport=tcp;traddr=10.0.0.9
blacklist = traddr=1.2.3.4
exclude
CONF
run "$STACD" "$WORK/stacd.conf"
check "stacd: exit 1 on problems" test "$rc" = 1
check "stacd: line before any section" has_err "stacd.conf:1: \"kato = 5\" is outside any valid [Section]"
check "stacd: stafd-only option" has_err "stacd.conf:3: [Global] pleo: not a stacd option"
check "stacd: unknown option lists the valid ones" has_err "stacd.conf:5: [Global] foo: unknown option for stacd (valid in this section: tron,"
check "stacd: stafd-only section" has_err "stacd.conf:6: [Service Discovery] unknown section for stacd"
check "stacd: bad disconnect-scope lists the keywords" has_err "stacd.conf:9: [I/O controller connection management] disconnect-scope: invalid value \"joe\" (accepted: only-stas-connections"
check "stacd: bad trtypes item dropped, others kept" json "j['I/O controller connection management']['disconnect-trtypes'] == ['tcp','rdma']"
check "stacd: ncc 1 counts as 2, nr-io-queues read" json "j['I/O controller connection management']['connect-attempts-on-ncc'] == 2 and j['Global']['nr-io-queues'] == 4"
check "stacd: malformed token reported" has_err "stacd.conf:13: [Controllers] controller: token \"junk\" is not key=value"
check "stacd: controller without nqn reported" has_err "stacd.conf:14: [Controllers] controller: entry has no nqn"
check "stacd: blacklist reported and honoured as exclude" bash -c "grep -qF 'stacd.conf:15: [Controllers] blacklist: not a stacd option' '$WORK/err' && python3 -c \"import json; j=json.load(open('$WORK/out')); assert {'traddr':'1.2.3.4'} in j['Controllers']['exclude']\""
check "stacd: value without '='" has_err "stacd.conf:16: [Controllers] exclude: no '=' and no value"
check "stacd: problems come in line order" bash -c "cut -d: -f2 '$WORK/err' | sort -n -c"

# --------------------------------------------------------------- hostile files
# Fixed pseudo-random bytes, so a failure can be reproduced.
python3 -c "import random,sys; random.seed(7); sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range(4096)))" >"$WORK/junk.conf"
printf '\n[Global]\nkato = 12\n' >>"$WORK/junk.conf"
run "$STAFD" "$WORK/junk.conf"
check "binary junk: reported, not fatal, good line kept" test "$rc" = 1 -a -n "$out"
check "binary junk: JSON still valid and kato read" json "j['Global']['kato'] == 12"

{ printf '[Global]\r\ntron = true\r\n[Controllers]\r\ncontroller = transport=tcp;traddr='; head -c 1000000 /dev/zero | tr '\0' 'a'; printf '\r\n'; } >"$WORK/big.conf"
run "$STAFD" "$WORK/big.conf"
check "CRLF and a 1 MB line: parsed" json "j['Global']['tron'] is True and len(j['Controllers']['controller'][0]['traddr']) == 1000000"

head -c 2097152 /dev/zero | tr '\0' '#' >"$WORK/huge.conf"
run "$STAFD" "$WORK/huge.conf"
check "a file above 1 MiB: exit 2, refused with a clear error" bash -c "test $rc = 2 && grep -qF 'is larger than 1048576 bytes' '$WORK/err'"
mkfifo "$WORK/fifo"
run "$STAFD" "$WORK/fifo"
check "a FIFO as -f: exit 2 at once, not a hang" bash -c "test $rc = 2 && grep -qF 'not a regular file' '$WORK/err'"
run "$STAFD" /dev/zero
check "/dev/zero as -f: exit 2, not an endless read" bash -c "test $rc = 2 && grep -qF 'not a regular file' '$WORK/err'"
run "$STACD" /dev/null
check "/dev/null as -f: an empty file, all defaults, exit 0" test "$rc" = 0 -a -z "$err"

cat >"$WORK/secrets.conf" <<'CONF'
controller = transport=tcp;traddr=10.0.0.1;dhchap-secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTIzNDU2MTI=:
[Global]
kato = DHHC-1:01:b3RoZXJzZWNyZXRvdGhlcnNlY3JldA==:
[Controllers]
controller = transport=tcp;traddr=10.0.0.1;trsvcid=4420;nqn=nqn.x;dhchap-ctrl-secret=DHHC-1:02:Y3RybHNlY3JldGN0cmxzZWNyZXQ=:
CONF
run "$STACD" "$WORK/secrets.conf"
check "secrets: misplaced lines and values reported (exit 1)" bash -c "test $rc = 1 && grep -qF 'secrets.conf:1:' '$WORK/err' && grep -qF 'secrets.conf:3: [Global] kato: invalid value' '$WORK/err'"
check "secrets: none on stderr or stdout" bash -c "! grep -qE 'c2VjcmV0|b3RoZXJz|Y3RybHNl' '$WORK/err' '$WORK/out'"

cat >"$WORK/hints.conf" <<'CONF'
[Controllers]
controller = transport=tcp;traddr=10.0.0.1;nqn=nqn.x
exclude = traddr=2.2.2.2 # the old array
CONF
run "$STACD" "$WORK/hints.conf"
check "stacd: tcp I/O controller without trsvcid is warned (port 8009)" has_err "hints.conf:2: [Controllers] controller: entry has no trsvcid; the I/O controller is connected on port 8009"
check "stacd: a value with an inline comment is warned" has_err "hints.conf:3: [Controllers] exclude: the value contains \" #\""

printf '[Global]\ntron = true' >"$WORK/nonl.conf"
run "$STAFD" "$WORK/nonl.conf"
check "no trailing newline: last line read" json "j['Global']['tron'] is True"

# ------------------------------------------------------------ unreadable files
run "$STAFD" "$WORK"
check "unreadable file (a directory): exit 2 with a message" test "$rc" = 2 -a -n "$err"
mv "$STAS_NVME_DIR/hostnqn" "$STAS_NVME_DIR/hostnqn.away"
run "$STAFD" "$SRCDIR/etc/stas/stafd.conf"
check "missing Host NQN: exit 1 with the daemon's fatal message" bash -c "test $rc = 1 && grep -qF 'Error reading mandatory Host NQN (see stasadm --help): No such file or directory' '$WORK/err'"
mv "$STAS_NVME_DIR/hostnqn.away" "$STAS_NVME_DIR/hostnqn"

# An undefined Host NQN or ID is an error (the daemons refuse to start), not "nqn": null.
cp "$STAS_NVME_DIR/hostnqn" "$WORK/hostnqn.saved"
: >"$STAS_NVME_DIR/hostnqn"
run "$STAFD" "$SRCDIR/etc/stas/stafd.conf"
check "empty /etc/nvme/hostnqn: exit 1 with a clear message" bash -c "test $rc = 1 && grep -qF 'Error reading mandatory Host NQN (see stasadm --help): no value on the first line of $STAS_NVME_DIR/hostnqn' '$WORK/err'"
printf '\n\n' >"$STAS_NVME_DIR/hostnqn"
run "$STACD" "$SRCDIR/etc/stas/stacd.conf"
check "blank /etc/nvme/hostnqn: exit 1" bash -c "test $rc = 1 && grep -qF 'Error reading mandatory Host NQN' '$WORK/err'"
cp "$WORK/hostnqn.saved" "$STAS_NVME_DIR/hostnqn"
printf '[Host]\nnqn =\n' >"$STAS_CONF_DIR/sys.conf"
run "$STACD" "$SRCDIR/etc/stas/stacd.conf"
check "explicit empty 'nqn =': exit 1 with nvme-stas's message" bash -c "test $rc = 1 && grep -qF 'Error Host NQN \"\" should start with \"nqn.\"' '$WORK/err'"
printf '[Host]\nid = file://%s\n' "$WORK/empty-id" >"$STAS_CONF_DIR/sys.conf"
: >"$WORK/empty-id"
run "$STACD" "$SRCDIR/etc/stas/stacd.conf"
check "empty file:// Host ID: exit 1" bash -c "test $rc = 1 && grep -qF 'Error reading mandatory Host ID (see stasadm --help): no value on the first line of $WORK/empty-id' '$WORK/err'"
printf '[Host]\nnqn = file:///dev/zero\n' >"$STAS_CONF_DIR/sys.conf"
run "$STACD" "$SRCDIR/etc/stas/stacd.conf"
check "Host NQN from /dev/zero: exit 1, not an endless read" bash -c "test $rc = 1 && grep -qF 'not a regular file' '$WORK/err'"
printf '[Host]\nkey = file://%s\n' "$WORK/fifo" >"$STAS_CONF_DIR/sys.conf"
run "$STACD" "$SRCDIR/etc/stas/stacd.conf"
check "host key from a FIFO: reported (exit 1), not waited for" bash -c "test $rc = 1 && grep -qF 'not a regular file' '$WORK/err' && python3 -c \"import json; j=json.load(open('$WORK/out')); assert j['Host']['key'] is False\""
printf '[Host]\nsymname = %s\n' "$(head -c 300 /dev/zero | tr '\0' S)" >"$STAS_CONF_DIR/sys.conf"
run "$STACD" "$SRCDIR/etc/stas/stacd.conf"
check "a 300-byte symname: reported and undefined" bash -c "test $rc = 1 && grep -qF 'longer than 256 bytes' '$WORK/err' && python3 -c \"import json; j=json.load(open('$WORK/out')); assert j['Host']['symname'] is None\""
rm -f "$STAS_CONF_DIR/sys.conf"

# ----------------------------------------------------------------- the CLI itself
"$STAFD" --bogus >/dev/null 2>&1
check "bad command line: exit 2" test $? = 2
"$STACD" --version >"$WORK/out" 2>&1
check "--version prints nvme-stas and libnvme versions" bash -c "head -1 '$WORK/out' | grep -q '^nvme-stas ' && sed -n 2p '$WORK/out' | grep -q '^libnvme '"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
