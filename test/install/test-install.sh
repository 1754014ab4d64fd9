#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Install test: what "meson install", the units, the man pages and the
# packages put on a system, checked against SPEC §1.
#
#   test/install/test-install.sh [BUILDDIR]
#
# Configures BUILDDIR (default build-install) with --prefix=/usr and the man
# pages, installs it with --destdir into a temporary root and checks every
# path and mode, that an admin's configuration survives a reinstall and an
# uninstall, that the units pass "systemd-analyze verify" and stay below an
# exposure of 3.0 (nvme-stas's: 8.3), that every man page renders without
# warnings; then builds the .deb (scripts/package.sh, lintian included),
# unpacks it into a throwaway dpkg root and checks the layout and conffiles,
# and builds the .rpm and checks its file list. Prints PASS/FAIL/SKIP lines
# and "N passed, M failed"; exits 1 on any failure.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$TOP/build-install}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/stas-install.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0 failed=0

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; }
# check DESC CMD...: PASS when CMD succeeds, else FAIL with its output
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$desc"; else
		fail "$desc"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /' | head -n 30
	fi
}
finish() {
	echo
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

UNITDIR=/usr/lib/systemd/system
# SPEC §1: path, mode
EXPECTED="
/usr/sbin/stafd 755
/usr/sbin/stacd 755
/usr/bin/stafctl 755
/usr/bin/stacctl 755
/usr/bin/stasadm 755
/etc/stas/stafd.conf 644
/etc/stas/stacd.conf 644
/etc/stas/sys.conf.doc 644
$UNITDIR/stafd.service 644
$UNITDIR/stacd.service 644
$UNITDIR/stas-config.target 644
$UNITDIR/stas-config@.service 644
/usr/share/dbus-1/system.d/org.nvmexpress.staf.conf 644
/usr/share/dbus-1/system.d/org.nvmexpress.stac.conf 644
/usr/share/dbus-1/interfaces/org.nvmexpress.staf.xml 644
/usr/share/dbus-1/interfaces/org.nvmexpress.stac.xml 644
"
MANPAGES="man1/stafctl.1 man1/stacctl.1 man1/stasadm.1 man5/stafd.conf.5 man5/stacd.conf.5
man5/sys.conf.5 man5/org.nvmexpress.staf.5 man5/org.nvmexpress.staf.debug.5
man5/org.nvmexpress.stac.5 man5/org.nvmexpress.stac.debug.5 man7/nvme-stas.7 man8/stafd.8
man8/stacd.8 man8/stafd.service.8 man8/stacd.service.8 man8/stas-config.target.8
man8/stas-config@.service.8"

# ------------------------------------------------------------ meson install
man=false
if command -v xsltproc >/dev/null && xsltproc --nonet --noout \
	http://docbook.sourceforge.net/release/xsl/current/manpages/docbook.xsl "$TOP/doc/man/empty.xml" 2>/dev/null; then
	man=true
	for p in $MANPAGES; do EXPECTED+="/usr/share/man/$p 644"$'\n'; done
else
	skip "man pages: xsltproc or docbook-xsl missing (make deps installs them)"
fi
opts=(--prefix=/usr -Dman=$man -Dtests=false -Dsystemdsystemunitdir=$UNITDIR)
if [ -f "$BUILD/build.ninja" ]; then
	setup=(meson setup --reconfigure "$BUILD" "${opts[@]}")
else
	setup=(meson setup "$BUILD" "${opts[@]}")
fi
if ! out=$(cd "$TOP" && "${setup[@]}" 2>&1 && ninja -C "$BUILD" 2>&1); then
	fail "configure and build $BUILD"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
	finish
fi
pass "configure and build with ${opts[*]}"

D=$T/destdir
check "meson install --destdir" meson install -C "$BUILD" --destdir "$D" --no-rebuild

while read -r path mode; do
	[ -n "$path" ] || continue
	if [ ! -f "$D$path" ]; then
		fail "$path installed"
	elif [ "$(stat -c %a "$D$path")" != "$mode" ]; then
		fail "$path has mode $mode (it has $(stat -c %a "$D$path"))"
	else
		pass "$path, mode $mode"
	fi
done <<<"$EXPECTED"

# nothing else: every installed file is one SPEC §1 lists
extra=$(cd "$D" && find . -type f | sed 's/^\.//' | sort | while read -r f; do
	grep -q "^$f " <<<"$EXPECTED" || echo "$f"
done)
if [ -z "$extra" ]; then pass "no unexpected file installed"; else fail "unexpected files: $extra"; fi
check "no sys.conf installed (stasadm creates it)" test ! -e "$D/etc/stas/sys.conf"
check "units name the installed programs" grep -q '^ExecStart=/usr/sbin/stafd --syslog$' "$D$UNITDIR/stafd.service"
check "stacd unit runs /usr/sbin/stacd" grep -q '^ExecStart=/usr/sbin/stacd --syslog$' "$D$UNITDIR/stacd.service"
check "stas-config@ runs /usr/bin/stasadm on /etc/nvme" \
	grep -q '^ExecStart=/usr/bin/stasadm %i -f /etc/nvme/%i$' "$D$UNITDIR/stas-config@.service"
# unit_has FILE SECTION REGEX: a line of [SECTION] matches REGEX
unit_has() {
	awk -v sec="[$2]" -v re="$3" '/^\[/ { in_sec = ($0 == sec) } in_sec && $0 ~ re { found = 1 } END { exit !found }' "$1"
}
for u in stafd stacd; do
	f=$D$UNITDIR/$u.service
	# SO_RCVBUFFORCE for the 128 MiB udev receive buffer (review-stafd #9)
	check "$u unit keeps CAP_NET_ADMIN in its bounding set" \
		unit_has "$f" Service '^CapabilityBoundingSet=.*CAP_NET_ADMIN'
	check "$u unit restarts a daemon that died" unit_has "$f" Service '^Restart=on-failure$'
	check "$u unit waits before restarting" unit_has "$f" Service '^RestartSec=[1-9]'
	check "$u unit bounds restarts: StartLimitIntervalSec= in [Unit]" \
		unit_has "$f" Unit '^StartLimitIntervalSec=[1-9]'
	check "$u unit bounds restarts: StartLimitBurst= in [Unit]" unit_has "$f" Unit '^StartLimitBurst=[1-9]'
done
not_grep() { ! grep -rq "$@"; }
check "no template placeholder left in units" not_grep '@[A-Z]\+@' "$D$UNITDIR"
if command -v xmllint >/dev/null; then
	check "D-Bus policy and interface files are well-formed XML" \
		xmllint --nonet --noout "$D"/usr/share/dbus-1/system.d/*.conf "$D"/usr/share/dbus-1/interfaces/*.xml
fi

# the admin's configuration survives a reinstall and an uninstall
echo "# edited by the admin" >>"$D/etc/stas/stafd.conf"
cp "$D/etc/stas/stafd.conf" "$T/stafd.conf.edited"
check "meson install again" meson install -C "$BUILD" --destdir "$D" --no-rebuild
check "reinstall keeps an edited stafd.conf" cmp "$D/etc/stas/stafd.conf" "$T/stafd.conf.edited"
check "ninja uninstall" env DESTDIR="$D" ninja -C "$BUILD" uninstall
check "uninstall removes the programs" test ! -e "$D/usr/sbin/stafd" -a ! -e "$D/usr/bin/stasadm"
check "uninstall keeps stafd.conf and stacd.conf" test -f "$D/etc/stas/stafd.conf" -a -f "$D/etc/stas/stacd.conf"
rm -rf "$D"
check "meson install (fresh) for the unit checks" meson install -C "$BUILD" --destdir "$D" --no-rebuild

# ------------------------------------------------------------ units
if command -v systemd-analyze >/dev/null; then
	# verify inside a root made of the destdir, the host's units and the
	# programs that the units name outside our package
	R=$T/vroot
	cp -a "$D" "$R"
	mkdir -p "$R/usr/lib/systemd"
	for d in /usr/lib/systemd/system /lib/systemd/system; do
		[ -d "$d" ] && cp -rn "$d/." "$R$UNITDIR/" 2>/dev/null
	done
	for f in /bin/kill /bin/mkdir /bin/rm /usr/bin/busctl; do
		mkdir -p "$R${f%/*}"
		cp "$(readlink -f "$f")" "$R$f"
	done
	manopt=--man=no
	$man && manopt=--man=yes
	for u in stafd.service stacd.service stas-config.target stas-config@hostnqn.service stas-config@hostid.service; do
		out=$(cd "$R$UNITDIR" && MANPATH=$D/usr/share/man systemd-analyze verify $manopt --root="$R" "$R$UNITDIR/${u/@host*/@.service}" 2>&1)
		if [ $? -eq 0 ] && [ -z "$out" ]; then pass "systemd-analyze verify $u"; else
			fail "systemd-analyze verify $u"
			printf '%s\n' "$out" | sed 's/^/    /' | head -n 20
		fi
	done
	for u in stafd.service stacd.service; do
		line=$(cd "$D$UNITDIR" && systemd-analyze security --offline=yes "$u" 2>&1 | grep 'Overall exposure level')
		level=$(sed -n 's/.*: \([0-9.]*\) .*/\1/p' <<<"$line")
		if [ -n "$level" ] && awk "BEGIN{exit !($level < 3.0)}"; then
			pass "$u exposure $level (< 3.0; nvme-stas 8.3)"
		else
			fail "$u exposure: ${line:-no result}"
		fi
	done
else
	skip "systemd-analyze not installed: units not verified"
fi

# ------------------------------------------------------------ man pages
if $man; then
	for p in $MANPAGES; do
		out=$(MANWIDTH=80 man -l "$D/usr/share/man/$p" 2>&1 >/dev/null)
		if [ -z "$out" ]; then pass "man -l $p renders without warnings"; else
			fail "man -l $p"
			printf '%s\n' "$out" | sed 's/^/    /' | head -n 10
		fi
	done
fi

# ------------------------------------------------------------ packages
PK=$T/packages
if command -v dpkg >/dev/null; then
	if out=$("$TOP/scripts/package.sh" deb "$PK" 2>&1); then
		pass "make deb: $(grep -o 'stas_[^ ]*\.deb' <<<"$out" | head -n 1) (lintian: no error)"
		deb=$(ls "$PK"/stas_*.deb)
		DR=$T/dpkgroot
		mkdir -p "$DR/var/lib/dpkg/info" "$DR/var/lib/dpkg/updates"
		: >"$DR/var/lib/dpkg/status"
		# --unpack: the files and the conffile records, without running the
		# maintainer scripts (there is no shell in this root)
		check "dpkg --root unpacks the .deb" dpkg --root="$DR" --force-all --unpack "$deb"
		while read -r path mode; do
			[ -n "$path" ] || continue
			p=${path/#$UNITDIR//lib/systemd/system}
			# conffiles stay *.dpkg-new until the package is configured
			[ -f "$DR$p" ] || [ -f "$DR$p.gz" ] || [ -f "$DR$p.dpkg-new" ] || { fail "deb installs $p"; continue; }
			pass "deb installs $p"
		done <<<"$EXPECTED"
		conff=$(dpkg-query --admindir="$DR/var/lib/dpkg" -W -f='${Conffiles}\n' stas 2>/dev/null)
		check "deb marks stafd.conf as a conffile" grep -q '^ */etc/stas/stafd.conf ' <<<"$conff"
		check "deb marks stacd.conf as a conffile" grep -q '^ */etc/stas/stacd.conf ' <<<"$conff"
		check "deb has the maintainer scripts" sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -t | grep -q postinst"
	else
		fail "make deb"
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
	fi
else
	skip "no dpkg: .deb not built"
fi
if out=$("$TOP/scripts/package.sh" rpm "$PK" 2>&1); then
	rpmf=$(ls "$PK"/stas-[0-9]*.x86_64.rpm "$PK"/stas-[0-9]*.[a-z]*[0-9].rpm 2>/dev/null | grep -v src.rpm | head -n 1)
	pass "make rpm: ${rpmf##*/}"
	list=$(rpm -qpl "$rpmf" 2>/dev/null)
	missing=""
	while read -r path mode; do
		[ -n "$path" ] || continue
		grep -qx "$path\(\.gz\)\?" <<<"$list" || missing+=" $path"
	done <<<"$EXPECTED"
	if [ -z "$missing" ]; then pass "rpm holds every expected file"; else fail "rpm lacks:$missing"; fi
	cfg=$(rpm -qp --configfiles "$rpmf" 2>/dev/null)
	check "rpm marks stafd.conf and stacd.conf as config" \
		sh -c "grep -qx /etc/stas/stafd.conf <<'E'
$cfg
E
grep -qx /etc/stas/stacd.conf <<'E'
$cfg
E"
else
	fail "make rpm"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
fi

finish
