#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# package.sh [--if-changed] deb|rpm [OUTDIR]: build binary packages from the
# working tree (committed or not, without build directories) in a temporary
# directory and copy them to OUTDIR (default build/packages). With
# --if-changed, nothing is built when OUTDIR already holds packages of the
# same tree (OUTDIR/.stas-tree-<kind> records a hash of every file). As
# root, the packaging tools and build dependencies that are missing are
# installed with apt-get; as another user, what is missing is printed.
#   deb: Debian packaging in debian/, dpkg-buildpackage -us -uc -b, then
#        lintian (errors fail the build)
#   rpm: packaging/rpm/stas.spec.in, rpmbuild -ba in a temporary topdir
#        (on Debian with --nodeps: the BuildRequires are Fedora names)
set -eu

if_changed=0
if [ "${1:-}" = --if-changed ]; then
	if_changed=1
	shift
fi
kind=${1:-}
top=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$top/build/packages}
case "$kind" in deb | rpm) ;; *) echo "usage: $0 [--if-changed] deb|rpm [OUTDIR]" >&2; exit 2 ;; esac

version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n 1)
[ -n "$version" ] || { echo "package: no version in meson.build" >&2; exit 1; }

# apt_need PKG...: install the missing ones (root) or say what is missing.
apt_need() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "package: missing:$missing (install them, e.g. apt-get install$missing)" >&2
		exit 1
	fi
	echo "package: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; }
}

work=$(mktemp -d "${TMPDIR:-/tmp}/stas-$kind.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/stas-$version
mkdir -p "$src" "$out"

# The tree as git sees it (tracked and new files, not ignored ones), or the
# whole directory minus build output when there is no git.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh) |
		(cd "$top" && tar -cf - -T -) | tar -xf - -C "$src"
else
	(cd "$top" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$src"
fi

# The tree's hash: every file's name and contents.
tree=$( (cd "$src" && find . -type f | LC_ALL=C sort | xargs -d '\n' sha1sum) | sha1sum | cut -c1-16)
stamp=$out/.stas-tree-$kind
if [ "$if_changed" = 1 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$tree" ] &&
	ls "$out"/stas*."$kind" >/dev/null 2>&1; then
	echo "package: $out holds the $kind packages of this tree already"
	exit 0
fi
rm -f "$stamp"

case "$kind" in
deb)
	command -v dpkg-buildpackage >/dev/null 2>&1 || apt_need dpkg-dev
	apt_need build-essential dpkg-dev debhelper fakeroot lintian
	# Build-Depends that dpkg-checkbuilddeps reports as unmet, versions dropped
	unmet=$(cd "$src" && dpkg-checkbuilddeps 2>&1 | sed -n 's/.*[Uu]nmet build dependencies: //p' |
		sed 's/([^)]*)//g; s/|[^ ]*//g; s/:native//g; s/debhelper-compat/debhelper/')
	# shellcheck disable=SC2086
	[ -z "$unmet" ] || apt_need $unmet
	(cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
		tail -n 40 "$work/build.log" >&2
		echo "package: dpkg-buildpackage failed" >&2
		exit 1
	}
	# Debian's checks, at the error level (warnings are printed)
	lintian --fail-on error "$work"/*.changes >&2 || {
		echo "package: lintian found errors" >&2
		exit 1
	}
	rm -f "$out"/*.deb
	cp "$work"/*.deb "$out"/
	ls -1 "$work"/*.deb | sed 's|.*/|package: built |'
	;;
rpm)
	command -v rpmbuild >/dev/null 2>&1 || apt_need rpm
	nodeps=""
	command -v dnf >/dev/null 2>&1 || nodeps="--nodeps"
	mkdir -p "$work/rpm/SOURCES" "$work/rpm/SPECS"
	tar -czf "$work/rpm/SOURCES/stas-$version.tar.gz" -C "$work" "stas-$version"
	sed "s/@VERSION@/$version/g" "$src/packaging/rpm/stas.spec.in" >"$work/rpm/SPECS/stas.spec"
	# shellcheck disable=SC2086
	rpmbuild -ba $nodeps --define "_topdir $work/rpm" "$work/rpm/SPECS/stas.spec" \
		>"$work/build.log" 2>&1 || {
		tail -n 40 "$work/build.log" >&2
		echo "package: rpmbuild failed" >&2
		exit 1
	}
	find "$work/rpm/RPMS" "$work/rpm/SRPMS" -name '*.rpm' -exec cp {} "$out"/ \; \
		-exec sh -c 'echo "package: built ${1##*/}"' sh {} \;
	;;
esac
echo "$tree" >"$stamp"
