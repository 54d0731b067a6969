/// A file of lines written as they happen: each line is one `write(2)`, so a crash loses at
/// most the line being written. For recordings (JSON Lines).
public final class LineFile {
    private let file: OutputFile
    public var path: String { file.path }
    public private(set) var lines = 0

    /// Creates `path`, refusing to replace an existing file unless `force`.
    public init(path: String, force: Bool) throws(CaptureError) {
        file = try OutputFile(path: path, force: force)
    }

    public func close() { file.close() }

    public func write(line: String) throws(CaptureError) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        try file.write(bytes)
        lines += 1
    }
}
