#!/usr/bin/env python3
"""Transactions and a block built with python-bitcoinlib, printed as JSON lines for
verack's cross-check (Tests/BitcoinWireTests/BitcoinlibCrossCheckTests.swift).

Needs `pip install python-bitcoinlib` (module `bitcoin`). Exits 3 when it is missing, so
the test can tell "not installed" from a failure. Deterministic: no randomness.

Each line is one object:
  {"kind": "tx", "name", "hex", "txid", "wtxid", "size", "outputs": [{"value", "address"?}]}
  {"kind": "block", "name", "hex", "hash", "merkle_root", "witness_merkle_root", "txids", "wtxids"}
Hashes are in display (reversed) order; addresses are mainnet and present only where
python-bitcoinlib derives one (it knows no taproot).
"""
import hashlib
import json
import sys

try:
    import bitcoin
    from bitcoin.core import (COutPoint, CMutableTransaction, CTxIn, CTxOut, CTxWitness, CTxInWitness,
                              CBlock, Hash, b2lx, b2x)
    from bitcoin.core.script import CScript, CScriptWitness, OP_0, OP_1, OP_2, OP_3, OP_CHECKMULTISIG, OP_RETURN
    from bitcoin.wallet import (P2PKHBitcoinAddress, P2SHBitcoinAddress, P2WPKHBitcoinAddress,
                                P2WSHBitcoinAddress)
except ImportError:
    print("python-bitcoinlib is not installed (pip install python-bitcoinlib)", file=sys.stderr)
    sys.exit(3)

bitcoin.SelectParams("mainnet")


def det(label, n):
    """n deterministic bytes named by label."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{counter}".encode()).digest()
        counter += 1
    return out[:n]


def address(script):
    for cls in (P2SHBitcoinAddress, P2WSHBitcoinAddress, P2WPKHBitcoinAddress):
        try:
            return str(cls.from_scriptPubKey(script))
        except Exception:
            pass
    try:
        return str(P2PKHBitcoinAddress.from_scriptPubKey(script, accept_bare_checksig=False))
    except Exception:
        return None


def p2pkh(label):
    return CScript(b"\x76\xa9\x14" + det(label, 20) + b"\x88\xac")


def p2sh(label):
    return CScript(b"\xa9\x14" + det(label, 20) + b"\x87")


def p2wpkh(label):
    return CScript([OP_0, det(label, 20)])


def p2wsh(label):
    return CScript([OP_0, det(label, 32)])


def sig(label):
    return b"\x30" + det(label, 70) + b"\x01"


def pubkey(label):
    return b"\x02" + det(label, 32)


def tx_line(name, tx):
    t = tx if not isinstance(tx, CMutableTransaction) else tx
    raw = t.serialize()
    outputs = []
    for out in t.vout:
        o = {"value": out.nValue}
        a = address(out.scriptPubKey)
        if a is not None:
            o["address"] = a
        outputs.append(o)
    return {"kind": "tx", "name": name, "hex": b2x(raw), "txid": b2lx(t.GetTxid()), "wtxid": b2lx(t.GetHash()),
            "size": len(raw), "outputs": outputs}


def txin(label, index, script_sig=b""):
    return CTxIn(COutPoint(det(label, 32), index), CScript(script_sig), 0xfffffffd)


def legacy():
    vin = [txin("legacy-in", 1, bytes([72]) + sig("legacy-sig") + bytes([33]) + pubkey("legacy-key"))]
    vout = [CTxOut(1_510_000, p2pkh("legacy-out")), CTxOut(98_000_000, p2sh("legacy-change"))]
    return CMutableTransaction(vin, vout, nLockTime=0, nVersion=1)


def segwit_p2wpkh(label):
    vin = [txin(label + "-in", 0)]
    vout = [CTxOut(250_000, p2wpkh(label + "-out")), CTxOut(12_345, p2pkh(label + "-change"))]
    wit = CTxWitness([CTxInWitness(CScriptWitness([sig(label + "-sig"), pubkey(label + "-key")]))])
    return CMutableTransaction(vin, vout, nLockTime=0, nVersion=2, witness=wit)


def segwit_p2wsh(label):
    keys = [pubkey(label + f"-k{i}") for i in range(3)]
    witness_script = CScript([OP_2] + keys + [OP_3, OP_CHECKMULTISIG])
    vin = [txin(label + "-in0", 3), txin(label + "-in1", 7)]
    vout = [CTxOut(5_000_000_000, p2wsh(label + "-out")), CTxOut(0, CScript([OP_RETURN, b"verack"]))]
    wit = CTxWitness([
        CTxInWitness(CScriptWitness([b"", sig(label + "-s1"), sig(label + "-s2"), bytes(witness_script)])),
        CTxInWitness(CScriptWitness([sig(label + "-s3"), pubkey(label + "-k3")])),
    ])
    return CMutableTransaction(vin, vout, nLockTime=850_000, nVersion=2, witness=wit)


def multi_output():
    vin = [txin("multi-in", i, bytes([1, i + 1])) for i in range(3)]
    makers = [p2pkh, p2sh, p2wpkh, p2wsh]
    vout = [CTxOut(1000 * (i + 1), makers[i % 4](f"multi-out-{i}")) for i in range(12)]
    vout.append(CTxOut(777, CScript([OP_1, pubkey("ms-a"), pubkey("ms-b"), OP_2, OP_CHECKMULTISIG])))
    return CMutableTransaction(vin, vout, nLockTime=0, nVersion=1)


def block():
    txs = [segwit_p2wpkh(f"block-tx{i}") for i in range(4)] + [segwit_p2wsh("block-wsh"), legacy()]
    reserved = b"\x00" * 32
    height = 850_000
    height_push = bytes([3]) + height.to_bytes(3, "little")
    # A coinbase placeholder first, to compute the witness root (coinbase counted as zero).
    def coinbase(commitment):
        vin = [CTxIn(COutPoint(), CScript(height_push + b"/bitcoinlib/"), 0xffffffff)]
        vout = [CTxOut(312_500_000, p2wpkh("coinbase-out")),
                CTxOut(0, CScript(b"\x6a\x24\xaa\x21\xa9\xed" + commitment))]
        wit = CTxWitness([CTxInWitness(CScriptWitness([reserved]))])
        return CMutableTransaction(vin, vout, nLockTime=0, nVersion=2, witness=wit)

    draft = CBlock(vtx=[coinbase(b"\x00" * 32)] + txs)
    witness_root = draft.calc_witness_merkle_root()
    vtx = [coinbase(Hash(witness_root + reserved))] + txs
    target = 0x7fffff << (8 * (0x20 - 3))
    nonce = 0
    while True:
        b = CBlock(nVersion=0x20000000, hashPrevBlock=det("prev", 32), nTime=1_718_000_000, nBits=0x207fffff,
                   nNonce=nonce, vtx=vtx)
        if int.from_bytes(b.GetHash(), "little") <= target:
            break
        nonce += 1
    assert b.get_witness_commitment_index() == 1
    return {"kind": "block", "name": "segwit-block", "hex": b2x(b.serialize()), "hash": b2lx(b.GetHash()),
            "merkle_root": b2lx(b.hashMerkleRoot), "witness_merkle_root": b2lx(b.calc_witness_merkle_root()),
            "height": height, "txids": [b2lx(t.GetTxid()) for t in b.vtx], "wtxids": [b2lx(t.GetHash()) for t in b.vtx]}


lines = [
    tx_line("legacy-p2pkh", legacy()),
    tx_line("segwit-p2wpkh", segwit_p2wpkh("wpkh")),
    tx_line("segwit-p2wsh-multisig", segwit_p2wsh("wsh")),
    tx_line("multi-output", multi_output()),
    block(),
]
for line in lines:
    print(json.dumps(line))
