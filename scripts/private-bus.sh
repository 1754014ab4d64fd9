# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# private-bus.sh - sourced by the demo and the client tests: a dbus-daemon of
# their own on which anyone may own any name, standing in for the system bus
# (the daemons and clients honour DBUS_SYSTEM_BUS_ADDRESS), so nothing needs
# or disturbs the machine's system bus.
#
# private_bus_start DIR: start it with its socket, configuration and log in
# DIR; sets BUS_PID and exports DBUS_SYSTEM_BUS_ADDRESS. Returns 1 (the log
# is DIR/bus.log) when it does not come up within 10 s.
private_bus_start() {
    local dir=$1 i
    cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
    dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile >"$dir/bus.log" 2>&1 &
    BUS_PID=$!
    for ((i = 0; i < 200; i++)); do
        if [ -S "$dir/bus" ]; then
            export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/bus
            return 0
        fi
        kill -0 "$BUS_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
