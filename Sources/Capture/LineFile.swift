#if canImport(Glibc)
import Glibc
#endif

/// A file of lines written as they happen: each line is one `write(2)`, so a crash loses at
/// most the line being written. For recordings (JSON Lines).
public final class LineFile {
    public let path: String
    private var fd: Int32
    public private(set) var lines = 0

    /// Creates `path`, refusing to replace an existing file unless `force`.
    public init(path: String, force: Bool) throws(CaptureError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0o644)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw CaptureError("\(path) exists: give --force to replace it") }
            throw CaptureError("cannot write \(path): \(String(cString: strerror(code)))")
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    public func write(line: String) throws(CaptureError) {
        guard fd >= 0 else { throw CaptureError("\(path) is closed") }
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CaptureError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        lines += 1
    }
}
