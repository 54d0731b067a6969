#!/usr/bin/env python3
"""Writes a classic pcap (Ethernet/IPv4/TCP) of mainnet Bitcoin traffic for benchmarks.

Usage: pcap-gen.py FILE [MEGABYTES] [CONNECTIONS]

Each connection opens with SYN, SYN-ACK, ACK, exchanges version and verack, then both
sides send frames (valid `inv`s of 1 to 1000 entries, pings, pongs, and 20-400 KB frames
of an unknown command `blob`) in 1448-byte segments; the connections' packets interleave.
Deterministic (a fixed seed), so two runs write the same file.
"""
import hashlib
import random
import struct
import sys

MAGIC = bytes.fromhex("f9beb4d9")
MSS = 1448


def frame(command, payload):
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return MAGIC + command.encode().ljust(12, b"\0") + struct.pack("<I", len(payload)) + checksum + payload


def compact_size(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    return b"\xfe" + struct.pack("<I", n)


def version(agent):
    addr = struct.pack("<Q", 1) + bytes(10) + b"\xff\xff\x7f\x00\x00\x01" + struct.pack(">H", 8333)
    ua = agent.encode()
    body = struct.pack("<iQq", 70016, 1, 1_700_000_000) + addr + addr + struct.pack("<Q", 42)
    return frame("version", body + compact_size(len(ua)) + ua + struct.pack("<i", 800_000) + b"\x01")


class Writer:
    def __init__(self, path):
        self.out = open(path, "wb", buffering=1 << 20)
        self.out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.time = 1_700_000_000.0
        self.bytes = 24

    def packet(self, src, dst, sport, dport, seq, flags, payload):
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, 0, 0x50, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
        eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
        data = eth + ip + tcp + payload
        self.time += 0.00001
        sec = int(self.time)
        self.out.write(struct.pack("<IIII", sec, int((self.time - sec) * 1e6), len(data), len(data)))
        self.out.write(data)
        self.bytes += 16 + len(data)


def main():
    path = sys.argv[1]
    target = int(float(sys.argv[2]) if len(sys.argv) > 2 else 200) * 1_000_000
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    rng = random.Random(8333)
    w = Writer(path)
    server = bytes([10, 0, 0, 1])
    conns = []
    for i in range(count):
        client = bytes([10, 0, 1, i + 1])
        c = {"c": client, "cp": 40000 + i, "cseq": rng.getrandbits(32), "sseq": rng.getrandbits(32), "pending": []}
        w.packet(client, server, c["cp"], 8333, c["cseq"], 0x02, b"")
        w.packet(server, client, 8333, c["cp"], c["sseq"], 0x12, b"")
        c["cseq"] += 1
        c["sseq"] += 1
        w.packet(client, server, c["cp"], 8333, c["cseq"], 0x10, b"")
        c["pending"] = [(True, version("/client/") + frame("verack", b"")), (False, version("/server/") + frame("verack", b""))]
        conns.append(c)
    blob = bytes(rng.getrandbits(8) for _ in range(400_000))
    while w.bytes < target:
        c = rng.choice(conns)
        if not c["pending"]:
            out = rng.random() < 0.5
            r = rng.random()
            if r < 0.45:
                n = rng.randint(1, 1000)
                entries = b"".join(struct.pack("<I", 1) + rng.getrandbits(256).to_bytes(32, "little") for _ in range(n))
                data = frame("inv", compact_size(n) + entries)
            elif r < 0.55:
                data = frame("ping" if out else "pong", struct.pack("<Q", rng.getrandbits(64)))
            else:
                size = rng.randint(20_000, 400_000)
                data = frame("blob", blob[:size])
            c["pending"] = [(out, data)]
        out, data = c["pending"].pop(0)
        # A few segments at a time, so connections and directions interleave.
        for i in range(0, len(data), MSS):
            seg = data[i:i + MSS]
            if out:
                w.packet(c["c"], server, c["cp"], 8333, c["cseq"], 0x18, seg)
                c["cseq"] += len(seg)
            else:
                w.packet(server, c["c"], 8333, c["cp"], c["sseq"], 0x18, seg)
                c["sseq"] += len(seg)
    w.out.close()
    print(w.bytes)


if __name__ == "__main__":
    main()
