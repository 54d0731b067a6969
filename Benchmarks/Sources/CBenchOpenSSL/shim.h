// libcrypto's BIGNUM for the benchmarks' reference field multiplication (field_mul_bn_ns):
// the way BIP324's secp256k1 code did its arithmetic before it had its own field type.
#ifndef VERACK_CBENCHOPENSSL_SHIM_H
#define VERACK_CBENCHOPENSSL_SHIM_H

#include <openssl/bn.h>

#endif
