#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# install-conf.sh DIR FILE...: install each FILE into $DESTDIR/DIR unless a
# file of that name is already there (an admin's configuration is kept).
set -eu
dir="${DESTDIR:-}$1"
shift
mkdir -p "$dir"
for f in "$@"; do
	target="$dir/$(basename "$f")"
	if [ -e "$target" ]; then
		echo "Keeping existing $target"
	else
		install -m 0644 "$f" "$target"
		echo "Installing $target"
	fi
done
