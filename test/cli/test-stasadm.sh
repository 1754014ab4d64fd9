#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# stasadm driven from the outside, as an administrator would run it.
# Usage: test-stasadm.sh /path/to/stasadm
#
# Every path stasadm reads or writes is relocated into a temporary directory
# with the STAS_* environment variables, so the test never touches /etc,
# /sys or /proc. Prints one PASS/FAIL line per check, then "N passed, M failed".
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 /path/to/stasadm" >&2
	exit 2
fi
STASADM=$(realpath "$1")

WORK=$(mktemp -d) || exit 1
cleanup() {
	chmod -R u+rwx "$WORK" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

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

NQN_PREFIX='nqn.2014-08.org.nvmexpress:uuid:'
V4_RE='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
# HMAC key "$nvmexpress.org$" in hex.
APP_KEY_HEX=246e766d657870726573732e6f726724

# ---------------------------------------------------------------------------
# Helpers

# A fresh private tree for one scenario; every STAS_* path points into it.
CASE=
ncase=0
new_case() {
	ncase=$((ncase + 1))
	CASE=$WORK/case$ncase
	mkdir -p "$CASE/etc"
	export STAS_CONF_DIR=$CASE/etc
	export STAS_NVME_DIR=$CASE/nvme
	export STAS_MACHINE_ID_FILE=$CASE/machine-id
	export STAS_DMI_PRODUCT_UUID_FILE=$CASE/product_uuid
	export STAS_DT_PARTITION_UUID_FILE=$CASE/partition-uuid
	SYSCONF=$CASE/etc/sys.conf
}

# Runs stasadm (or, with RUNNER set, the command in RUNNER followed by
# stasadm's arguments); sets RC, OUT and ERR.
RUNNER=()
run() {
	if [ ${#RUNNER[@]} -gt 0 ]; then
		"${RUNNER[@]}" "$@" >"$WORK/out" 2>"$WORK/err"
	else
		"$STASADM" "$@" >"$WORK/out" 2>"$WORK/err"
	fi
	RC=$?
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
}

expect_rc() { # DESC EXPECTED
	if [ "$RC" -eq "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit status $RC, expected $2; stderr: $ERR"
	fi
}

expect_eq() { # DESC ACTUAL EXPECTED
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', expected '$3'"
	fi
}

expect_ne() { # DESC A B
	if [ "$2" != "$3" ]; then
		pass "$1"
	else
		fail "$1" "both are '$2'"
	fi
}

expect_match() { # DESC STRING ERE
	if [[ $2 =~ $3 ]]; then
		pass "$1"
	else
		fail "$1" "'$2' does not match /$3/"
	fi
}

expect_contains() { # DESC STRING SUBSTRING
	if [[ $2 == *"$3"* ]]; then
		pass "$1"
	else
		fail "$1" "'$2' does not contain '$3'"
	fi
}

# Exact contents, trailing newlines included.
expect_file() { # DESC PATH CONTENTS
	if [ ! -f "$2" ]; then
		fail "$1" "$2 does not exist"
	elif printf '%s' "$3" | cmp -s - "$2"; then
		pass "$1"
	else
		fail "$1" "$2 contains '$(cat "$2")'"
	fi
}

expect_absent() { # DESC PATH
	if [ -e "$2" ] || [ -L "$2" ]; then
		fail "$1" "$2 exists"
	else
		pass "$1"
	fi
}

# No temporary files left behind in a directory.
expect_no_temp() { # DESC DIR
	local leftovers
	leftovers=$(find "$2" -maxdepth 1 -name '.*.??????' 2>/dev/null)
	if [ -z "$leftovers" ]; then
		pass "$1"
	else
		fail "$1" "left behind: $leftovers"
	fi
}

# Option VALUE of section [Host] in a canonical sys.conf ("key = value").
host_option() { # FILE KEY
	awk -v key="$2" '
		/^\[/ { in_host = ($0 == "[Host]"); next }
		in_host && index($0, key " = ") == 1 { print substr($0, length(key) + 4) }
	' "$1"
}

# The UUID stasadm must derive from a machine ID (32 hex digits), computed
# here independently: HMAC-SHA256(key "$nvmexpress.org$", the 16 bytes of
# the machine ID), first 16 bytes, version 4 and RFC 4122 variant forced.
expected_uuid() { # MACHINE_ID_HEX
	local mid digest b6 b8
	mid=$(printf '%s' "$1" | tr 'A-F' 'a-f')
	if command -v openssl >/dev/null 2>&1; then
		digest=$(printf '%b' "$(printf '%s' "$mid" | sed 's/../\\x&/g')" |
			openssl dgst -sha256 -mac HMAC -macopt "hexkey:$APP_KEY_HEX" | awk '{ print $NF }')
	elif command -v python3 >/dev/null 2>&1; then
		digest=$(python3 -c 'import hashlib, hmac, sys
print(hmac.new(bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), hashlib.sha256).hexdigest())' \
			"$APP_KEY_HEX" "$mid")
	else
		return 1
	fi
	[ ${#digest} -eq 64 ] || return 1
	b6=$(printf '%02x' $(((16#${digest:12:2} & 0x0f) | 0x40)))
	b8=$(printf '%02x' $(((16#${digest:16:2} & 0x3f) | 0x80)))
	digest=${digest:0:12}$b6${digest:14:2}$b8${digest:18:14}
	printf '%s-%s-%s-%s-%s\n' "${digest:0:8}" "${digest:8:4}" "${digest:12:4}" "${digest:16:4}" "${digest:20:12}"
}

# The Host NQN recorded by the last run in sys.conf.
sysconf_uuid() {
	local nqn
	nqn=$(host_option "$SYSCONF" nqn)
	printf '%s\n' "${nqn#"$NQN_PREFIX"}"
}

IS_ROOT=false
[ "$(id -u)" -eq 0 ] && IS_ROOT=true

# ---------------------------------------------------------------------------
# Command line

new_case
run -v
expect_rc "-v exits 0" 0
expect_match "-v prints 'nvme-stas <version>'" "$OUT" '^nvme-stas [0-9][^[:space:]]*$'
VERSION_LINE=$OUT
run --version
expect_rc "--version exits 0" 0
expect_eq "--version prints the same line as -v" "$OUT" "$VERSION_LINE"
expect_absent "-v writes no sys.conf" "$SYSCONF"

run -h
expect_rc "-h exits 0" 0
expect_match "-h prints the usage on stdout" "$OUT" '^usage: stasadm '
for cmd in hostnqn hostid set-symname clear-symname; do
	expect_contains "-h lists command $cmd" "$OUT" "$cmd"
done
run --help
expect_rc "--help exits 0" 0
for cmd in hostnqn hostid set-symname clear-symname; do
	run "$cmd" -h
	expect_rc "$cmd -h exits 0" 0
	expect_match "$cmd -h prints its usage" "$OUT" "^usage: stasadm $cmd "
done
expect_absent "help writes no sys.conf" "$SYSCONF"

run
expect_rc "no command exits 1" 1
expect_match "no command prints the usage" "$OUT$ERR" 'usage: stasadm '
expect_absent "no command writes no sys.conf" "$SYSCONF"

run --bogus hostid
expect_rc "unknown option exits 2" 2
expect_match "unknown option prints the usage on stderr" "$ERR" '^usage: stasadm '
run -x
expect_rc "unknown short option exits 2" 2
run bogus
expect_rc "unknown command exits 2" 2
expect_contains "unknown command is named on stderr" "$ERR" "bogus"
run set-symname
expect_rc "set-symname without SYMNAME exits 2" 2
expect_contains "set-symname without SYMNAME says what is missing" "$ERR" "SYMNAME"
run set-symname a b
expect_rc "set-symname with two names exits 2" 2
run hostid extra
expect_rc "hostid with an extra argument exits 2" 2
run -c
expect_rc "-c without FILE exits 2" 2
run hostid -f
expect_rc "-f without FILE exits 2" 2
run clear-symname -f "$CASE/x"
expect_rc "clear-symname has no -f option (exit 2)" 2
run hostid -c "$CASE/other.conf"
expect_rc "-c after the command is rejected (exit 2)" 2
run -v bogus
expect_rc "-v with an unknown command still exits 2" 2
expect_absent "usage errors write no sys.conf" "$SYSCONF"
expect_absent "usage errors write no file" "$CASE/x"

# ---------------------------------------------------------------------------
# hostnqn from the machine ID

MID1=0123456789abcdef0123456789abcdef
MID2=fedcba9876543210fedcba9876543210
# Value computed with Python's uuid/hmac modules, as nvme-stas does.
KNOWN1=f2782346-4809-484a-9a8b-952a04b57ba4

new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
run hostnqn
expect_rc "hostnqn exits 0" 0
expect_eq "hostnqn prints nothing on stdout" "$OUT" ""
expect_eq "hostnqn from machine ID $MID1 gives the known UUID" "$(sysconf_uuid)" "$KNOWN1"
if EXP1=$(expected_uuid "$MID1"); then
	expect_eq "independent HMAC computation agrees with the known UUID" "$EXP1" "$KNOWN1"
else
	echo "SKIP: neither openssl nor python3 available to compute the HMAC"
fi
expect_file "sys.conf has [Host] nqn = <literal NQN> without -f" "$SYSCONF" \
	"[Host]
nqn = $NQN_PREFIX$KNOWN1

"
FIRST=$(sysconf_uuid)
run hostnqn
expect_eq "hostnqn is deterministic across runs" "$(sysconf_uuid)" "$FIRST"

printf '%s\n' "$MID2" >"$STAS_MACHINE_ID_FILE"
run hostnqn
expect_ne "a different machine ID gives a different UUID" "$(sysconf_uuid)" "$FIRST"
if EXP2=$(expected_uuid "$MID2"); then
	expect_eq "hostnqn from machine ID $MID2 matches the independent HMAC" "$(sysconf_uuid)" "$EXP2"
fi

# Upper-case hex denotes the same 128-bit value.
printf '%s\n' "${MID1^^}" >"$STAS_MACHINE_ID_FILE"
run hostnqn
expect_eq "upper-case machine ID gives the same UUID" "$(sysconf_uuid)" "$KNOWN1"

# Only the first 32 characters count; no newline needed.
printf '%s' "${MID1}trailing garbage" >"$STAS_MACHINE_ID_FILE"
run hostnqn
expect_eq "only the first 32 characters of machine-id are used" "$(sysconf_uuid)" "$KNOWN1"

# Version and variant bits, over machine IDs that exercise every byte value class.
for mid in 00000000000000000000000000000000 ffffffffffffffffffffffffffffffff \
	0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5 \
	8c1e4b2d7f3a9e60c5d2b1a0f9e8d7c6; do
	printf '%s\n' "$mid" >"$STAS_MACHINE_ID_FILE"
	run hostnqn
	got=$(sysconf_uuid)
	expect_match "UUID from machine ID $mid is a lower-case v4 RFC 4122 UUID" "$got" "$V4_RE"
	if exp=$(expected_uuid "$mid"); then
		expect_eq "UUID from machine ID $mid matches the independent HMAC" "$got" "$exp"
	fi
done

# -f: the file gets the value and a newline; sys.conf refers to it.
new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
run hostnqn -f "$CASE/hostnqn"
expect_rc "hostnqn -f exits 0" 0
expect_file "hostnqn -f writes the NQN and a newline" "$CASE/hostnqn" "$NQN_PREFIX$KNOWN1
"
expect_file "hostnqn -f records nqn = file://FILE" "$SYSCONF" "[Host]
nqn = file://$CASE/hostnqn

"
expect_eq "hostnqn -f file has mode 0644" "$(stat -c %a "$CASE/hostnqn")" "644"
expect_no_temp "no temporary files are left in the conf directory" "$CASE/etc"
expect_no_temp "no temporary files are left next to the -f file" "$CASE"

# Option syntaxes of argparse.
new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
run --conf-file="$CASE/a.conf" hostnqn --file="$CASE/a.nqn"
expect_rc "--conf-file=FILE and --file=FILE are accepted" 0
expect_file "--conf-file=FILE names the sys.conf to update" "$CASE/a.conf" "[Host]
nqn = file://$CASE/a.nqn

"
run "-c$CASE/b.conf" hostnqn "-f$CASE/b.nqn"
expect_rc "-cFILE and -fFILE are accepted" 0
expect_file "-cFILE names the sys.conf to update" "$CASE/b.conf" "[Host]
nqn = file://$CASE/b.nqn

"
run --conf "$CASE/c.conf" hostnqn --fi "$CASE/c.nqn"
expect_rc "unique prefixes of long options are accepted" 0
expect_file "--conf FILE (abbreviated) names the sys.conf" "$CASE/c.conf" "[Host]
nqn = file://$CASE/c.nqn

"
expect_absent "the default sys.conf is untouched when -c is given" "$SYSCONF"

# -c "" disables the sys.conf update.
new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
run -c "" hostnqn -f "$CASE/hostnqn"
expect_rc "-c '' hostnqn -f exits 0" 0
expect_absent "-c '' writes no sys.conf" "$SYSCONF"
expect_file "-c '' still writes the -f file" "$CASE/hostnqn" "$NQN_PREFIX$KNOWN1
"
run -c "" hostid
expect_rc "-c '' hostid without -f exits 0" 0
expect_absent "-c '' hostid writes nothing" "$SYSCONF"

# -f through a symbolic link writes the target and keeps the link.
new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
mkdir "$CASE/real"
printf 'old\n' >"$CASE/real/hostnqn"
chmod 600 "$CASE/real/hostnqn"
ln -s real/hostnqn "$CASE/link"
run hostnqn -f "$CASE/link"
expect_rc "hostnqn -f through a symbolic link exits 0" 0
if [ -L "$CASE/link" ]; then pass "the symbolic link is kept"; else fail "the symbolic link is kept"; fi
expect_file "the target of the link is written" "$CASE/real/hostnqn" "$NQN_PREFIX$KNOWN1
"
expect_eq "an existing file keeps its mode" "$(stat -c %a "$CASE/real/hostnqn")" "600"

# A dangling link is written through too (as open(2) would): the link stays,
# its target is created; nvme-stas's open(FILE, "w") did the same.
new_case
mkdir "$CASE/real"
ln -s real/hostid "$CASE/dangling"
run -c "" hostid -f "$CASE/dangling"
expect_rc "hostid -f through a dangling link exits 0" 0
if [ -L "$CASE/dangling" ]; then pass "the dangling link is kept, not replaced by a file"; else fail "the dangling link is kept, not replaced by a file"; fi
expect_match "the target of the dangling link is created" "$(cat "$CASE/real/hostid" 2>/dev/null)" "$V4_RE"
ln -s nowhere/hostid "$CASE/dangling2"
run -c "" hostid -f "$CASE/dangling2"
expect_rc "a dangling link into a missing directory exits 1" 1
if [ -L "$CASE/dangling2" ]; then pass "that link is left as it was"; else fail "that link is left as it was"; fi

# fs.protected_symlinks: a link that another user planted in a sticky,
# world-writable directory is never followed (root would else overwrite
# whatever it points at, /etc/shadow for instance).
if $IS_ROOT && id nobody >/dev/null 2>&1; then
	new_case
	mkdir -m 1777 "$CASE/tmp"
	printf 'precious\n' >"$CASE/secret"
	chmod 600 "$CASE/secret"
	ln -s "$CASE/secret" "$CASE/tmp/planted"
	chown -h nobody "$CASE/tmp/planted"
	run -c "" hostid -f "$CASE/tmp/planted"
	expect_rc "a nobody-owned link in a 1777 directory is refused (exit 1)" 1
	expect_contains "the refusal says why" "$ERR" "symbolic link"
	expect_file "the link's target is untouched" "$CASE/secret" "precious
"
	run -c "$CASE/tmp/planted" hostid
	expect_rc "the same link as -c is refused too" 1
	expect_file "the link's target is still untouched" "$CASE/secret" "precious
"
	ln -s "$CASE/secret" "$CASE/tmp/mine"
	run -c "" hostid -f "$CASE/tmp/mine"
	expect_rc "root's own link in the same directory is followed" 0
	expect_match "root's own link wrote its target" "$(cat "$CASE/secret")" "$V4_RE"
else
	echo "SKIP: protected-symlink checks need root and a 'nobody' user"
fi

# stas-config@hostnqn and @hostid run in parallel at first boot; each
# rewrites sys.conf, and neither may lose the other's line.
new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
lost=0
for i in $(seq 1 20); do
	rm -f "$SYSCONF"
	"$STASADM" hostnqn -f "$CASE/hostnqn" &
	"$STASADM" hostid -f "$CASE/hostid" &
	"$STASADM" set-symname "host $i" &
	wait
	[ "$(grep -cE '^(nqn|id|symname) = ' "$SYSCONF")" = 3 ] || lost=$((lost + 1))
done
expect_eq "parallel runs on one sys.conf lose no update (20 rounds of 3)" "$lost" 0

# FIFOs never make stasadm wait.
new_case
mkfifo "$CASE/fifo"
RUNNER=(timeout 20 "$STASADM")
run -c "$CASE/fifo" hostid
expect_rc "a FIFO as sys.conf is refused at once (exit 1)" 1
run -c "" hostid -f "$CASE/fifo"
expect_rc "a FIFO without a reader as -f is refused at once (exit 1)" 1
RUNNER=()

# -f to a pipe (special file) is written in place.
new_case
got=$("$STASADM" -c "" hostid -f /dev/stdout 2>/dev/null | cat)
expect_match "hostid -f /dev/stdout writes the ID to the pipe" "$got" "$V4_RE"

# ---------------------------------------------------------------------------
# Fall-back sources (root only) and the non-root refusal

DMI_IN=4C4C4544-0033-4810-8051-B4C04F4E3133
DMI_OUT=44454C4C-3300-1048-8051-B4C04F4E3133
DMI_IN2=00112233-4455-6677-8899-aabbccddeeff
DMI_OUT2=33221100-5544-7766-8899-aabbccddeeff
DT_UUID=2f5c7b1e-9d43-4a8e-b6c0-31f27e5d9a84

if $IS_ROOT; then
	new_case
	printf '%s\n' "$DMI_IN" >"$STAS_DMI_PRODUCT_UUID_FILE"
	run hostnqn
	expect_rc "hostnqn without machine-id (root) exits 0" 0
	expect_eq "DMI product UUID is reordered from SMBIOS order (case kept)" "$(sysconf_uuid)" "$DMI_OUT"
	printf '%s\n' "$DMI_IN2" >"$STAS_DMI_PRODUCT_UUID_FILE"
	run hostnqn
	expect_eq "DMI product UUID reordering, second pair" "$(sysconf_uuid)" "$DMI_OUT2"

	printf '%s\n' "$DMI_IN" >"$STAS_DMI_PRODUCT_UUID_FILE"
	printf '0123456789abcdefXY23456789abcdef\n' >"$STAS_MACHINE_ID_FILE"
	run hostnqn
	expect_rc "machine-id that is not hex: no crash, exit 0" 0
	expect_eq "machine-id that is not hex falls through to DMI" "$(sysconf_uuid)" "$DMI_OUT"

	printf '0123456789abcdef0123456789abcde' >"$STAS_MACHINE_ID_FILE"
	run hostnqn
	expect_rc "machine-id of 31 characters: exit 0" 0
	expect_eq "machine-id of 31 characters falls through to DMI" "$(sysconf_uuid)" "$DMI_OUT"

	: >"$STAS_MACHINE_ID_FILE"
	run hostnqn
	expect_eq "empty machine-id falls through to DMI" "$(sysconf_uuid)" "$DMI_OUT"

	# Device tree: DMI missing or too short.
	rm -f "$STAS_MACHINE_ID_FILE"
	printf '%s\0' "$DT_UUID" >"$STAS_DT_PARTITION_UUID_FILE"
	printf '4C4C4544-0033\n' >"$STAS_DMI_PRODUCT_UUID_FILE"
	run hostnqn
	expect_rc "hostnqn from the device tree exits 0" 0
	expect_eq "a short DMI UUID falls through to the device tree" "$(sysconf_uuid)" "$DT_UUID"
	rm -f "$STAS_DMI_PRODUCT_UUID_FILE"
	run hostnqn
	expect_eq "no DMI UUID: the device-tree partition UUID is used" "$(sysconf_uuid)" "$DT_UUID"

	# Random.
	printf '2f5c7b1e' >"$STAS_DT_PARTITION_UUID_FILE"
	run hostnqn
	expect_rc "hostnqn with no source exits 0" 0
	R1=$(sysconf_uuid)
	expect_match "random fall-back is a lower-case v4 UUID" "$R1" "$V4_RE"
	rm -f "$STAS_DT_PARTITION_UUID_FILE"
	run hostnqn
	R2=$(sysconf_uuid)
	expect_match "random fall-back (no files at all) is a v4 UUID" "$R2" "$V4_RE"
	expect_ne "random fall-back differs between runs" "$R1" "$R2"
else
	echo "SKIP: DMI/device-tree/random fall-backs need root"
fi

# Unprivileged runs: as root, through setpriv or su; otherwise directly.
UNPRIV=()
if $IS_ROOT; then
	if command -v setpriv >/dev/null 2>&1; then
		UNPRIV=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	elif command -v su >/dev/null 2>&1; then
		# shellcheck disable=SC2016 # expanded by the inner shell
		UNPRIV=(su nobody -s /bin/sh -c 'exec "$0" "$@"')
	fi
else
	UNPRIV=(env)
fi

if [ ${#UNPRIV[@]} -gt 0 ]; then
	# A tree the unprivileged user can reach, with a copy of the program.
	chmod 755 "$WORK"
	PUB=$WORK/pub
	mkdir -p "$PUB/bin" "$PUB/rw" "$PUB/ro"
	cp "$STASADM" "$PUB/bin/stasadm"
	chmod 755 "$PUB" "$PUB/bin" "$PUB/bin/stasadm"
	chmod 777 "$PUB/rw"
	chmod 555 "$PUB/ro"
	RUNNER=("${UNPRIV[@]}" "$PUB/bin/stasadm")

	new_case
	chmod -R 755 "$CASE"
	printf '%s\n' "$DMI_IN" >"$STAS_DMI_PRODUCT_UUID_FILE"
	run hostnqn
	expect_rc "non-root without machine-id exits 1" 1
	expect_eq "non-root without machine-id: exact message" "$ERR" "Permission denied. Root privileges required."
	expect_eq "non-root without machine-id: nothing on stdout" "$OUT" ""
	expect_absent "non-root refusal writes no sys.conf" "$SYSCONF"

	printf '0123456789abcdefXY23456789abcdef\n' >"$STAS_MACHINE_ID_FILE"
	run hostnqn
	expect_rc "non-root with a non-hex machine-id exits 1 (no crash)" 1
	expect_eq "non-root with a non-hex machine-id: message last" "$(tail -n 1 "$WORK/err")" \
		"Permission denied. Root privileges required."

	printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
	run -c "" hostnqn -f "$PUB/rw/hostnqn"
	expect_rc "non-root with a machine-id exits 0" 0
	expect_file "non-root derives the same UUID from the machine ID" "$PUB/rw/hostnqn" "$NQN_PREFIX$KNOWN1
"

	# sys.conf in a read-only directory; the -f file must not be written either.
	run -c "$PUB/ro/sys.conf" hostid -f "$PUB/rw/hostid"
	expect_rc "sys.conf in a read-only directory exits 1" 1
	expect_contains "the error names sys.conf" "$ERR" "$PUB/ro/sys.conf"
	expect_contains "the error gives the OS error" "$ERR" "Permission denied"
	expect_absent "nothing is written when sys.conf cannot be" "$PUB/rw/hostid"
	expect_no_temp "no temporary file is left next to the -f file" "$PUB/rw"

	# Unreadable sys.conf.
	printf '[Host]\nid = keep\n' >"$PUB/rw/sys.conf"
	chmod 000 "$PUB/rw/sys.conf"
	run -c "$PUB/rw/sys.conf" hostid
	expect_rc "unreadable sys.conf exits 1" 1
	expect_contains "the error names the unreadable sys.conf" "$ERR" "$PUB/rw/sys.conf"
	chmod 644 "$PUB/rw/sys.conf"
	expect_file "the unreadable sys.conf is left alone" "$PUB/rw/sys.conf" "[Host]
id = keep
"
	RUNNER=()
else
	echo "SKIP: neither setpriv nor su available to run as an unprivileged user"
fi

# ---------------------------------------------------------------------------
# hostid

new_case
run hostid
expect_rc "hostid exits 0" 0
expect_eq "hostid prints nothing on stdout" "$OUT" ""
ID1=$(host_option "$SYSCONF" id)
expect_match "hostid is a lower-case v4 UUID" "$ID1" "$V4_RE"
expect_file "hostid records [Host] id = <literal ID>" "$SYSCONF" "[Host]
id = $ID1

"
run hostid -f "$CASE/hostid"
expect_rc "hostid -f exits 0" 0
ID2=$(head -n 1 "$CASE/hostid")
expect_match "hostid -f writes a v4 UUID" "$ID2" "$V4_RE"
expect_file "hostid -f writes the ID and a newline" "$CASE/hostid" "$ID2
"
expect_ne "hostid differs between runs" "$ID1" "$ID2"
expect_file "hostid -f records id = file://FILE" "$SYSCONF" "[Host]
id = file://$CASE/hostid

"
expect_eq "hostid -f file has mode 0644" "$(stat -c %a "$CASE/hostid")" "644"

# ---------------------------------------------------------------------------
# set-symname / clear-symname and an existing sys.conf

new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
run hostnqn
run hostid -f "$CASE/hostid"
run set-symname "my host name"
expect_rc "set-symname exits 0" 0
expect_eq "set-symname prints nothing on stdout" "$OUT" ""
expect_eq "symname keeps its spaces" "$(host_option "$SYSCONF" symname)" "my host name"
expect_file "set-symname adds to the existing [Host]" "$SYSCONF" "[Host]
nqn = $NQN_PREFIX$KNOWN1
id = file://$CASE/hostid
symname = my host name

"
run set-symname "other name"
expect_eq "set-symname replaces the old name" "$(host_option "$SYSCONF" symname)" "other name"
expect_eq "set-symname leaves a single symname line" "$(grep -c '^symname' "$SYSCONF")" "1"

run clear-symname
expect_rc "clear-symname exits 0" 0
expect_file "clear-symname removes symname and keeps the rest" "$SYSCONF" "[Host]
nqn = $NQN_PREFIX$KNOWN1
id = file://$CASE/hostid

"
run clear-symname
expect_rc "clear-symname without a symname exits 0" 0

run set-symname -f "$CASE/symname" "my host name"
expect_rc "set-symname -f exits 0" 0
expect_file "set-symname -f writes the name and a newline" "$CASE/symname" "my host name
"
expect_eq "set-symname -f records symname = file://FILE" "$(host_option "$SYSCONF" symname)" "file://$CASE/symname"
run set-symname "second name" --file "$CASE/symname2"
expect_rc "set-symname accepts -f after SYMNAME" 0
expect_file "set-symname with -f after SYMNAME writes the file" "$CASE/symname2" "second name
"
run set-symname -- "-dashed name"
expect_rc "set-symname -- NAME accepts a name starting with '-'" 0
expect_eq "a name starting with '-' is saved" "$(host_option "$SYSCONF" symname)" "-dashed name"

# The daemons drop a name they cannot use; stasadm says so at once instead of
# storing it (fuzz F5, F9).
printf '[Host]\nsymname = kept\n' >"$SYSCONF"
run set-symname "$(head -c 257 /dev/zero | tr '\0' S)"
expect_rc "set-symname refuses a name longer than 256 bytes (exit 1)" 1
expect_contains "the refusal gives the bound" "$ERR" "256 bytes"
expect_eq "sys.conf keeps the old name" "$(host_option "$SYSCONF" symname)" "kept"
run set-symname $'\xff\xfe x'
expect_rc "set-symname refuses a name that is not UTF-8 (exit 1)" 1
expect_contains "the refusal says UTF-8" "$ERR" "UTF-8"
run set-symname $'tab\there'
expect_rc "set-symname refuses control characters (exit 1)" 1
expect_contains "the refusal says control character" "$ERR" "control character"
run set-symname "$(head -c 256 /dev/zero | tr '\0' S)"
expect_rc "set-symname accepts 256 bytes" 0
run set-symname "café à Zürich"
expect_rc "set-symname accepts UTF-8 text" 0
expect_eq "the UTF-8 name is saved" "$(host_option "$SYSCONF" symname)" "café à Zürich"

new_case
run clear-symname
expect_rc "clear-symname without sys.conf exits 0" 0
expect_file "clear-symname creates an empty [Host]" "$SYSCONF" "[Host]

"

# Existing sys.conf with comments, other sections and options.
new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
cat >"$SYSCONF" <<'EOF'
# Site configuration
[Global]
tron = true
; another comment
[Host]
key = file:///etc/nvme/hostkey
symname = lab host
nqn = nqn.old
EOF
run hostnqn
expect_rc "hostnqn on an existing sys.conf exits 0" 0
expect_file "existing sections and options survive, comments are dropped" "$SYSCONF" "[Global]
tron = true

[Host]
key = file:///etc/nvme/hostkey
symname = lab host
nqn = $NQN_PREFIX$KNOWN1

"
run clear-symname
expect_file "clear-symname keeps the other sections and options" "$SYSCONF" "[Global]
tron = true

[Host]
key = file:///etc/nvme/hostkey
nqn = $NQN_PREFIX$KNOWN1

"
expect_no_temp "no temporary files are left after rewriting sys.conf" "$CASE/etc"

# ---------------------------------------------------------------------------
# Errors

new_case
printf '%s\n' "$MID1" >"$STAS_MACHINE_ID_FILE"
printf '[Host]\nid = keep\n' >"$SYSCONF"
run hostnqn -f "$CASE/missing/dir/hostnqn"
expect_rc "-f into a missing directory exits 1" 1
expect_contains "the error names the -f path" "$ERR" "$CASE/missing/dir/hostnqn"
expect_contains "the error gives the OS error" "$ERR" "No such file or directory"
expect_file "sys.conf is untouched when the -f file cannot be written" "$SYSCONF" "[Host]
id = keep
"
expect_no_temp "no temporary file is left in the conf directory" "$CASE/etc"

run hostid -f "$CASE"
expect_rc "-f naming a directory exits 1" 1
expect_contains "the error names the directory" "$ERR" "$CASE"

# A path below a regular file (ENOTDIR even for root).
printf 'not a directory\n' >"$CASE/plain"
run -c "$CASE/plain/sys.conf" hostid -f "$CASE/hostid"
expect_rc "sys.conf below a regular file exits 1" 1
expect_contains "the error names the sys.conf path" "$ERR" "$CASE/plain/sys.conf"
expect_contains "the error gives the OS error (ENOTDIR)" "$ERR" "Not a directory"
expect_absent "the -f file is not written when sys.conf cannot be" "$CASE/hostid"

run -c "$CASE/etc" hostid
expect_rc "sys.conf that is a directory exits 1" 1

run -c "" hostid -f "$CASE/plain/hostid"
expect_rc "-f below a regular file exits 1" 1
expect_contains "the error names the -f path below a file" "$ERR" "$CASE/plain/hostid"

if ! $IS_ROOT; then
	mkdir "$CASE/ro"
	chmod 555 "$CASE/ro"
	run -c "$CASE/ro/sys.conf" hostid
	expect_rc "sys.conf in a read-only directory exits 1 (non-root)" 1
fi

# ---------------------------------------------------------------------------

if [ $((passed + failed)) -eq 0 ]; then
	echo "0 passed, 0 failed"
	exit 1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
