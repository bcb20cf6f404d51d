#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# seeds.py - writes the seeds of the host_ops and logstream harnesses and stream round trips.
#
# Usage: seeds.py CORPUS_DIR. The byte layouts follow the decoders in
# host_ops.c / host_ops_step.c and logstream.c; each seed exercises one
# configuration with a sequence that reaches the accepting paths (READY,
# applied requests, lists, import, a valid stream), which random bytes
# rarely do. Run by `make fuzz-seeds`; the results are committed.
import os
import struct
import sys

# host_ops operation codes (enum in host_ops_step.c).
CTL_WRITE, CTL_READ, PSC_WRITE, PSC_READ, OTHER_MSR, HYPERCALL, EXPORT, IMPORT, \
    MIGRATABLE, RESET, CPUID, LOGSTREAM = range(12)


def u16(v):
    return struct.pack('<H', v)


def config(mode, hc=False, enc=False, feats=0, log=True, regions=((0, 0x10),)):
    """Offer byte, phys_bits, PSC index, CPUID base, then the regions."""
    b = mode | (4 if hc else 0) | (8 if enc else 0) | (feats << 4) | (0x80 if log else 0)
    out = bytes([b, 0, 0, 0, len(regions) - 1])
    for gap, size in regions:
        out += bytes([gap, size])
    return out


def gfn_in(region, off):
    return bytes([1, region]) + u16(off)


def gpa_in(region, off):
    return bytes([1]) + gfn_in(region, off)


def npages(n):
    return bytes([0, (n - 1) % 16])


def ctl_write(version, feats):
    return bytes([CTL_WRITE, 2, version, feats, 0])


def hypercall(region, off, n, attrs):
    return bytes([HYPERCALL, 1]) + gpa_in(region, off) + npages(n) + bytes([attrs])


def hc_list(region, off, entries):
    """List page in RAM; entries (region, off, n, attrs); read succeeds."""
    out = bytes([HYPERCALL, 1]) + gpa_in(region, off) + npages(len(entries)) + bytes([0x20])
    out += bytes([1])
    for r, o, n, a in entries:
        out += gpa_in(r, o) + bytes([a]) + npages(n)
    return out


def psc(region, off, count, attrs):
    return bytes([PSC_WRITE, 1, attrs]) + gfn_in(region, off) + u16(count - 1) + bytes([0])


def host_ops_seeds():
    regions = ((0, 0x10), (4, 0x41), (0, 0x03))
    v2 = config(2, hc=True, enc=True, feats=3, regions=regions)
    common = bytes([CTL_READ, 0, MIGRATABLE]) + ctl_write(2, 3) + bytes([CTL_READ, 0, MIGRATABLE])
    yield 'v2-full', v2 + common + hypercall(0, 2, 3, 0x00) + hypercall(1, 0, 16, 0x10) + \
        hc_list(0, 0, [(0, 4, 2, 0), (2, 0, 3, 0x10)]) + psc(1, 0, 2, 0x00) + \
        bytes([PSC_READ, EXPORT, IMPORT, 0, 0, 0, LOGSTREAM, 0, 0, RESET, MIGRATABLE]) + \
        bytes([CPUID, 0]) + bytes(20) + bytes([CPUID, 2]) + bytes(20) + \
        bytes([CPUID, 0x9a]) + bytes(20)
    yield 'v2-cross-region', v2 + ctl_write(2, 1) + hypercall(1, 14, 8, 0x01) + \
        psc(1, 16, 1, 0x01) + bytes([LOGSTREAM, 3, 0])
    yield 'v1-hypercall', config(1, hc=True, regions=((0, 0x20), (0x81, 0x05))) + bytes(4) + \
        bytes([CTL_WRITE, 5, 0]) + hypercall(0, 1, 1, 0x10) + hypercall(1, 0, 4, 0x00) + \
        bytes([EXPORT, IMPORT, 1, 0, 1]) + bytes(4) + bytes([OTHER_MSR, 0, 9]) + bytes(8)
    yield 'off', config(0, enc=True) + bytes([CTL_READ, 0]) + ctl_write(1, 0) + \
        hypercall(0, 0, 1, 0) + bytes([PSC_WRITE, 0]) + bytes(9) + \
        bytes([MIGRATABLE, CPUID, 0]) + bytes(20)
    yield 'v1v2-raw', bytes([0x40 | 3, 30, 5, 1, 1, 2, 0, 0, 0x7f, 0x05]) + ctl_write(1, 0) + \
        ctl_write(2, 0) + bytes([RESET]) + ctl_write(2, 2) + bytes([IMPORT, 1, 2, 1]) + bytes(4)


FNV_OFFSET, FNV_PRIME = 0xcbf29ce484222325, 0x100000001b3


def fnv1a(data):
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & (2 ** 64 - 1)
    return h


def log_stream(pages, runs):
    body = struct.pack('<IIQQ', 0x474c534d, 1, pages, len(runs))
    for gfn, n in runs:
        body += struct.pack('<QQ', gfn, n)
    return body + struct.pack('<Q', fnv1a(body))


def logstream_seeds():
    # Regions: 16 pages at 0, a hole of 4, 9 pages at 20, 3 pages at 29 (adjacent).
    layout = bytes([2, 0, 15, 4, 8, 0, 2])
    pages = 16 + 9 + 3
    mixed = bytes([3, 0, 2, 4, 0, 1, 1, 3, 1])      # three ranges set before the load
    yield 'valid-runs', bytes([0x80]) + layout + mixed + \
        log_stream(pages, [(1, 3), (8, 8), (20, 2), (28, 2)])
    yield 'valid-all-private', bytes([0x00]) + layout + bytes([0]) + log_stream(pages, [])
    yield 'valid-all-shared', bytes([0x80]) + layout + bytes([0]) + \
        log_stream(pages, [(0, 16), (20, 12)])
    yield 'fixup-runs', bytes([0x83]) + layout + mixed + log_stream(pages, [(2, 2), (22, 9)])
    yield 'bad-overlap', bytes([0x80]) + layout + bytes([0]) + log_stream(pages, [(1, 3), (2, 2)])
    yield 'bad-hole', bytes([0x80]) + layout + bytes([0]) + log_stream(pages, [(15, 2)])


def stream_rt_seeds():
    """Round-trip mode (first byte 1): regions, vCPUs, offer, digest, key, sections."""
    RAM, ROUND, STATUS, DEVICE, VCPU, FLUSH = range(6)
    layout = bytes([3, 7, 0, 3, 5, 31, 2, 1])        # 3 regions with holes, 2 vCPUs
    plain = bytes([1]) + layout + bytes([0x14]) + bytes(range(32))
    sev = bytes([1]) + layout + bytes([0x15]) + bytes(range(32)) + bytes(range(100, 132)) + \
        bytes([6])
    body = bytes([RAM, 0, 1, 0, 0x11, RAM, 1, 3, 1, 0x22, ROUND, RAM, 2, 0, 1, 0x33, ROUND,
                  STATUS, 20, 0x44, DEVICE, 9, 0x55, 0, VCPU, 1, 8, 0x66, FLUSH, VCPU, 0, 3, 0x77])
    yield 'rt-plain', plain + body + bytes([1, 100, 0, 0, 0])
    yield 'rt-sevsim', sev + body + bytes([RAM, 2, 4, 2, 0x88, 0, 200, 1, 0, 0])


def main():
    root = sys.argv[1]
    for harness, seeds in (('host_ops', host_ops_seeds()), ('logstream', logstream_seeds()),
                           ('stream', stream_rt_seeds())):
        os.makedirs(os.path.join(root, harness), exist_ok=True)
        for name, data in seeds:
            with open(os.path.join(root, harness, 'seed-' + name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
