import Dispatch
import Foundation
import Synchronization
import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// Something that hears its descriptor's readiness from the ``Reactor``: on its own queue,
/// with the epoll event bits.
protocol ReactorHandler: AnyObject, Sendable {
    func reactorEvents(_ events: UInt32)
}

/// Readiness for the engine's descriptors, without Dispatch sources: a few epoll threads
/// (one per core), each with its own epoll set.
///
/// A descriptor is added once, edge-triggered for reading and writing, and never changed:
/// no suspend and resume of a write source around every send, no `epoll_ctl` through
/// Dispatch's manager thread, no `FIONREAD` before each read. Its owner reads until
/// `EAGAIN` on each edge and sends until `EAGAIN` before it waits for the next.
///
/// The handler runs on the owner's serial queue, entered with `sync` from the epoll
/// thread: when the queue is idle (the usual case) the block runs right there, on the
/// thread that saw the event, and no worker thread is woken for it. The queue still owns
/// the peer's state; a busy queue makes the epoll thread wait for it.
final class Reactor: Sendable {
    /// Bits of an epoll event.
    enum Bits {
        static let input = UInt32(EPOLLIN.rawValue)
        static let output = UInt32(EPOLLOUT.rawValue)
        static let error = UInt32(EPOLLERR.rawValue)
        static let hangUp = UInt32(EPOLLHUP.rawValue)
        static let readHangUp = UInt32(EPOLLRDHUP.rawValue)
        static let edgeTriggered = UInt32(EPOLLET.rawValue)
        /// What wakes a reader: bytes, the peer's FIN, an error.
        static let readable = input | readHangUp | hangUp | error
        /// What wakes a writer or a connect in progress.
        static let writable = output | hangUp | error
    }

    /// The engine's reactor, started on first use.
    static let shared = Reactor(threads: min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)))

    /// Where a descriptor is registered: its loop and its token there.
    struct Registration: Sendable {
        fileprivate let loop: Loop
        fileprivate let token: UInt64
    }

    private let loops: [Loop]
    private let nextLoop = Atomic<Int>(0)

    init(threads: Int) {
        loops = (0..<threads).map { Loop(index: $0) }
    }

    /// Adds `fd` for reading and writing, edge-triggered; `handler` hears its events on
    /// `queue` (held weakly: a handler that is gone hears nothing). Events already pending
    /// are reported at once.
    func register(_ fd: Int32, queue: DispatchQueue, handler: any ReactorHandler) -> Result<Registration, EngineError> {
        let loop = loops[nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
        return loop.add(fd, queue: queue, handler: handler, events: Bits.input | Bits.output | Bits.readHangUp | Bits.edgeTriggered)
    }

    /// Adds a listening `fd` for reading only.
    func registerListener(_ fd: Int32, queue: DispatchQueue, handler: any ReactorHandler) -> Result<Registration, EngineError> {
        let loop = loops[nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
        return loop.add(fd, queue: queue, handler: handler, events: Bits.input | Bits.edgeTriggered)
    }

    /// Forgets `registration`: its handler hears nothing more, not even an event already
    /// drawn. Call before closing the descriptor (closing removes it from the epoll set;
    /// the token keeps a reused descriptor number from reaching the old handler).
    func unregister(_ registration: Registration) {
        registration.loop.remove(registration.token)
    }

    /// One epoll set and the thread that waits on it.
    ///
    /// Its table is guarded by an `NSLock` (a pthread mutex, which ThreadSanitizer sees),
    /// not Synchronization's `Mutex`, whose futex TSan cannot see (it reported the table's
    /// accesses as races). Hence `@unchecked Sendable`: every access is under `lock`.
    fileprivate final class Loop: @unchecked Sendable {
        private struct Entry {
            weak var handler: (any ReactorHandler)?
            let queue: DispatchQueue
        }

        private let epollFD: Int32
        private let lock = NSLock()
        private var entries: [UInt64: Entry] = [:]
        private var nextToken: UInt64 = 1
        /// Why this loop cannot serve (epoll could not be created, or its wait failed for
        /// good): every later registration fails with it, as a one-line error, instead of
        /// the process stopping.
        private var failure: String?

        private func entry(_ token: UInt64) -> Entry? {
            lock.lock()
            defer { lock.unlock() }
            return entries[token]
        }

        init(index: Int) {
            epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
            if epollFD < 0 {
                failure = "epoll_create1: \(Syscalls.errorText(errno))"
                return
            }
            let thread = Thread { [self] in run() }
            thread.name = "verack.reactor.\(index)"
            thread.start()
        }

        func add(_ fd: Int32, queue: DispatchQueue, handler: any ReactorHandler, events: UInt32) -> Result<Registration, EngineError> {
            // The entry goes in first: an event may come the moment the descriptor is added.
            lock.lock()
            if let failure {
                lock.unlock()
                return .failure(EngineError(failure))
            }
            let token = nextToken
            nextToken += 1
            entries[token] = Entry(handler: handler, queue: queue)
            lock.unlock()
            var event = epoll_event()
            event.events = events
            event.data.u64 = token
            if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) != 0 {
                let code = errno
                remove(token)
                return .failure(EngineError("epoll_ctl: \(Syscalls.errorText(code))"))
            }
            return .success(Registration(loop: self, token: token))
        }

        func remove(_ token: UInt64) {
            lock.lock()
            entries[token] = nil
            lock.unlock()
        }

        private func run() {
            let capacity = 256
            let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
            defer { events.deallocate() }
            while true {
                let n = epoll_wait(epollFD, events, Int32(capacity), -1)
                if n < 0 {
                    if errno == EINTR { continue }
                    lock.lock()
                    failure = "epoll_wait: \(Syscalls.errorText(errno))"
                    lock.unlock()
                    return
                }
                for i in 0..<Int(n) {
                    let token = events[i].data.u64
                    let bits = events[i].events
                    guard let entry = entry(token), let handler = entry.handler else { continue }
                    // Owners unregister on their queue: looked up again there, a token
                    // removed since the event was drawn is not delivered.
                    entry.queue.sync {
                        guard self.entry(token) != nil else { return }
                        handler.reactorEvents(bits)
                    }
                }
            }
        }
    }
}
