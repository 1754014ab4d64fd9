#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of test/fuzz/corpus/<harness>/ from the shipped
configuration files, the strings of the unit tests, the CLI fixtures and a
few hand-made realistic inputs (log page entries, uevents, TXT records).
Run it from anywhere after changing those sources; it replaces the seeds
it writes and leaves other files alone. The layout of each harness' input
is described at the top of test/fuzz/fuzz_<harness>.c."""

import ast
import hashlib
import json
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:8ae2b12c-3d28-4458-83e3-658e571ed4b8"
HOSTID = "8ae2b12c-3d28-4458-83e3-658e571ed4b8"
WKNQN = "nqn.2014-08.org.nvmexpress.discovery"


def read(rel):
    with open(os.path.join(TOP, rel), "rb") as f:
        return f.read()


def put(harness, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def put_all(harness, prefix, items):
    for data in items:
        if isinstance(data, str):
            data = data.encode()
        put(harness, "%s-%s" % (prefix, hashlib.sha1(data).hexdigest()[:12]), data)


_LITERAL = re.compile(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+')


def c_strings(rel):
    """Every C string literal of a source file (adjacent ones joined)."""
    text = read(rel).decode("utf-8", "replace")
    out = []
    for m in _LITERAL.finditer(text):
        parts = re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0))
        raw = "".join(parts)
        try:
            value = ast.literal_eval('b"' + raw.replace('"', '\\"') + '"') if raw.isascii() else raw.encode()
        except (ValueError, SyntaxError):
            continue
        out.append(value if isinstance(value, bytes) else value.encode())
    return out


def conf_seeds():
    for name, mode in (("stafd.conf", b"0"), ("stacd.conf", b"1")):
        text = read("etc/stas/" + name)
        put("conf", "etc-" + name, mode + text)
        put("conf", "etc-other-" + name, (b"1" if mode == b"0" else b"0") + text)
        put("conf", "ini-" + name, b"3symname\0" + text)
    put("conf", "etc-sys.conf.doc", b"2" + read("etc/stas/sys.conf.doc") + b"\0" + HOSTNQN.encode() + b"\n\0" +
        HOSTID.encode() + b"\n\0")
    put("conf", "sys-explicit", "2[Host]\nnqn = %s\nid = %s\nsymname = rack 12 host 3\n\0\0\0" % (HOSTNQN, HOSTID))
    put("conf", "sys-files", "2[Host]\nnqn = file:///nonexistent/hostnqn\nkey=DHHC-1:00:c2VjcmV0:\n\0%s\n\0%s\n\0"
        "DHHC-1:00:c2VjcmV0c2VjcmV0:\n" % (HOSTNQN, HOSTID))
    put("conf", "stafd-typical", "0[Global]\ntron=true\nkato = 30\nip-family=ipv4+ipv6\n"
        "[Service Discovery]\nzeroconf=disabled\n[Discovery controller connection management]\n"
        "persistent-connections=false\nzeroconf-connections-persistence=1:30:00\n"
        "[Controllers]\ncontroller = transport=tcp;traddr=192.168.1.10;trsvcid=8009\n"
        "controller=transport=tcp;traddr=fe80::1%eth0;host-iface=eth0;dhchap-secret=DHHC-1:00:YWJj=:\n"
        "exclude = transport=rdma\nblacklist=traddr=10.0.0.5\n")
    put("conf", "stacd-typical", "1[Global]\nnr-io-queues=4\nqueue-size=128\nctrl-loss-tmo = -1\n"
        "[I/O controller connection management]\ndisconnect-scope = all-connections-matching-disconnect-trtypes\n"
        "disconnect-trtypes = tcp+rdma\nconnect-attempts-on-ncc = 1\n"
        "[Controllers]\ncontroller = transport=tcp;traddr=10.0.0.2;trsvcid=4420;nqn=nqn.2014-08.com.example:s1\n"
        "  transport=tcp;traddr=10.0.0.3\n")
    put("conf", "ini-continuation", "3x\0[A]\nk = 1\n  2\n\tthree\nk=4\n[A]\nK = five\nnovalue\n# c\n; c\n[B\n")
    texts = []
    for rel in ("test/unit/test-conf.c", "test/unit/test-ini.c", "test/unit/test-host.c"):
        for s in c_strings(rel):
            if b"\n" in s and (b"[" in s or b"=" in s):
                texts.append(s)
    for s in texts:
        mode = b"2" if b"[Host]" in s else b"0"
        put_all("conf", "unit", [mode + s + (b"\0" + HOSTNQN.encode() + b"\0" + HOSTID.encode() if mode == b"2" else b"")])
        put_all("conf", "unit-ini", [b"3v\0" + s])


def ctrl_entry_seeds():
    entries = set()
    for rel in ("test/unit/test-ctrl_entry.c", "test/unit/test-tid.c", "test/unit/test-conf.c",
                "etc/stas/stafd.conf", "etc/stas/stacd.conf"):
        for s in (c_strings(rel) if rel.endswith(".c") else read(rel).splitlines()):
            for line in s.split(b"\n"):
                line = line.strip().lstrip(b"#").strip()
                for key in (b"controller", b"exclude"):
                    if line.startswith(key) and b"=" in line:
                        line = line.split(b"=", 1)[1].strip()
                if b"=" in line and (b"transport" in line or b"traddr" in line or b"nqn" in line):
                    entries.add(line)
    entries |= {b"transport=tcp;traddr=192.168.1.10;trsvcid=8009;host-iface=eth0",
                b"transport=tcp;traddr=::ffff:10.0.0.5;trsvcid=04420",
                b"transport=TCP;traddr=FE80::1;host-traddr=fe80::2",
                b"transport=fc;traddr=nn-0x204600a098cbcac6:pn-0x204700a098cbcac6;host-traddr=nn-0x1:pn-0x2",
                b"transport=loop;nqn=nqn.2014-08.com.example:loop",
                b"transport=rdma;traddr=10.1.1.1;dhchap-secret=DHHC-1:00:c2VjcmV0c2VjcmV0==:;kato=5",
                b"traddr=10.0.0.5;;=x;key;a=b=c; spaced = value "}
    excludes = [b"", b"transport=tcp", b"traddr=10.0.0.5", b"transport=tcp;traddr=fe80::1;trsvcid=4420"]
    for i, e in enumerate(sorted(entries)):
        put_all("ctrl_entry", "entry", [bytes([i & 1]) + e + b"\0" + excludes[i % len(excludes)] + b"\0" +
                                        (HOSTNQN.encode() if i % 3 else b"")])


def timespan_seeds():
    spans = set()
    for s in c_strings("test/unit/test-timespan.c"):
        if 0 < len(s) < 64 and b"\n" not in s and not s.endswith(b".h"):
            spans.add(s)
    spans |= {b"72hours", b"72 hours", b"3 days 5 hours", b"1h30m", b"1 minute, 24 secs", b"1:01", b"1:02:03",
              b":22", b"0.5", b"-1", b"3600", b"49 days", b"50 days", b"365 days", b"1e300", b"1.5 weeks"}
    put_all("timespan", "span", sorted(spans))


def txt_items(*items):
    out = b""
    for it in items:
        it = it.encode() if isinstance(it, str) else it
        out += bytes([len(it)]) + it
    return out


def mdns_seeds():
    def seed(flags, port, addr, ifname, *items):
        return bytes([flags]) + struct.pack(">H", port) + addr.encode() + b"\0" + ifname.encode() + b"\0" + \
            txt_items(*items)
    put("mdns", "tcp-cdc", seed(1, 8009, "192.168.1.20", "eth0", "p=tcp", "nqn=nqn.2014-08.com.example:cdc"))
    put("mdns", "tcp-wknqn", seed(0, 8009, "fe80::1:2:3:4", "eth1", "p=tcp", "nqn=" + WKNQN))
    put("mdns", "roce", seed(1, 4420, "10.0.0.9", "ib0", "p=roce", "NQN=nqn.x"))
    put("mdns", "no-protocol", seed(1, 8009, "10.0.0.9", "eth0", "nqn=nqn.x", "novalue", "=", "a=b=c"))
    put("mdns", "binary", seed(1, 8009, "10.0.0.9", "eth0", b"p=tcp\0x", b"nqn=\xff\xfe", "p=TCP"))


def dlpe(trtype=3, adrfam=1, subtype=2, treq=0, portid=1, cntlid=0xffff, asqsz=32, eflags=0,
         trsvcid=b"4420", traddr=b"192.168.1.10", subnqn=b"nqn.2014-08.com.example:subsys1", pad=b"\0"):
    def field(v, n):
        return (v + pad * n)[:n]
    e = struct.pack("<BBBBHHHH", trtype, adrfam, subtype, treq, portid, cntlid, asqsz, eflags)
    e += b"\0" * 20 + field(trsvcid, 32) + b"\0" * 192 + field(subnqn, 256) + field(traddr, 256) + b"\0" * 256
    assert len(e) == 1024, len(e)
    return e


def dlpe_list():
    return [
        dlpe(),
        dlpe(subtype=1, trsvcid=b"8009", subnqn=WKNQN.encode(), traddr=b"192.168.1.11"),
        dlpe(subtype=3, trsvcid=b"8009", subnqn=b"nqn.2014-08.com.example:cdc", traddr=b"fe80::1", adrfam=2),
        dlpe(trtype=1, treq=1, trsvcid=b"4420", traddr=b"10.1.1.1", eflags=3),
        dlpe(trtype=2, adrfam=4, traddr=b"nn-0x204600a098cbcac6:pn-0x204700a098cbcac6", trsvcid=b""),
        dlpe(trtype=254, adrfam=254, traddr=b"", trsvcid=b""),
        dlpe(traddr=b"0.0.0.0"),
        dlpe(traddr=b"A" * 256, trsvcid=b"9" * 32, subnqn=b"n" * 256),
        dlpe(traddr=b"10.0.0.1", trsvcid=b"4420,host_iface=evil0",
             subnqn=b"nqn.2014-08.com.example:subsys,duplicate_connect"),
        dlpe(traddr=b"10.0.0.\xff\xfe", subnqn=b"nqn.\nx", pad=b" "),
        dlpe(subtype=7, treq=7, portid=0, cntlid=0, asqsz=0),
    ]


def dlpe_seeds():
    es = dlpe_list()
    for i, e in enumerate(es):
        put("dlpe", "entry-%02d" % i, b"\0" + e)
    put("dlpe", "page-3", b"\2" + es[0] + es[1] + es[2])
    put("dlpe", "page-8", b"\7" + b"".join(es[:8]))


def dlp_header(genctr, numrec, recfmt=0):
    return (struct.pack("<QQH", genctr, numrec, recfmt) + b"\0" * 1006)


def dlp_seeds():
    es = dlpe_list()
    put("dlp", "empty", b"\0" + dlp_header(1, 0))
    put("dlp", "one", b"\0" + dlp_header(7, 1) + es[0])
    put("dlp", "five", b"\0" + dlp_header(42, 5) + b"".join(es[:5]))
    put("dlp", "genctr-changes", b"\3\1\0\0" + dlp_header(1, 3) + b"".join(es[:3]))
    put("dlp", "numrec-grows", b"\2\0\2" + dlp_header(1, 2) + b"".join(es[:3]))
    put("dlp", "command-fails", b"\3\0\0\xff" + dlp_header(1, 4) + b"".join(es[:4]))
    put("dlp", "numrec-huge", b"\0" + dlp_header(1, 1 << 22) + es[0])
    put("dlp", "numrec-short", b"\0" + dlp_header(1, 9) + es[0])
    put("dlp", "always-changing", b"\1\1" + dlp_header(1, 1) + es[0])


def state_seeds():
    tid = {"transport": "tcp", "traddr": "192.168.1.10", "trsvcid": "8009", "subsysnqn": WKNQN,
           "host-traddr": "", "host-iface": "eth0", "host-nqn": HOSTNQN}
    page = {"trtype": "tcp", "adrfam": "ipv4", "traddr": "192.168.1.10", "trsvcid": "4420",
            "subnqn": "nqn.2014-08.com.example:subsys1", "subtype": "nvme", "treq": "not specified",
            "portid": "1", "cntlid": "65535", "asqsz": "32", "eflags": "0"}
    staf = {"format": "stas-state", "version": 1, "daemon": "stafd", "controllers": [
        {"tid": tid, "origin": "configured", "log-pages": [page, dict(page, traddr="10.0.0.1")]},
        {"tid": dict(tid, traddr="fe80::1", **{"dhchap-secret": "DHHC-1:00:abc=:"}), "origin": "discovered",
         "log-pages": []},
        {"tid": dict(tid, traddr="10.0.0.7"), "origin": "referral"}]}
    stac = {"format": "stas-state", "version": 1, "daemon": "stacd", "controllers": [
        {"tid": dict(tid, subsysnqn="nqn.2014-08.com.example:subsys1", trsvcid="4420", kato="30")}]}
    put("state", "stafd", b"0" + json.dumps(staf, indent=2).encode())
    put("state", "stacd", b"1" + json.dumps(stac).encode())
    put("state", "stafd-as-stacd", b"1" + json.dumps(staf).encode())
    put("state", "empty-controllers", b"0" + b'{"format":"stas-state","version":1,"daemon":"stafd","controllers":[]}')
    put("state", "odd-records", b"0" + b'{"format":"stas-state","version":1,"daemon":"stafd","controllers":'
        b'[1,"x",null,{},{"tid":[]},{"tid":{}},{"tid":{"transport":5,"traddr":null}},'
        b'{"tid":{"transport":"tcp"},"log-pages":{"a":1}},{"tid":{"transport":"tcp"},"log-pages":[1,[],{}]}]}')
    put("state", "version-2", b"0" + b'{"format":"stas-state","version":2,"daemon":"stafd","controllers":[]}')
    put("state", "not-json", b"0" + b"\x80\x04\x95pickle")
    for s in c_strings("test/unit/test-state.c"):
        if s.startswith(b"{"):
            put_all("state", "unit", [b"0" + s])


def sysfs_seeds():
    def seed(flags, uevent, address, subsysnqn, hostnqn, cntrltype, transport, entry, options, release):
        return bytes([flags]) + b"\0".join(x.encode() for x in
                                           (uevent, address, subsysnqn, hostnqn, cntrltype, transport, entry,
                                            options, release))
    options = ("instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,nr_io_queues=%d,"
               "reconnect_delay=%d,ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,host_traddr=%s,host_iface=%s,"
               "hostid=%s,duplicate_connect,disable_sqflow,hdr_digest,data_digest,nr_write_queues=%d,"
               "nr_poll_queues=%d,tos=%d,fast_io_fail_tmo=%d,discovery,dhchap_secret=%s,dhchap_ctrl_secret=%s\n")
    ue = "MAJOR=240\nMINOR=1\nDEVNAME=nvme0\nNVME_TRTYPE=tcp\nNVME_TRADDR=192.168.1.100\nNVME_TRSVCID=4420\n" \
         "NVME_HOST_TRADDR=none\nNVME_HOST_IFACE=none\n"
    put("sysfs", "tcp-ioc", seed(0x40, ue, "traddr=192.168.1.100,trsvcid=4420,src_addr=192.168.1.10\n",
                                 "nqn.2014-08.com.example:subsys1\n", HOSTNQN + "\n", "io\n", "tcp\n",
                                 "transport=tcp;traddr=192.168.1.100;trsvcid=4420;subsysnqn=nqn.2014-08.com.example:subsys1",
                                 options, "6.1.0-13-amd64"))
    put("sysfs", "tcp-dc-old-kernel", seed(0x10, ue.replace("4420", "8009").replace("none", "eth0"),
                                           "traddr=192.168.1.100,trsvcid=8009,host_iface=eth0\n", WKNQN + "\n",
                                           HOSTNQN + "\n", "", "tcp\n", "transport=tcp;traddr=192.168.1.100",
                                           "instance=-1,transport=%s,traddr=%s\n", "5.14.0-70.el9.x86_64"))
    put("sysfs", "tcp-ipv6", seed(0, ue.replace("192.168.1.100", "fe80::1"),
                                  "traddr=fe80::1,trsvcid=8009,src_addr=fe80::1:2:3:4%eth1\n", WKNQN + "\n",
                                  HOSTNQN + "\n", "discovery\n", "tcp\n",
                                  "transport=tcp;traddr=FE80::1;host-iface=eth1", options, "5.18"))
    put("sysfs", "rdma", seed(0x40, ue.replace("tcp", "rdma"), "traddr=10.1.1.1,trsvcid=4420\n",
                              "nqn.x\n", HOSTNQN + "\n", "io\n", "rdma\n", "transport=rdma;traddr=10.1.1.1",
                              options, "4.19.0"))
    put("sysfs", "fc", seed(0x40, "NVME_TRTYPE=fc\nNVME_TRADDR=nn-0x204600a098cbcac6:pn-0x204700a098cbcac6\n"
                            "NVME_HOST_TRADDR=nn-0x200000109b579ef6:pn-0x100000109b579ef6\n",
                            "traddr=nn-0x204600a098cbcac6:pn-0x204700a098cbcac6,host_traddr=nn-0x200000109b579ef6:"
                            "pn-0x100000109b579ef6\n", "nqn.x\n", HOSTNQN + "\n", "io\n", "fc\n",
                            "transport=fc;traddr=nn-0x204600a098cbcac6:pn-0x204700a098cbcac6", options, "6.1"))
    put("sysfs", "garbage", seed(0x3f, "NVME_TRTYPE\n=\n\xc3", "(efault)\n", "none", "", "\n\n", "", ";;", ",,,",
                                 "x.y.z"))


def pprint_seeds():
    for rel in ("test/cli/data/staf/get_all_log_pages.txt", "test/cli/data/staf/get_log_pages.txt",
                "test/cli/data/staf/process_info.txt", "test/cli/data/staf-zeroconf/get_all_log_pages.txt"):
        try:
            text = read(rel).decode()
        except OSError:
            continue
        for m in re.finditer(r"'(\[.*\]|\{.*\})',?\)", text):
            put_all("pprint", "cli", [bytes([120]) + m.group(1).encode()])
    put("pprint", "nested", bytes([40]) + b'{"a": [1, 2.5, -3e-05, true, false, null, "it\'s \\"q\\"", '
        b'{"b": "\\u2028\\u00a0\\u0085\\ud83d\\ude00 \\t\\n\\u0001"}], "z": ' + json.dumps("word " * 60).encode() + b"}")
    put("pprint", "double", bytes([0x80]) + struct.pack("<d", 0.1) + b'[1e+16, 1e-05, 60.0]')
    put("pprint", "double-nan", bytes([0x80]) + struct.pack("<d", float("nan")) + b'"x"')
    put("pprint", "bytes", bytes([1]) + b"\xff\xfe'\"\\")


def main():
    conf_seeds()
    ctrl_entry_seeds()
    timespan_seeds()
    mdns_seeds()
    dlpe_seeds()
    dlp_seeds()
    state_seeds()
    sysfs_seeds()
    pprint_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
