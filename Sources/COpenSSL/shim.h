// libcrypto from Debian's libssl-dev (OpenSSL 3): the ChaCha20-Poly1305 AEAD and RAND_bytes
// for BIP324, and big numbers and secp256k1 for the BIP324 tests' reference arithmetic. No file-scope statics here
// (they fail to link from Swift); add `static inline` functions if a shim is needed.
#ifndef VERACK_COPENSSL_SHIM_H
#define VERACK_COPENSSL_SHIM_H

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

#endif
