#if canImport(Glibc)
import Glibc
#endif

/// A file created for output, written whole with `write(2)` (retried on EINTR and short
/// writes): the shared part of pcap files and recordings.
final class OutputFile {
    let path: String
    private var fd: Int32

    /// Creates `path`, refusing to replace an existing file unless `force`.
    init(path: String, force: Bool) throws(CaptureError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0o644)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw CaptureError("\(path) exists: give --force to replace it") }
            throw CaptureError("cannot write \(path): \(String(cString: strerror(code)))")
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Writes all of `bytes` (one `write` unless the kernel takes less).
    func write(_ bytes: [UInt8]) throws(CaptureError) {
        guard fd >= 0 else { throw CaptureError("\(path) is closed") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CaptureError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}
