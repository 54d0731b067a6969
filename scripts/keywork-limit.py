#!/usr/bin/env python3
"""The physical limit for verack's v2_keygen_ecdh_us: libsecp256k1's own BIP324 key work.

Times, per side, secp256k1_ellswift_create (key generation with its ElligatorSwift encoding)
plus secp256k1_ellswift_xdh with the BIP324 hash (decode of the peer's encoding and the
x-only ECDH), in libsecp256k1 as bundled by the PyPI coincurve wheel (Debian's is too old
for ellswift). Installs coincurve quietly into a venv of its own (under .build-bench/, which
git ignores) on first use, loads the bundled shared object with ctypes, and prints
    {"name":"v2_keywork_limit_us","value":...,"unit":"us"}
as the best of several rounds. Usage: scripts/keywork-limit.py
"""
import ctypes
import glob
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".build-bench", "keywork-limit-venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")


def ensure_venv():
    """Re-runs this script inside a venv that has coincurve, creating it if needed."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(VENV_PYTHON):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, stdout=subprocess.DEVNULL)
    probe = subprocess.run([VENV_PYTHON, "-c", "import coincurve"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([VENV_PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check", "coincurve"],
                       check=True, stdout=subprocess.DEVNULL)
    os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])


def load_library():
    import coincurve
    package = os.path.dirname(coincurve.__file__)
    candidates = sorted(glob.glob(os.path.join(package, "_libsecp256k1*.so")))
    if not candidates:
        sys.exit("keywork-limit: no _libsecp256k1*.so in " + package)
    lib = ctypes.CDLL(candidates[0])
    for symbol in ("secp256k1_ellswift_create", "secp256k1_ellswift_xdh", "secp256k1_ellswift_xdh_hash_function_bip324"):
        if not hasattr(lib, symbol):
            sys.exit("keywork-limit: %s is not exported by %s" % (symbol, candidates[0]))
    return lib


def main():
    ensure_venv()
    lib = load_library()
    SECP256K1_CONTEXT_NONE = 1
    lib.secp256k1_context_create.restype = ctypes.c_void_p
    lib.secp256k1_context_create.argtypes = [ctypes.c_uint]
    lib.secp256k1_context_randomize.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.secp256k1_ellswift_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.secp256k1_ellswift_xdh.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                            ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
    # A function pointer exported as data: read the pointer's value.
    hash_bip324 = ctypes.c_void_p.in_dll(lib, "secp256k1_ellswift_xdh_hash_function_bip324").value

    ctx = lib.secp256k1_context_create(SECP256K1_CONTEXT_NONE)
    if not ctx or lib.secp256k1_context_randomize(ctx, os.urandom(32)) != 1:
        sys.exit("keywork-limit: context setup failed")

    theirs = ctypes.create_string_buffer(64)
    if lib.secp256k1_ellswift_create(ctx, theirs, os.urandom(32), None) != 1:
        sys.exit("keywork-limit: ellswift_create failed")
    count = 200
    keys = [os.urandom(32) for _ in range(count)]
    aux = [os.urandom(32) for _ in range(count)]
    ours = ctypes.create_string_buffer(64)
    shared = ctypes.create_string_buffer(32)
    create, xdh = lib.secp256k1_ellswift_create, lib.secp256k1_ellswift_xdh

    def side(i):
        # One side of a handshake: our key and encoding, then the shared secret.
        if create(ctx, ours, keys[i], aux[i]) != 1:
            sys.exit("keywork-limit: ellswift_create failed")
        if xdh(ctx, shared, ours, theirs, keys[i], 0, hash_bip324, None) != 1:
            sys.exit("keywork-limit: ellswift_xdh failed")

    for i in range(count):  # warm-up
        side(i)
    best = float("inf")
    for _ in range(15):
        start = time.perf_counter()
        for i in range(count):
            side(i)
        best = min(best, (time.perf_counter() - start) / count)
    print('{"name":"v2_keywork_limit_us","value":%.2f,"unit":"us"}' % (best * 1e6))


if __name__ == "__main__":
    main()
