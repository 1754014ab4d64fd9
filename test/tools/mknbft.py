#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mknbft.py - write an ACPI NBFT (NVMe Boot Firmware Table) for a test VM.

The table follows the NVM Express Boot Specification 1.0 as libnvme 1.13
parses it: one Host, one NVMe/TCP HFI, one SSNS and, on request, one
Discovery descriptor. qemu passes it to the guest with
`-acpitable file=OUT.bin`; Linux then shows it as /sys/firmware/acpi/tables/NBFT.
Python 3 standard library only.

    mknbft.py OUT.bin [--hostnqn NQN] [--hostid UUID] [--traddr ADDR]
              [--trsvcid PORT] [--subsysnqn NQN] [--nsid N] [--host-ip ADDR]
              [--discovery URI] [--corrupt length|checksum|heap]

--corrupt writes a table that nvme_nbft_read() refuses: `length` (header
length beyond the end of the file), `checksum` (bytes do not sum to 0) or
`heap` (the Host NQN heap object points past the end of the heap). qemu
-acpitable rewrites the length and the checksum of every table it is given,
so only `heap` survives into a guest; the other two are for reading the file
directly.
"""
import argparse
import ipaddress
import struct
import sys
import uuid

SIGNATURE = b'NBFT'
MAJOR_REVISION, MINOR_REVISION = 1, 0
OEM_ID, OEM_TABLE_ID, OEM_REVISION = b'STAS', b'MKNBFT', 1
CREATOR_ID, CREATOR_REVISION = b'STAS', 1
CHECKSUM_OFFSET = 9
DESC_VERSION = 1

# Descriptor layouts (little endian, no padding) and structure IDs
HEADER = struct.Struct('<4sIBB6s8sI4sIIIIHB13x')             # 64 bytes
CONTROL = struct.Struct('<BBBxHBxIHBxIHBBIHBBIHBBIHBB16x')   # 64
HOST = struct.Struct('<BB16sIH8x')                           # 32
HFI = struct.Struct('<BBBB12xIH10x')                         # 32
HFI_INFO_TCP = struct.Struct('<BBBBHBI6sHB16sB16sxH16s16s16sIH18x')  # 128
SSNS = struct.Struct('<BHHBHBxIHIHHIB16sBBxIHIHIH62x')       # 128
DISCOVERY = struct.Struct('<BBBBBxIHIH14x')                  # 32
DESC_CONTROL, DESC_HOST, DESC_HFI, DESC_SSNS = 1, 2, 3, 4
DESC_DISCOVERY, DESC_HFI_TRINFO = 6, 7

TRTYPE_TCP = 3
CONTROL_VALID = 0x01
HOST_VALID, HOST_HOSTID_CONFIGURED, HOST_HOSTNQN_CONFIGURED = 0x01, 0x02, 0x04
HFI_VALID = 0x01
HFI_INFO_TCP_VALID, HFI_INFO_TCP_GLOBAL_ROUTE = 0x01, 0x02
IP_ORIGIN_MANUAL = 1      # "static": NL_PREFIX_ORIGIN IpPrefixOriginManual
SUBNET_PREFIX = {4: 24, 6: 64}    # by IP version
MAC_ADDRESS = bytes.fromhex('525400123456')
SSNS_VALID = 0x0001
SSNS_TRFLAG_VALID = 0x0001
DISCOVERY_VALID = 0x01
DISCOVERY_NQN = 'nqn.2014-08.org.nvmexpress.discovery'

# Indexes count from 1; 0 means "none" in the cross references.
HFI_INDEX, SSNS_INDEX, DISCOVERY_INDEX = 1, 1, 1

DEFAULT_HOSTID = '5ca1ab1e-0000-4000-8000-000000000001'
DEFAULT_HOSTNQN = 'nqn.2014-08.org.nvmexpress:uuid:' + DEFAULT_HOSTID
DEFAULT_SUBSYSNQN = 'nqn.2014-08.org.nvmexpress:uuid:nbft-boot-subsys'
CORRUPT_MODES = ('length', 'checksum', 'heap')


class Heap:
    """Heap objects; references are (offset from byte 0 of the table, length)."""

    def __init__(self, offset):
        self.offset = offset
        self.data = bytearray()

    def end(self):
        return self.offset + len(self.data)

    def add(self, blob):
        ref = (self.end(), len(blob))
        self.data += blob
        return ref

    def add_string(self, text):
        # The length leaves the NUL out, but libnvme wants one right after it.
        raw = text.encode()
        offset, _ = self.add(raw + b'\0')
        return offset, len(raw)


def ip16(address):
    """An IP address as the 16 bytes NBFT stores: IPv6, or IPv4-mapped IPv6."""
    addr = ipaddress.ip_address(address)
    if addr.version == 4:
        return bytes(10) + b'\xff\xff' + addr.packed
    return addr.packed


def unspecified_like(address):
    return ip16('0.0.0.0' if ipaddress.ip_address(address).version == 4 else '::')


def hfi_info_tcp(host_ip):
    """HFI Transport Info descriptor (NVMe/TCP); it lives in the heap."""
    none = unspecified_like(host_ip)
    prefix = SUBNET_PREFIX[ipaddress.ip_address(host_ip).version]
    return HFI_INFO_TCP.pack(
        DESC_HFI_TRINFO, DESC_VERSION, TRTYPE_TCP, DESC_VERSION, HFI_INDEX,
        HFI_INFO_TCP_VALID | HFI_INFO_TCP_GLOBAL_ROUTE,
        0,                                  # PCI segment/bus/device/function
        MAC_ADDRESS, 0, IP_ORIGIN_MANUAL,   # MAC, VLAN, IP origin
        ip16(host_ip), prefix,
        none, 0,                            # gateway, route metric
        none, none, none,                   # DNS 1, DNS 2, DHCP server
        0, 0)                               # no host name


def host_desc(hostid, nqn_ref):
    return HOST.pack(DESC_HOST,
                     HOST_VALID | HOST_HOSTID_CONFIGURED | HOST_HOSTNQN_CONFIGURED,
                     uuid.UUID(hostid).bytes, *nqn_ref)


def hfi_desc(trinfo_ref):
    return HFI.pack(DESC_HFI, HFI_INDEX, HFI_VALID, TRTYPE_TCP, *trinfo_ref)


def ssns_desc(nsid, refs, discovery_index):
    return SSNS.pack(
        DESC_SSNS, SSNS_INDEX, SSNS_VALID, TRTYPE_TCP, SSNS_TRFLAG_VALID,
        discovery_index,
        *refs['traddr'], *refs['trsvcid'],
        0, nsid,                             # subsystem port ID, NSID
        0, bytes(16),                        # no NID
        0, HFI_INDEX,                        # no security profile; HFI
        *refs['secondary_hfis'], *refs['subsysnqn'],
        0, 0)                                # no extended info


def discovery_desc(uri_ref, nqn_ref):
    return DISCOVERY.pack(DESC_DISCOVERY, DISCOVERY_VALID, DISCOVERY_INDEX,
                          HFI_INDEX, 0, *uri_ref, *nqn_ref)


def control_desc(offsets, num_disc):
    def entry(name, struct_, count):
        return (offsets[name], struct_.size, DESC_VERSION, count) if count else (0, 0, 0, 0)

    return CONTROL.pack(
        DESC_CONTROL, MAJOR_REVISION, MINOR_REVISION, CONTROL.size, CONTROL_VALID,
        offsets['host'], HOST.size, DESC_VERSION,
        *entry('hfi', HFI, 1), *entry('ssns', SSNS, 1),
        0, 0, 0, 0,                          # no security profiles
        *entry('discovery', DISCOVERY, num_disc))


def header(length, heap):
    return HEADER.pack(SIGNATURE, length, MAJOR_REVISION, 0,
                       OEM_ID.ljust(6, b'\0'), OEM_TABLE_ID.ljust(8, b'\0'),
                       OEM_REVISION, CREATOR_ID, CREATOR_REVISION,
                       heap.offset, len(heap.data),
                       0, 0,                 # no driver signature
                       MINOR_REVISION)


def build(args):
    """Return the table as bytes; its checksum is left at 0."""
    num_disc = 1 if args.discovery else 0
    offsets, pos = {}, HEADER.size + CONTROL.size
    for name, struct_, count in (('host', HOST, 1), ('hfi', HFI, 1),
                                 ('ssns', SSNS, 1),
                                 ('discovery', DISCOVERY, num_disc)):
        offsets[name] = pos
        pos += struct_.size * count

    heap = Heap(pos)
    hostnqn = heap.add_string(args.hostnqn)
    trinfo = heap.add(hfi_info_tcp(args.host_ip))
    refs = {
        'traddr': heap.add(ip16(args.traddr)),
        'trsvcid': heap.add_string(args.trsvcid),
        # libnvme needs a non-empty list; the primary HFI in it is skipped.
        'secondary_hfis': heap.add(bytes([HFI_INDEX])),
        'subsysnqn': heap.add_string(args.subsysnqn),
    }
    disc = b''
    if num_disc:
        disc = discovery_desc(heap.add_string(args.discovery),
                              heap.add_string(DISCOVERY_NQN))
    if args.corrupt == 'heap':
        hostnqn = (heap.end(), hostnqn[1])   # starts where the heap ends

    body = (control_desc(offsets, num_disc) + host_desc(args.hostid, hostnqn)
            + hfi_desc(trinfo)
            + ssns_desc(args.nsid, refs, DISCOVERY_INDEX if num_disc else 0)
            + disc + bytes(heap.data))
    length = HEADER.size + len(body)
    if args.corrupt == 'length':
        length += 16
    return header(length, heap) + body


def set_checksum(table, corrupt):
    table = bytearray(table)
    table[CHECKSUM_OFFSET] = 0
    table[CHECKSUM_OFFSET] = -sum(table) & 0xff
    if corrupt:
        table[CHECKSUM_OFFSET] = (table[CHECKSUM_OFFSET] + 1) & 0xff
    return bytes(table)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', metavar='OUT.bin')
    parser.add_argument('--hostnqn', default=DEFAULT_HOSTNQN)
    parser.add_argument('--hostid', default=DEFAULT_HOSTID)
    parser.add_argument('--traddr', default='127.0.0.1')
    parser.add_argument('--trsvcid', default='4420')
    parser.add_argument('--subsysnqn', default=DEFAULT_SUBSYSNQN)
    parser.add_argument('--nsid', type=int, default=1)
    parser.add_argument('--host-ip', default='127.0.0.1')
    parser.add_argument('--discovery', metavar='URI',
                        help='add a Discovery descriptor, e.g. nvme+tcp://127.0.0.1:8009/')
    parser.add_argument('--corrupt', choices=CORRUPT_MODES)
    args = parser.parse_args(argv)
    try:
        uuid.UUID(args.hostid)
        ip16(args.traddr)
        ip16(args.host_ip)
    except ValueError as err:
        parser.error(str(err))
    if not 0 < args.nsid < 2**32:
        parser.error('--nsid must be between 1 and 4294967295')
    return args


def main(argv=None):
    args = parse_args(argv)
    table = set_checksum(build(args), args.corrupt == 'checksum')
    with open(args.out, 'wb') as out:
        out.write(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
