import BitcoinWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A scripted peer on a loopback socket, for input no honest node sends.
public final class FakePeer: @unchecked Sendable {
    private let listenFD: Int32
    public let port: UInt16
    public static let magic = Magic(0xda, 0xb5, 0xbf, 0xfa)

    public init() throws {
        (listenFD, port) = try LoopbackSocket.listen(backlog: 16)
    }

    public var address: String { "127.0.0.1:\(port)" }

    /// Accepts one connection and runs `script` with its descriptor on a background thread.
    /// The thread holds the fake peer until it has accepted, so the listening socket
    /// outlives the test's last use of the object.
    public func serve(_ script: @escaping @Sendable (Int32) -> Void) {
        Thread.detachNewThread { [self] in
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { return }
            script(client)
        }
    }

    /// A loopback address where nothing listens (a port that was just free).
    public static func closedAddress() throws -> String {
        try FakePeer().address
    }

    deinit { close(listenFD) }

    /// Sends all of `bytes`; false once the connection is gone.
    @discardableResult
    public static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// Reads until `count` frames of the engine's arrived (or the socket closes).
    public static func readFrames(_ fd: Int32, count: Int) -> [Frame] {
        var decoder = FrameDecoder(magic: magic)
        var frames: [Frame] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while frames.count < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            decoder.feed(buffer[0..<n])
            while let f = try? decoder.next() { frames.append(f) }
        }
        return frames
    }

    /// Closes with a TCP reset instead of a FIN.
    public static func reset(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }

    public static func version(userAgent: String = "/fake:1/") -> [UInt8] {
        FrameEncoder.encode(.version(VersionMessage(
            timestamp: 1_700_000_000, receiver: NetworkAddress(), nonce: 77, userAgent: userAgent, startHeight: 5)), magic: magic)
    }

    /// Answers the engine's version and ends the handshake.
    public static func handshake(_ fd: Int32, userAgent: String = "/fake:1/") {
        _ = readFrames(fd, count: 1)
        send(fd, version(userAgent: userAgent) + FrameEncoder.encode(.verack, magic: magic))
    }
}

