import Dispatch
import Foundation
import Testing
@testable import PeerEngine
#if canImport(Glibc)
import Glibc
#endif

/// The epoll reactor on its own, with socket pairs: a registered handler hears its
/// descriptor's edges on its own queue, and an unregistered one hears nothing more, even
/// when its descriptor number is reused.
struct ReactorTests {
    /// Records the event bits it hears, and whether it heard them on its queue.
    final class Recorder: ReactorHandler, @unchecked Sendable {
        let queue = DispatchQueue(label: "reactor-test")
        private let lock = NSCondition()
        private var heard: [UInt32] = []
        private(set) var offQueue = false

        func reactorEvents(_ events: UInt32) {
            let onQueue = DispatchQueue.getSpecific(key: Self.key) == ObjectIdentifier(self)
            lock.lock()
            if !onQueue { offQueue = true }
            heard.append(events)
            lock.broadcast()
            lock.unlock()
        }

        static let key = DispatchSpecificKey<ObjectIdentifier>()
        init() { queue.setSpecific(key: Self.key, value: ObjectIdentifier(self)) }

        /// Waits (at most 10 s) until an event with any of `bits` arrived.
        func wait(for bits: UInt32) -> Bool {
            let deadline = Date().addingTimeInterval(10)
            lock.lock()
            defer { lock.unlock() }
            while !heard.contains(where: { $0 & bits != 0 }) {
                if !lock.wait(until: deadline) { return false }
            }
            return true
        }

        var events: [UInt32] {
            lock.lock()
            defer { lock.unlock() }
            return heard
        }
    }

    static func socketPair() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds)
        precondition(rc == 0, "socketpair failed")
        return (fds[0], fds[1])
    }

    static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    @Test func aHandlerHearsReadabilityOnItsQueue() throws {
        let reactor = Reactor(threads: 1)
        let (a, b) = Self.socketPair()
        defer { close(a); close(b) }
        let recorder = Recorder()
        let registration = try reactor.register(a, queue: recorder.queue, handler: recorder).get()
        defer { reactor.unregister(registration) }
        // A fresh stream socket is writable at once: the first edge says so.
        #expect(recorder.wait(for: Reactor.Bits.output))
        Self.write(b, "ping")
        #expect(recorder.wait(for: Reactor.Bits.input))
        #expect(!recorder.offQueue, "a handler ran off its queue")
    }

    @Test func anUnregisteredHandlerHearsNothingEvenWhenItsDescriptorNumberIsReused() throws {
        // One loop: events come out of one epoll set in the order they happened.
        let reactor = Reactor(threads: 1)
        let (a, b) = Self.socketPair()
        let old = Recorder()
        let oldRegistration = try reactor.register(a, queue: old.queue, handler: old).get()
        #expect(old.wait(for: Reactor.Bits.output))
        old.queue.sync { reactor.unregister(oldRegistration) }
        let heardBefore = old.events.count
        close(a)
        close(b)
        // The next pair most likely gets the same descriptor numbers.
        let (c, d) = Self.socketPair()
        defer { close(c); close(d) }
        let new = Recorder()
        let newRegistration = try reactor.register(c, queue: new.queue, handler: new).get()
        defer { reactor.unregister(newRegistration) }
        Self.write(d, "ping")
        #expect(new.wait(for: Reactor.Bits.input))
        #expect(old.events.count == heardBefore, "an unregistered handler heard \(old.events.count - heardBefore) more events")
    }
}
