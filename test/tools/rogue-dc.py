#!/usr/bin/env python3
"""rogue-dc.py - a user-space NVMe/TCP discovery controller that misbehaves on cue.

The kernel's nvme-tcp host really connects to it (`nvme discover -t tcp -a
127.0.0.1 -s PORT`, stafd), so tests can feed stafd and stacd crafted log
pages and Identify data that no sane target (nvmet) would send. Python 3
standard library only: it runs inside the test VM with the host's python3.

    rogue-dc.py --port PORT --scenario FILE.json [--address 127.0.0.1]
                [--log FILE] [--control FIFO]

Control
  * SIGHUP, or the line "reload" on the control FIFO: re-read the scenario.
  * The control FIFO (--control, created when missing) takes one command a
    line; from bash: `echo aen >"$FIFO"` (no process to start). Each command
    is acknowledged in the log with a line "ctl <command> ...".
      reload        re-read the scenario file (genctr moves on when the log
                    page changed and the file does not pin "genctr")
      aen           complete the held AER of every connection with the
                    discovery-change notice, unless that connection has not
                    read the log page with RAE=0 since its last one (masked,
                    as a real target does); one that holds no AER gets it as
                    soon as it sends one
      storm N       complete the next N AERs of every connection at once,
                    mask or no mask
      bump          genctr += 1, then "aen"
      drop          close every TCP connection (the kernel reconnects)
      dimfail N [S] answer the next N DIM commands with status S (0x4002)
      quit          exit
Log (--log, default stderr): one line per received command and per event,
"key=value" words, e.g.
    cmd conn=2 cid=0x1003 op=0x02 get-log-page lid=0x70 lsp=0 rae=0 lpo=4096 len=4096
    cmd conn=2 cid=0x2004 op=0x21 dim task=0 len=1328 ename=host symname=rack-7 status=0x0000
    aen conn=2 cid=0x0018 result=0x0070f002
    conn open conn=2 peer=127.0.0.1:51234 / conn close conn=2 why=...
    listening address=127.0.0.1 port=8010

Scenario (JSON; every key optional):
  "entries": [ {"subtype": "nvme"|"referral"|"current"|N, "trtype": "tcp"|N,
                "adrfam": "ipv4"|"ipv6"|N, "traddr": S, "trsvcid": S,
                "subnqn": S, "portid": N, "cntlid": N, "asqsz": N,
                "eflags": N, "treq": N, "sectype": N}, ... ]
  "generate": {"count": N, "subnqn": "nqn...:sub{i}", "traddr": S,
               "trsvcid": S, "subtype": ...}   N more entries ({i} = 1..N)
  "genctr": N          pin the generation counter
  "numrec": N          the header's numrec, whatever the real entry count
  "genctr_churn": N    genctr += 1 after each of the next N Get Log Page
                       0x70 commands (the page changes between chunks)
  "identify": {"mn", "sn", "fr", "subnqn": S, "dctype": 0|1|2 (none, DDC,
               CDC), "mdts", "kas", "aerl", "lpa", "oaes", "maxcmd", "vid"}
  "delay": [{"op": N, "lid": N, "seconds": F, "count": N}]   answer late
  "drop":  [{"op": N, "lid": N, "count": N}]   close the connection instead
  "dim_status": N      status of every DIM command (0 = success)
  "lid0": "answer"|"fail"   Get Log Page 0x00 (supported log pages)
  "aen_result": N      dword 0 of the AER completion (0x0070f002)
  "honor_rae": bool    mask the discovery-change AEN until RAE=0 (true)
A string value is stored as UTF-8 and cut to its field (so a long one is
unterminated); {"text": "nqn.x", "hex": "ff"} stores the text's bytes then
raw bytes; {"fill": "A"} fills the whole field with that character. A "count" of 0 or absent
means "every time".
"""

import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

WKNQN = "nqn.2014-08.org.nvmexpress.discovery"

# NVMe/TCP PDU types (NVMe/TCP transport specification)
PDU_ICREQ, PDU_ICRESP, PDU_H2C_TERM, PDU_C2H_TERM = 0x00, 0x01, 0x02, 0x03
PDU_CMD, PDU_RSP, PDU_H2C_DATA, PDU_C2H_DATA, PDU_R2T = 0x04, 0x05, 0x06, 0x07, 0x09
C2H_LAST = 0x04
MAXH2CDATA = 0x40000

# Admin opcodes used by a host on a discovery controller
OP_GET_LOG, OP_IDENTIFY, OP_ABORT, OP_SET_FEAT, OP_GET_FEAT = 0x02, 0x06, 0x08, 0x09, 0x0A
OP_AER, OP_KEEP_ALIVE, OP_DIM, OP_FABRICS = 0x0C, 0x18, 0x21, 0x7F
FCT_PROP_SET, FCT_CONNECT, FCT_PROP_GET = 0x00, 0x01, 0x04

# Status field values (SCT << 8 | SC)
SC_OK, SC_INVALID_OPCODE, SC_INVALID_FIELD = 0x000, 0x001, 0x002
SC_CONNECT_INVALID_PARAM = 0x182
SC_INVALID_LOG_PAGE = 0x109

NAMES = {OP_GET_LOG: "get-log-page", OP_IDENTIFY: "identify", OP_ABORT: "abort",
         OP_SET_FEAT: "set-features", OP_GET_FEAT: "get-features", OP_AER: "aer",
         OP_KEEP_ALIVE: "keep-alive", OP_DIM: "dim", OP_FABRICS: "fabrics"}
SUBTYPES = {"referral": 1, "nvme": 2, "current": 3}
TRTYPES = {"rdma": 1, "fc": 2, "tcp": 3, "loop": 254}
ADRFAMS = {"ipv4": 1, "ipv6": 2, "ib": 3, "fc": 4, "loop": 254}


def dim_symname(data):
    """The host symbolic name of the first extended DIE of a DIM command, or "-"."""
    off = 1024 + 1032  # the DIM data header, then the extended DIE up to its attributes
    while off + 4 <= len(data):
        etype, elen = struct.unpack_from("<HH", data, off)
        if elen == 0:
            break
        if etype == 2:  # NVMF_EXATTYPE_SYMNAME, space padded
            name = data[off + 4:off + 4 + elen].decode("ascii", "replace").rstrip(" \0")
            return name.replace(" ", "_") or "-"
        off += 4 + elen
    return "-"


def field(value, size, default=b""):
    """The bytes of a scenario string for a fixed-size field of SIZE bytes."""
    if value is None:
        raw = default
    elif isinstance(value, dict) and "fill" in value:
        raw = (value["fill"].encode() * size)[:size]
    elif isinstance(value, dict):
        raw = value.get("text", "").encode() + bytes.fromhex(value.get("hex", ""))
    else:
        raw = str(value).encode()
    return raw[:size].ljust(size, b"\0")


def code(value, table, default):
    """A numeric field that the scenario may give by name."""
    if value is None:
        return default
    if isinstance(value, str):
        return table[value]
    return int(value)


class Scenario:
    """What the target serves, built from the JSON description."""

    def __init__(self, desc, previous=None):
        self.desc = desc
        self.entries = list(desc.get("entries", []))
        gen = desc.get("generate")
        if gen:
            for i in range(1, int(gen.get("count", 0)) + 1):
                e = {k: (v.format(i=i) if isinstance(v, str) else v) for k, v in gen.items() if k != "count"}
                self.entries.append(e)
        self.records = b"".join(self.entry_bytes(e) for e in self.entries)
        self.numrec = int(desc.get("numrec", len(self.entries)))
        if "genctr" in desc:
            self.genctr = int(desc["genctr"])
        elif previous is None:
            self.genctr = 1
        elif previous.records != self.records or previous.numrec != self.numrec:
            self.genctr = previous.genctr + 1
        else:
            self.genctr = previous.genctr
        self.churn = int(desc.get("genctr_churn", 0))
        self.ident = desc.get("identify", {})
        self.delays = [dict(d) for d in desc.get("delay", [])]
        self.drops = [dict(d) for d in desc.get("drop", [])]
        self.dim_status = int(desc.get("dim_status", 0))
        self.dim_fail = [0, 0]  # the next N DIM commands get STATUS ("dimfail" on the control FIFO)
        self.lid0 = desc.get("lid0", "answer")
        self.aen_result = int(desc.get("aen_result", 0x0070F002))
        self.honor_rae = bool(desc.get("honor_rae", True))

    def take_dim_status(self):
        if self.dim_fail[0] > 0:
            self.dim_fail[0] -= 1
            return self.dim_fail[1]
        return self.dim_status

    @staticmethod
    def entry_bytes(e):
        """One 1024-byte Discovery Log Page Entry."""
        b = bytearray(1024)
        struct.pack_into("<BBBBHHHH", b, 0,
                         code(e.get("trtype"), TRTYPES, 3), code(e.get("adrfam"), ADRFAMS, 1),
                         code(e.get("subtype"), SUBTYPES, 2), int(e.get("treq", 0)),
                         int(e.get("portid", 1)), int(e.get("cntlid", 0xFFFF)),
                         int(e.get("asqsz", 32)), int(e.get("eflags", 0)))
        b[32:64] = field(e.get("trsvcid"), 32, b"4420")
        b[256:512] = field(e.get("subnqn"), 256)
        b[512:768] = field(e.get("traddr"), 256, b"127.0.0.1")
        b[768] = int(e.get("sectype", 0))
        return bytes(b)

    def log_page(self):
        """Header and records as the host may read them (zeros beyond)."""
        hdr = bytearray(1024)
        struct.pack_into("<QQH", hdr, 0, self.genctr, self.numrec, 0)
        return bytes(hdr) + self.records

    def identify(self, cntlid):
        """The 4096-byte Identify Controller data structure (CNS 01h)."""
        i = self.ident
        b = bytearray(4096)
        struct.pack_into("<HH", b, 0, int(i.get("vid", 0x1B36)), int(i.get("vid", 0x1B36)))
        b[4:24] = field(i.get("sn"), 20, b"rogue-dc-0001").replace(b"\0", b" ")
        b[24:64] = field(i.get("mn"), 40, b"rogue discovery controller").replace(b"\0", b" ")
        b[64:72] = field(i.get("fr"), 8, b"1.0").replace(b"\0", b" ")
        b[76] = 0x02  # CMIC: more than one controller may exist
        b[77] = int(i.get("mdts", 0))
        struct.pack_into("<HI", b, 78, cntlid, 0x00010300)  # CNTLID, VER 1.3
        struct.pack_into("<I", b, 92, int(i.get("oaes", 0x80000000)))  # discovery log change
        b[111] = 2  # CNTRLTYPE: discovery controller
        b[259] = int(i.get("aerl", 3))
        b[261] = int(i.get("lpa", 0x04))  # extended Get Log Page data (NUMDU, LPO)
        struct.pack_into("<H", b, 320, int(i.get("kas", 10)))  # 100 ms units
        b[512], b[513] = 0x66, 0x44  # SQES, CQES
        struct.pack_into("<HI", b, 514, int(i.get("maxcmd", 128)), 0)  # MAXCMD, NN
        struct.pack_into("<I", b, 536, 1 | (1 << 20))  # SGLS: SGLs, in-capsule offsets
        b[768:1024] = field(i.get("subnqn"), 256, WKNQN.encode())
        struct.pack_into("<IIH", b, 1792, 4, 1, 0)  # IOCCSZ, IORCSZ (16 B units), ICDOFF
        b[1806] = int(i.get("dctype", 0))
        return bytes(b)

    def take(self, rules, op, lid):
        """The first rule of RULES matching OP/LID; a rule with a count is used up."""
        for r in rules:
            if int(r.get("op", op)) != op or ("lid" in r and int(r["lid"]) != lid):
                continue
            left = r.setdefault("left", int(r.get("count", 0)) or None)
            if left is None:
                return r
            if left > 0:
                r["left"] = left - 1
                return r
        return None


class Target:
    """The shared state: the scenario, the connections, the log."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.logf = open(args.log, "a", buffering=1) if args.log else sys.stderr
        self.conns = {}
        self.next_conn = 1
        self.next_cntlid = 1
        self.scn = None
        self.load()

    def log(self, line):
        with self.lock:
            self.logf.write("%.3f %s\n" % (time.monotonic(), line))
            self.logf.flush()

    def load(self):
        with self.lock:
            try:
                with open(self.args.scenario) as f:
                    desc = json.load(f)
                self.scn = Scenario(desc, self.scn)
                self.log("scenario loaded entries=%d numrec=%d genctr=%d" %
                         (len(self.scn.entries), self.scn.numrec, self.scn.genctr))
            except (OSError, ValueError, KeyError, TypeError) as e:
                self.log("scenario error %s" % str(e).replace("\n", " "))
                if self.scn is None:
                    self.scn = Scenario({})

    def control(self, line):
        words = line.split()
        if not words:
            return
        cmd = words[0]
        with self.lock:
            conns = list(self.conns.values())
            if cmd == "reload":
                self.load()
            elif cmd == "bump":
                self.scn.genctr += 1
                for c in conns:
                    c.want_aen(False)
            elif cmd == "aen":
                for c in conns:
                    c.want_aen(False)
            elif cmd == "storm":
                n = int(words[1]) if len(words) > 1 else 100
                for c in conns:
                    c.want_storm(n)
            elif cmd == "dimfail":
                self.scn.dim_fail = [int(words[1]), int(words[2], 0) if len(words) > 2 else 0x4002]
            elif cmd == "drop":
                for c in conns:
                    c.close("dropped on cue")
            elif cmd == "quit":
                self.log("ctl quit")
                os._exit(0)
            else:
                self.log("ctl unknown %s" % cmd)
                return
            self.log("ctl %s conns=%d genctr=%d" % (line.strip(), len(conns), self.scn.genctr))

    def control_loop(self, path):
        if not os.path.exists(path):
            os.mkfifo(path, 0o600)
        # O_RDWR keeps a writer open, so the FIFO never reads EOF between writers
        fd = os.open(path, os.O_RDWR)
        with os.fdopen(fd, "r", buffering=1) as f:
            for line in f:
                try:
                    self.control(line)
                except Exception as e:  # a bad command must not stop the control channel
                    self.log("ctl error %s" % e)

    def serve(self):
        srv = socket.socket(socket.AF_INET6 if ":" in self.args.address else socket.AF_INET)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((self.args.address, self.args.port))
        srv.listen(16)
        self.log("listening address=%s port=%d" % (self.args.address, self.args.port))
        while True:
            sock, peer = srv.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                n = self.next_conn
                self.next_conn += 1
                conn = Conn(self, n, sock)
                self.conns[n] = conn
            self.log("conn open conn=%d peer=%s:%d" % (n, peer[0], peer[1]))
            threading.Thread(target=conn.run, daemon=True).start()


class Conn:
    """One NVMe/TCP connection (one queue: discovery controllers have no I/O queues)."""

    def __init__(self, target, n, sock):
        self.t = target
        self.n = n
        self.sock = sock
        self.send_lock = threading.Lock()
        self.closed = False
        self.cntlid = 0
        self.qid = 0
        self.cc = 0
        self.kato = 0
        self.aers = []  # command ids of held AERs
        self.aen_owed = False  # one AEN to send when an AER comes
        self.storm = 0
        self.masked = False  # discovery-change AEN sent, no RAE=0 read since
        self.r2t = {}  # cid -> (sqe, expected length, received bytes)

    # ------------------------------------------------------------ wire
    def recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("peer closed")
            buf += chunk
        return bytes(buf)

    def send(self, data):
        """Write whole PDUs; a failed write closes the connection (outside the lock)."""
        failure = None
        with self.send_lock:
            if self.closed:
                return
            try:
                self.sock.sendall(data)
            except OSError as e:
                failure = e
        if failure:
            self.close("send_failed:_%s" % str(failure).replace(" ", "_"))

    def close(self, why):
        with self.send_lock:
            if self.closed:
                return
            self.closed = True
        self.t.log("conn close conn=%d why=%s" % (self.n, why))
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.t.lock:
            self.t.conns.pop(self.n, None)

    @staticmethod
    def cqe_pdu(cid, status, result):
        """A CapsuleResp PDU: the 16-byte completion queue entry."""
        cqe = struct.pack("<QHHHH", result, 0, 0, cid, (status & 0x7FFF) << 1)
        return struct.pack("<BBBBI", PDU_RSP, 0, 24, 0, 24) + cqe

    def respond(self, cid, status, result=0):
        self.send(self.cqe_pdu(cid, status, result))

    def send_data(self, cid, data):
        """C2HData PDUs carrying DATA, then the successful response, in one write."""
        pdus = []
        off = 0
        step = 65536
        while True:
            chunk = data[off:off + step]
            last = off + len(chunk) >= len(data)
            pdus.append(struct.pack("<BBBBIHHII4x", PDU_C2H_DATA, C2H_LAST if last else 0, 24, 24,
                                    24 + len(chunk), cid, 0, off, len(chunk)))
            pdus.append(chunk)
            off += len(chunk)
            if last:
                break
        pdus.append(self.cqe_pdu(cid, SC_OK, 0))
        self.send(b"".join(pdus))

    # ------------------------------------------------------------ flow
    def run(self):
        try:
            self.handshake()
            while not self.closed:
                hdr = self.recv_exact(8)
                ptype, flags, hlen, pdo, plen = struct.unpack("<BBBBI", hdr)
                if plen < 8 or plen > 16 << 20:
                    raise ConnectionError("bad plen %d" % plen)
                rest = self.recv_exact(plen - 8)
                pdu = hdr + rest
                if ptype == PDU_CMD:
                    data = pdu[pdo:] if pdo else b""
                    self.command(pdu[8:72], data)
                elif ptype == PDU_H2C_DATA:
                    self.h2c_data(pdu, pdo)
                elif ptype == PDU_H2C_TERM:
                    raise ConnectionError("H2CTermReq fes=%d" % struct.unpack_from("<H", pdu, 8)[0])
                else:
                    raise ConnectionError("unexpected PDU type %d" % ptype)
        except (ConnectionError, OSError, struct.error) as e:
            self.close(str(e).replace(" ", "_") or "error")

    def handshake(self):
        req = self.recv_exact(128)
        ptype, _, hlen, _, plen = struct.unpack_from("<BBBBI", req)
        if ptype != PDU_ICREQ or plen != 128:
            raise ConnectionError("no ICReq (type %d plen %d)" % (ptype, plen))
        pfv, hpda, digest, maxr2t = struct.unpack_from("<HBBI", req, 8)
        self.t.log("icreq conn=%d pfv=%d hpda=%d digest=%d maxr2t=%d" % (self.n, pfv, hpda, digest, maxr2t))
        # no digests: a host that asked for them gives up, as it should
        resp = bytearray(128)
        struct.pack_into("<BBBBIHBBI", resp, 0, PDU_ICRESP, 0, 128, 0, 128, 0, 0, 0, MAXH2CDATA)
        self.send(bytes(resp))

    def h2c_data(self, pdu, pdo):
        cid, _, off, length = struct.unpack_from("<HHII", pdu, 8)
        if cid not in self.r2t:
            raise ConnectionError("H2CData for unknown cid %#x" % cid)
        sqe, want, got = self.r2t[cid]
        got += pdu[pdo:pdo + length]
        if len(got) >= want:
            del self.r2t[cid]
            self.execute(sqe, bytes(got))
        else:
            self.r2t[cid] = (sqe, want, got)

    def command(self, sqe, data):
        opcode = sqe[0]
        cid = struct.unpack_from("<H", sqe, 2)[0]
        sgl_len, sgl_type = struct.unpack_from("<I3xB", sqe, 32)
        writes = (opcode & 3) == 1 or (opcode == OP_FABRICS and (sqe[4] & 3) == 1)
        if writes and sgl_len > len(data) and sgl_type == 0x5A:
            # host data not in the capsule: ask for it (one R2T for all)
            self.r2t[cid] = (sqe, sgl_len, bytearray(data))
            self.send(struct.pack("<BBBBIHHII4x", PDU_R2T, 0, 24, 0, 24, cid, 0, len(data),
                                  sgl_len - len(data)))
            return
        self.execute(sqe, data)

    def execute(self, sqe, data):
        t = self.t
        opcode = sqe[0]
        cid = struct.unpack_from("<H", sqe, 2)[0]
        cdw = struct.unpack_from("<6I", sqe, 40)
        lid = cdw[0] & 0xFF if opcode == OP_GET_LOG else -1
        words = ["cmd conn=%d cid=%#06x op=%#04x %s" % (self.n, cid, opcode, NAMES.get(opcode, "unknown"))]
        with t.lock:
            scn = t.scn
            drop = scn.take(scn.drops, opcode, lid)
            delay = scn.take(scn.delays, opcode, lid)
        if drop:
            t.log(" ".join(words + ["dropping"]))
            self.close("drop rule op=%#x" % opcode)
            return
        reply = self.handle(opcode, cid, sqe, cdw, data, words)
        if delay:
            words.append("delay=%s" % delay.get("seconds", 0))
        t.log(" ".join(words))
        if reply is None:
            return
        if delay:
            threading.Timer(float(delay.get("seconds", 0)), reply).start()
        else:
            reply()

    def reply_status(self, cid, status, result=0):
        return lambda: self.respond(cid, status, result)

    def reply_data(self, cid, payload):
        return lambda: self.send_data(cid, payload)

    def handle(self, opcode, cid, sqe, cdw, data, words):
        """Execute one command; return a callable that sends the answer (None: held)."""
        t = self.t
        if opcode == OP_FABRICS:
            return self.fabrics(cid, sqe, data, words)
        if opcode == OP_IDENTIFY:
            cns = cdw[0] & 0xFF
            words.append("cns=%d" % cns)
            with t.lock:
                ident = t.scn.identify(self.cntlid)
            if cns == 0x01:
                return self.reply_data(cid, ident)
            if cns == 0x06:  # I/O command set specific controller data: no limits
                return self.reply_data(cid, bytes(4096))
            return self.reply_status(cid, SC_INVALID_FIELD)
        if opcode == OP_GET_LOG:
            return self.get_log(cid, cdw, words)
        if opcode == OP_KEEP_ALIVE:
            return self.reply_status(cid, SC_OK)
        if opcode in (OP_SET_FEAT, OP_GET_FEAT):
            fid = cdw[0] & 0xFF
            words.append("fid=%#04x dw11=%#x" % (fid, cdw[1]))
            if fid == 0x07:  # number of queues: a discovery controller has none
                return self.reply_status(cid, SC_INVALID_FIELD)
            if fid == 0x0F and opcode == OP_SET_FEAT:
                self.kato = cdw[1]
            return self.reply_status(cid, SC_OK, self.kato if fid == 0x0F else 0)
        if opcode == OP_AER:
            with t.lock:
                self.aers.append(cid)
                self.flush_aens()
            return None
        if opcode == OP_DIM:
            task = cdw[0] & 0xF
            ename = data[280:536].split(b"\0")[0] if len(data) >= 536 else b""
            status = t.scn.take_dim_status()
            words.append("task=%d len=%d ename=%s symname=%s status=%#06x" %
                         (task, len(data), ename.decode("ascii", "replace").replace(" ", "_") or "-",
                          dim_symname(data), status))
            return self.reply_status(cid, status)
        if opcode == OP_ABORT:
            return self.reply_status(cid, SC_OK, 1)  # not aborted
        return self.reply_status(cid, SC_INVALID_OPCODE)

    def fabrics(self, cid, sqe, data, words):
        t = self.t
        fctype = sqe[4]
        if fctype == FCT_CONNECT:
            recfmt, qid, sqsize, cattr, kato = struct.unpack_from("<HHHBxI", sqe, 40)
            hostnqn = data[512:768].split(b"\0")[0].decode("ascii", "replace")
            subnqn = data[256:512].split(b"\0")[0].decode("ascii", "replace")
            words.append("connect qid=%d sqsize=%d kato=%d subnqn=%s hostnqn=%s" %
                         (qid, sqsize, kato, subnqn, hostnqn))
            if qid != 0:
                return self.reply_status(cid, SC_CONNECT_INVALID_PARAM)
            with t.lock:
                self.cntlid = t.next_cntlid
                t.next_cntlid = t.next_cntlid % 0xFFEF + 1
            self.kato = kato
            words.append("cntlid=%d" % self.cntlid)
            return self.reply_status(cid, SC_OK, self.cntlid)
        if fctype in (FCT_PROP_GET, FCT_PROP_SET):
            attrib, offset, value = struct.unpack_from("<B3xIQ", sqe, 40)
            if fctype == FCT_PROP_SET:
                words.append("property-set offset=%#x value=%#x" % (offset, value))
                if offset != 0x14:
                    return self.reply_status(cid, SC_INVALID_FIELD)
                self.cc = value & 0xFFFFFFFF
                return self.reply_status(cid, SC_OK)
            words.append("property-get offset=%#x" % offset)
            if offset == 0x00:  # CAP: MQES 127, CQR, TO 7.5 s, NVM command set
                val = 127 | (1 << 16) | (15 << 24) | (1 << 37)
            elif offset == 0x08:
                val = 0x00010300
            elif offset == 0x14:
                val = self.cc
            elif offset == 0x1C:  # CSTS: RDY follows CC.EN, shutdown completes at once
                val = (self.cc & 1) | ((2 << 2) if (self.cc >> 14) & 3 else 0)
            else:
                return self.reply_status(cid, SC_INVALID_FIELD)
            return self.reply_status(cid, SC_OK, val)
        words.append("fctype=%#04x" % fctype)
        return self.reply_status(cid, SC_INVALID_OPCODE)

    def get_log(self, cid, cdw, words):
        t = self.t
        lid = cdw[0] & 0xFF
        lsp = (cdw[0] >> 8) & 0x7F
        rae = (cdw[0] >> 15) & 1
        numd = ((cdw[1] & 0xFFFF) << 16) | (cdw[0] >> 16)
        length = (numd + 1) * 4
        lpo = cdw[2] | (cdw[3] << 32)
        words.append("lid=%#04x lsp=%d rae=%d lpo=%d len=%d" % (lid, lsp, rae, lpo, length))
        with t.lock:
            scn = t.scn
            if lid == 0x70:
                page = scn.log_page()
                words.append("genctr=%d numrec=%d" % (scn.genctr, scn.numrec))
                if scn.churn > 0:
                    scn.churn -= 1
                    scn.genctr += 1
                if not rae:
                    self.masked = False
                    self.flush_aens()
            elif lid == 0x00 and scn.lid0 == "answer":
                page = bytearray(1024)
                for supported in (0x00, 0x70):
                    page[supported * 4] = 1
                page = bytes(page)
            else:
                return self.reply_status(cid, SC_INVALID_LOG_PAGE)
        if lpo > len(page) and lpo > 0:
            return self.reply_status(cid, SC_INVALID_FIELD)
        payload = page[lpo:lpo + length].ljust(length, b"\0")
        return self.reply_data(cid, payload)

    # ------------------------------------------------------------ AENs
    def want_aen(self, force):
        """Called with the target lock held: one discovery-change notice."""
        if self.masked and not force and self.t.scn.honor_rae:
            self.t.log("aen conn=%d suppressed (masked: no RAE=0 read since the last one)" % self.n)
            return
        self.aen_owed = True
        self.flush_aens()

    def want_storm(self, n):
        self.storm += n
        self.flush_aens()

    def flush_aens(self):
        """Complete held AERs that are owed (target lock held)."""
        while self.aers and (self.aen_owed or self.storm > 0):
            cid = self.aers.pop(0)
            if self.storm > 0:
                self.storm -= 1
            else:
                self.aen_owed = False
            self.masked = True
            result = self.t.scn.aen_result
            self.t.log("aen conn=%d cid=%#06x result=%#010x" % (self.n, cid, result))
            self.respond(cid, SC_OK, result)


def main():
    p = argparse.ArgumentParser(description="a misbehaving NVMe/TCP discovery controller for tests")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--scenario", required=True, help="JSON description (see the top of this file)")
    p.add_argument("--log", help="command log (default stderr)")
    p.add_argument("--control", help="control FIFO (created when missing)")
    args = p.parse_args()
    target = Target(args)
    signal.signal(signal.SIGHUP, lambda *_: target.load())
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if args.control:
        threading.Thread(target=target.control_loop, args=(args.control,), daemon=True).start()
    target.serve()


if __name__ == "__main__":
    main()
