#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh: the whole product against a real NVMe/TCP target.
#
# Where the running kernel has nvme-tcp and nvmet (loadable with modprobe,
# as root) the target is a loopback nvmet on this host; elsewhere the demo
# runs in the project's test VM (test/vm). STAS_DEMO_VM=1 forces the VM,
# STAS_DEMO_VM=0 forbids it. The demo itself is scripts/demo-run.sh.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${STAS_BUILD_DIR:-$SRC/build}
export STAS_BUILD_DIR=$BUILD

host_can_run() {
    [ "$(id -u)" = 0 ] || return 1
    modprobe -q nvme-tcp 2>/dev/null && modprobe -q nvmet-tcp 2>/dev/null && modprobe -q null_blk nr_devices=0 2>/dev/null ||
        return 1
    [ -e /dev/nvme-fabrics ] || return 1
    mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config 2>/dev/null || return 1
    [ -d /sys/kernel/config/nvmet ]
}

mode=${STAS_DEMO_VM:-auto}
if [ "$mode" != 1 ] && host_can_run; then
    echo "demo: this kernel has nvme-tcp and nvmet: running on this host, on loopback"
    exec "$SRC/scripts/demo-run.sh"
fi
if [ "$mode" = 0 ]; then
    echo "demo: this kernel cannot run nvme-tcp and nvmet here (need root and the modules), and STAS_DEMO_VM=0" >&2
    exit 1
fi
echo "demo: this kernel has no usable nvme-tcp/nvmet: running in the test VM (Debian's kernel under qemu)"
status=0
"$SRC/test/vm/run-in-vm.sh" -t 600 "$SRC/scripts/demo-run.sh" || status=$?
case $status in
0) ;;
124) echo "demo: the VM did not finish in 600 s; rerun with STAS_VM_KEEP=1 to keep its logs" >&2 ;;
125) echo "demo: the VM could not run (see the messages above); test/vm/README.md explains what it needs" >&2 ;;
*) echo "demo: failed (status $status); the daemons' logs are printed above" >&2 ;;
esac
exit $status
