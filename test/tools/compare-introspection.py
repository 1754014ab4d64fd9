#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""compare-introspection.py REFERENCE ACTUAL: the org.nvmexpress.* interfaces
of ACTUAL must have exactly the members of REFERENCE: methods with their
argument types and directions, signals with their argument types, properties
with type and access. Argument names and the standard interfaces are not
compared; members of ACTUAL annotated org.nvmexpress.stas.Extension are
stas's own additions and are allowed. Exit 0 when equal, 1 with the differences otherwise."""
import sys
import xml.etree.ElementTree as ET


def members(path):
    text = open(path, encoding="utf-8").read()
    # gdbus/dbus-send wrap the XML in a reply tuple sometimes; take the document.
    start = text.find("<node")
    root = ET.fromstring(text[start:text.rfind("</node>") + len("</node>")])
    out = {}
    for iface in root.iter("interface"):
        name = iface.get("name")
        if not name.startswith("org.nvmexpress."):
            continue
        for m in iface:
            args = tuple((a.get("type"), a.get("direction", "out" if m.tag == "signal" else "in"))
                         for a in m.findall("arg"))
            if any(a.get("name") == "org.nvmexpress.stas.Extension" for a in m.findall("annotation")):
                out[(name, "extension", m.get("name"))] = None
                continue
            if m.tag == "property":
                out[(name, "property", m.get("name"))] = (m.get("type"), m.get("access"))
            else:
                out[(name, m.tag, m.get("name"))] = args
    return out


def main():
    ref, act = members(sys.argv[1]), members(sys.argv[2])
    problems = []
    for key in sorted(set(ref) | set(act)):
        if key[1] == "extension":
            continue  # a documented stas member nvme-stas clients never call
        if key not in act:
            problems.append("missing: %s %s.%s" % (key[1], key[0], key[2]))
        elif key not in ref:
            problems.append("extra: %s %s.%s" % (key[1], key[0], key[2]))
        elif ref[key] != act[key]:
            problems.append("differs: %s %s.%s: %s != %s" % (key[1], key[0], key[2], act[key], ref[key]))
    for p in problems:
        print(p)
    if not ref:
        print("no org.nvmexpress interface in the reference")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
