import BIP324
import Dispatch
import Foundation

/// Ephemeral v2 keys made ahead of need, so that making one (about 57 µs: a scalar, its
/// point, an ElligatorSwift encoding) is not on the handshake's critical path: each side
/// made its key only when its turn came, one after the other.
///
/// Every key is handed out once. The pool holds at most ``capacity`` keys and refills on a
/// utility queue after each take; when it is empty (the first handshake of a process, or
/// thousands at once) the key is made on the spot, as before. The keys wait in this
/// process's memory, as they would in the transport that uses them.
final class V2KeyPool: @unchecked Sendable {
    static let shared = V2KeyPool(capacity: 4)

    let capacity: Int
    private let lock = NSLock()
    private var keys: [V2EphemeralKey] = []
    private var refilling = false
    private let queue = DispatchQueue(label: "verack.v2-keys", qos: .utility)

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// A key never handed out before: a ready one, or one made now.
    func take() throws(BIP324Error) -> V2EphemeralKey {
        lock.lock()
        let ready = keys.popLast()
        let startRefill = !refilling
        refilling = true
        lock.unlock()
        if startRefill { queue.async { self.refill() } }
        if let ready { return ready }
        return try V2EphemeralKey.generate()
    }

    /// How many keys are ready (for tests).
    var readyCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return keys.count
    }

    private func refill() {
        while true {
            lock.lock()
            let full = keys.count >= capacity
            if full { refilling = false }
            lock.unlock()
            if full { return }
            guard let key = try? V2EphemeralKey.generate() else {
                lock.lock()
                refilling = false
                lock.unlock()
                return
            }
            lock.lock()
            keys.append(key)
            lock.unlock()
        }
    }
}
