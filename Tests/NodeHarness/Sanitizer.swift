#if canImport(Glibc)
import Glibc
#endif

/// Whether this process runs under ThreadSanitizer or AddressSanitizer
/// (`scripts/test --sanitize`), found by their runtimes' symbols.
public enum Sanitizer {
    /// The name of the sanitizer linked in, if any.
    public static let active: String? = {
        if dlsym(nil, "__tsan_init") != nil { return "thread" }
        if dlsym(nil, "__asan_init") != nil { return "address" }
        return nil
    }()

    /// How many times longer a test waits for something to happen: 4 under a sanitizer
    /// (the code runs several times slower, on a machine other builds share), else 1. For
    /// waits and per-step timeouts only, never for what a test checks about timing.
    public static let slowdown: Double = active == nil ? 1 : 4
}
