# shellcheck shell=bash
# scenario-header.sh - what a scenario says about itself in its header
# comments, read by run-scenarios.sh (host: which world) and
# guest/scenarios.sh (guest: how long it may take). Sourced, never executed.

# scenario_header FILE KEY DEFAULT: the value of the header line
# "# stas-vm-KEY: VALUE" of FILE (the comment lines before its first
# command), or DEFAULT
scenario_header() {
    local line value=$3
    while IFS= read -r line; do
        case $line in
        "# stas-vm-$2: "*) value=${line#"# stas-vm-$2: "} ;;
        '#'* | '') ;;
        *) break ;;
        esac
    done <"$1"
    echo "$value"
}
