#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""table.py RESULTS.json [MORE.json ...] - the figures of make bench as a
Markdown table, one column per results file (e.g. before and after a
change). Where the same run measured the floor, a time is followed by its
ratio to it: cold start and churn to the kernel alone, AEN latencies as the
time beyond the kernel's own connect (p50)."""
import json
import sys

ROWS = [
    # key, label, unit, floor key ("-" = subtract the per-connect floor)
    ("floor_kernel_s", "floor: kernel alone, all connected", "s", None),
    ("floor_connect_all_s", "floor: nvme connect-all, all connected", "s", "floor_kernel_s"),
    ("floor_kernel_connect_p50_s", "floor: one kernel connect (p50)", "s", None),
    ("floor_kernel_cpu_per_ctrl_ms", "floor: CPU of the writer per controller", "ms", None),
    ("cold_start_s", "1. cold start -> all connected", "s", "floor_kernel_s"),
    ("cold_cpu_stafd_s", "1. CPU stafd", "s", None),
    ("cold_cpu_stacd_s", "1. CPU stacd", "s", None),
    ("cold_cpu_per_ctrl_ms", "1. CPU (both) per I/O controller", "ms", "floor_kernel_cpu_per_ctrl_ms"),
    ("cold_hwm_stafd_mb", "1. peak RSS stafd", "MB", None),
    ("cold_hwm_stacd_mb", "1. peak RSS stacd", "MB", None),
    ("aen_connect_p50_s", "2. AEN -> connected p50", "s", "-"),
    ("aen_connect_p95_s", "2. AEN -> connected p95", "s", "-"),
    ("aen_disconnect_p50_s", "2. AEN -> disconnected p50", "s", None),
    ("aen_disconnect_p95_s", "2. AEN -> disconnected p95", "s", None),
    ("churn_leave_s", "3. half leave -> settled", "s", None),
    ("churn_return_s", "3. half return -> all connected", "s", "floor_kernel_s*0.5"),
    ("storm_add_s", "4. storm: namespaces added -> all seen", "s", None),
    ("storm_add_settled_s", "4. storm: added -> udev settled", "s", None),
    ("storm_remove_s", "4. storm: namespaces removed -> all gone", "s", None),
    ("storm_ls_calls", "4. stafctl ls calls during the storm", "", None),
    ("storm_ls_p50_s", "4. stafctl ls during the storm p50", "s", None),
    ("storm_ls_max_s", "4. stafctl ls during the storm max", "s", None),
    ("restart_stacd_adopt_s", "5. stacd restart -> all re-adopted", "s", None),
    ("restart_stafd_adopt_s", "5. stafd restart -> DCs and pages back", "s", None),
    ("cli_stafctl_ls_s", "6. stafctl ls", "s", None),
    ("cli_stafctl_dlp_s", "6. stafctl dlp", "s", None),
    ("cli_stafctl_status_s", "6. stafctl status", "s", None),
    ("cli_stacctl_ls_s", "6. stacctl ls", "s", None),
    ("end_cpu_stafd_s", "after the restarts: CPU stafd (new process)", "s", None),
    ("end_cpu_stacd_s", "after the restarts: CPU stacd (new process)", "s", None),
    ("end_hwm_stafd_mb", "after the restarts: peak RSS stafd", "MB", None),
    ("end_hwm_stacd_mb", "after the restarts: peak RSS stacd", "MB", None),
    ("total_s", "whole benchmark", "s", None),
]


def cell(fig, key, floor):
    if key not in fig:
        return "-"
    value = fig[key]
    text = f"{value:g}"
    if floor == "-":
        base = fig.get("floor_kernel_connect_p50_s")
        if base is not None:
            text += f" (+{value - base:.3f} beyond the kernel)"
    elif floor:
        name, _, scale = floor.partition("*")
        base = fig.get(name)
        if base:
            base *= float(scale or 1)
            text += f" ({value / base:.2f}x)"
    return text


def main(paths):
    runs = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            runs.append(json.load(f))
    head = ["figure"] + [f"{p} (N={r['n']})" for p, r in zip(paths, runs)]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    known = {k for k, *_ in ROWS}
    rows = list(ROWS)
    for r in runs:
        rows += [(k, k, "", None) for k in r["figures"] if k not in known and not known.add(k)]
    for key, label, unit, floor in rows:
        cells = [cell(r["figures"], key, floor) for r in runs]
        if all(c == "-" for c in cells):
            continue
        print(f"| {label}{' (' + unit + ')' if unit else ''} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
