import BitcoinWire
import Dispatch
import Foundation

/// One unit on a case's connection, for ``ProbeRunner/onFrame``. Raw bytes a case wrote
/// come as the v1 frame they start with (however broken) or as a unit of command `?`.
public struct ProbeFrame: Sendable {
    public var caseName: String
    public var direction: FrameDirection
    /// Seconds on the runner's ``ProbeRunner/clock``.
    public var time: Double
    public var unit: WireUnit
    /// `.protocol` for the handshake and follow-ups; `.injected` or `.corrupted` for the
    /// case's own bytes.
    public var origin: FrameOrigin

    public init(caseName: String, direction: FrameDirection, time: Double, unit: WireUnit, origin: FrameOrigin) {
        self.caseName = caseName
        self.direction = direction
        self.time = time
        self.unit = unit
        self.origin = origin
    }
}

/// A flag set once, from any thread.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

/// Results by case name, set from the cases' threads.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var byName: [String: ProbeResult] = [:]

    func set(_ r: ProbeResult) {
        lock.lock()
        byName[r.name] = r
        lock.unlock()
    }

    func get(_ name: String) -> ProbeResult? {
        lock.lock()
        defer { lock.unlock() }
        return byName[name]
    }
}
