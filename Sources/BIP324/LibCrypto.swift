import COpenSSL

/// libcrypto, initialised once before its first use here, without its exit handler.
///
/// By default OpenSSL frees its global state (the random generator's lock among it) in an
/// `atexit` handler. verack's reactor threads keep running while `exit` runs those
/// handlers, and a v2 peer arriving at that moment made a key with a freed lock: a SEGV in
/// `RAND_bytes` (seen once under ThreadSanitizer as a console exited). With
/// `OPENSSL_INIT_NO_ATEXIT` the state stays valid to the end; the process's exit frees it.
enum LibCrypto {
    /// True once libcrypto is initialised; every entry point of this module into libcrypto
    /// reads it first.
    static let ready: Bool = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1
}
