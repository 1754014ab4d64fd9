#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The D-Bus interfaces a daemon describes (--idl) have exactly the members,
# signatures and property access of nvme-stas's. Usage: test-idl.sh DAEMON NAME
# where NAME is staf or stac.
set -u
DAEMON=${1:?usage: $0 DAEMON staf|stac}
NAME=${2:?usage: $0 DAEMON staf|stac}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
passed=0 failed=0
check() {
	local what=$1
	shift
	if "$@"; then echo "PASS: $what"; passed=$((passed + 1)); else echo "FAIL: $what"; failed=$((failed + 1)); fi
}
check "$NAME: --idl writes the introspection XML" "$DAEMON" --idl "$OUT"
check "$NAME: members and signatures equal nvme-stas's" \
	python3 "$SRC/test/tools/compare-introspection.py" "$SRC/test/data/nvme-stas-$NAME.introspect.xml" "$OUT"
"$DAEMON" --idl /nonexistent/dir/x.xml 2>/dev/null
check "$NAME: --idl into an unwritable place fails with status 1" test $? = 1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
