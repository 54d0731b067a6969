import BitcoinWire
import Dispatch
import Foundation
import PeerEngine

/// `verack sniff`: a live capture read through the same link, IP and TCP parsing,
/// reassembly and frame search as `verack open` (``PcapImporter`` fed packet by packet),
/// its events handed to the front end's queue as they happen.
///
/// Each TCP connection is a peer (its initiator is "us"). The capture runs on a queue of
/// its own, which alone touches the ``LiveCapture`` and the importer (hence
/// `@unchecked Sendable`); events cross to `eventQueue` through an ``EventMailbox``, so a
/// busy interface never blocks the console: frame events beyond the mailbox's bound are
/// dropped and counted (`frames-dropped`), and libpcap's own drops (its buffer was full)
/// are reported once a second from `pcap_stats`.
public final class Sniffer: @unchecked Sendable {
    public let interface: String
    public let filter: String
    /// Unix time the sniffer started: its clock zero.
    public let epoch: Double
    private let capture: LiveCapture
    private let importer: PcapImporter
    private let mailbox: EventMailbox
    private let queue = DispatchQueue(label: "verack.sniff")
    private let eventQueue: DispatchQueue

    private let lock = NSLock()
    private var stopping = false
    private var published = Counts()

    /// What the sniffer has seen, and libpcap's counts.
    public struct Counts: Sendable, Equatable {
        public var pcap = LiveCapture.Statistics()
        /// Packets read from libpcap.
        public var packets = 0
        /// Bitcoin frames found in them.
        public var frames = 0
        public init() {}
    }

    /// Opens the capture (a one-line ``CaptureError`` when it cannot: see ``LiveCapture``).
    /// `magic`: the network to look for (nil: every known one's).
    public init(
        interface: String, filter: String, magic: Magic?, eventQueue: DispatchQueue, maxPendingFrames: Int = 100_000,
        onEvent: @escaping @Sendable (PeerEvent) -> Void
    ) throws(CaptureError) {
        self.interface = interface
        self.filter = filter
        capture = try LiveCapture(interface: interface, filter: filter)
        epoch = Date().timeIntervalSince1970
        importer = try PcapImporter(linkType: capture.linkType, name: interface, magic: magic, epoch: epoch)
        importer.removesClosedPeers = true
        importer.peerUpdatesPerPacket = true
        self.eventQueue = eventQueue
        mailbox = EventMailbox(queue: eventQueue, maxFrames: maxPendingFrames, deliver: onEvent)
    }

    /// Seconds since the sniffer started.
    public var now: Double { Date().timeIntervalSince1970 - epoch }

    /// The latest counts (published by the capture queue about once a second, and at the end).
    public var counts: Counts {
        lock.lock()
        defer { lock.unlock() }
        return published
    }

    /// Starts reading packets; the first event is a notice that the capture is on.
    public func start() {
        mailbox.post(PeerEvent(time: 0, .notice("sniffing on \(interface) (filter: \(filter))")))
        queue.async { self.loop() }
    }

    /// Stops reading: what is held is flushed, the counts are published and reported, and
    /// `then` runs on the event queue after the last event.
    public func stop(then: @escaping @Sendable () -> Void) {
        lock.lock()
        stopping = true
        lock.unlock()
        capture.breakLoop()
        queue.async {
            let counts = self.counts
            self.mailbox.post(PeerEvent(time: self.now, .notice(Self.summary(counts, interface: self.interface))))
            self.eventQueue.async { then() }
        }
    }

    /// `sniffed on lo: 1200 packets, 300 frames; libpcap received 1200, dropped 0 (buffer full), 0 by the interface`.
    public static func summary(_ c: Counts, interface: String) -> String {
        "sniffed on \(interface): \(c.packets) packets, \(c.frames) frames; libpcap received \(c.pcap.received), dropped \(c.pcap.dropped) (buffer full), \(c.pcap.interfaceDropped) by the interface"
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func loop() {
        dispatchPrecondition(condition: .onQueue(queue))
        var counts = Counts()
        var reportedDrops: UInt32 = 0
        var nextPublish = Date().timeIntervalSince1970 + 1
        // A packet's events go to the mailbox together, under one lock.
        var batch: [PeerEvent] = []
        let post: (PeerEvent) -> Void = { event in
            if case .frame = event.kind { counts.frames += 1 }
            batch.append(event)
        }
        func publish() {
            if let s = capture.statistics() { counts.pcap = s }
            lock.lock()
            published = counts
            lock.unlock()
        }
        while !isStopping {
            switch capture.next() {
            case let .packet(record):
                counts.packets += 1
                importer.feed(record, post)
                mailbox.post(contentsOf: batch)
                batch.removeAll(keepingCapacity: true)
            case .timeout:
                break
            case let .failed(error):
                mailbox.post(PeerEvent(time: now, .error(peer: nil, message: error.message)))
                lock.lock()
                stopping = true
                lock.unlock()
            }
            let wall = Date().timeIntervalSince1970
            if wall >= nextPublish {
                nextPublish = wall + 1
                publish()
                let drops = counts.pcap.dropped &+ counts.pcap.interfaceDropped
                if drops != reportedDrops {
                    reportedDrops = drops
                    mailbox.post(PeerEvent(time: now, .notice(
                        "libpcap dropped \(counts.pcap.dropped) packets (buffer full) and the interface \(counts.pcap.interfaceDropped) of \(counts.pcap.received) received: their bytes are gaps")))
                }
            }
        }
        importer.finish(post)
        mailbox.post(contentsOf: batch)
        publish()
    }
}
