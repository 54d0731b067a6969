import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// A live capture on a network interface through libpcap (`pcap_create`, `pcap_activate`),
/// with a BPF filter. Every libpcap call of live capturing is here, and each failure is a
/// one-line ``CaptureError`` that says what to do: no permission names `CAP_NET_RAW`, an
/// unknown interface lists the ones there are, a filter that does not compile quotes
/// libpcap.
///
/// Not thread-safe: one thread reads packets (``next()``) and asks for ``statistics()``;
/// only ``breakLoop()`` may be called from another.
public final class LiveCapture {
    public let interface: String
    public let filter: String
    /// The link type packets start with (`DLT_EN10MB` on `lo`, `DLT_LINUX_SLL` on `any`).
    public let linkType: Int32
    private var handle: OpaquePointer?

    /// What libpcap counted since the capture started (`pcap_stats`).
    public struct Statistics: Sendable, Equatable {
        /// Packets that passed the filter.
        public var received: UInt32 = 0
        /// Dropped for lack of room in libpcap's buffer (the reader was too slow).
        public var dropped: UInt32 = 0
        /// Dropped by the interface or its driver.
        public var interfaceDropped: UInt32 = 0
        public init() {}
    }

    /// What ``next()`` found.
    public enum Next {
        case packet(PacketRecord)
        /// Nothing arrived within the read timeout.
        case timeout
        case failed(CaptureError)
    }

    /// Opens `interface` (`any` for all) with `filter` (BPF syntax, as tcpdump's).
    /// `timeout`: at most how long a packet waits in the kernel's buffer before libpcap hands
    /// it over, in milliseconds. Not libpcap's immediate mode: that gives every packet a
    /// fixed slot of the snaplen in the ring (32 MiB held 128 packets of 256 KiB, and a
    /// flood of small frames was dropped at 1,000 packets a second); with the timeout the
    /// ring packs packets into blocks, as tcpdump's does.
    public init(interface: String, filter: String, snaplen: Int32 = 262_144, bufferBytes: Int32 = 32 << 20, timeout: Int32 = 50) throws(CaptureError) {
        self.interface = interface
        self.filter = filter
        try Self.checkFilter(filter, snaplen: snaplen)
        let names = Self.interfaceNames()
        if let names, !names.contains(interface) {
            throw CaptureError("no interface named \(interface); the interfaces are: \(names.joined(separator: ", "))")
        }
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(interface, &errors) else {
            throw CaptureError("cannot sniff on \(interface): \(Self.text(errors))")
        }
        handle = h
        _ = pcap_set_snaplen(h, snaplen)
        _ = pcap_set_promisc(h, 0)
        _ = pcap_set_timeout(h, timeout)
        _ = pcap_set_buffer_size(h, bufferBytes)
        let status = pcap_activate(h)
        if status < 0 {
            let message = PcapFile.oneLine(String(cString: pcap_geterr(h)))
            pcap_close(h)
            handle = nil
            switch status {
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw CaptureError("sniffing on \(interface) needs root or the CAP_NET_RAW capability (e.g. sudo setcap cap_net_raw+ep verack) (libpcap: \(message))")
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw CaptureError("no interface named \(interface); the interfaces are: \((names ?? []).joined(separator: ", ")) (libpcap: \(message))")
            default:
                throw CaptureError("cannot sniff on \(interface): \(message)")
            }
        }
        linkType = pcap_datalink(h)
        var program = bpf_program()
        guard pcap_compile(h, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            let message = PcapFile.oneLine(String(cString: pcap_geterr(h)))
            pcap_close(h)
            handle = nil
            throw CaptureError("bad filter '\(filter)': \(message)")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(h, &program) == 0 else {
            let message = PcapFile.oneLine(String(cString: pcap_geterr(h)))
            pcap_close(h)
            handle = nil
            throw CaptureError("cannot set the filter '\(filter)' on \(interface): \(message)")
        }
    }

    deinit { if let handle { pcap_close(handle) } }

    /// The next packet; its bytes are valid until the next call.
    public func next() -> Next {
        guard let handle else { return .failed(CaptureError("the capture on \(interface) is closed")) }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return .timeout }
            let h = header.pointee
            return .packet(PacketRecord(
                time: Double(h.ts.tv_sec) + Double(h.ts.tv_usec) / 1e6, originalLength: Int(h.len),
                bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen))))
        case 0, PCAP_ERROR_BREAK:
            return .timeout
        default:
            return .failed(CaptureError("capture on \(interface) failed: \(PcapFile.oneLine(String(cString: pcap_geterr(handle))))"))
        }
    }

    /// Makes a ``next()`` that waits return (`pcap_breakloop`: the one call another thread
    /// may make; libpcap 1.10 wakes its poll). On Linux libpcap waits for a block of
    /// packets without a timeout of its own, so a reader is stopped this way.
    public func breakLoop() {
        if let handle { pcap_breakloop(handle) }
    }

    /// libpcap's counts (`pcap_stats`); nil when it cannot say.
    public func statistics() -> Statistics? {
        guard let handle else { return nil }
        var raw = pcap_stat()
        guard pcap_stats(handle, &raw) == 0 else { return nil }
        var s = Statistics()
        s.received = raw.ps_recv
        s.dropped = raw.ps_drop
        s.interfaceDropped = raw.ps_ifdrop
        return s
    }

    /// The interfaces libpcap can capture on (`pcap_findalldevs`), `any` among them on
    /// Linux; nil when it cannot list them.
    public static func interfaceNames() -> [String]? {
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var list: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&list, &errors) == 0 else { return nil }
        defer { if let list { pcap_freealldevs(list) } }
        var names: [String] = []
        var at = list
        while let device = at {
            names.append(String(cString: device.pointee.name))
            at = device.pointee.next
        }
        return names
    }

    /// Compiles `filter` for Ethernet without a device, so a filter that cannot compile is
    /// reported before permissions are needed.
    static func checkFilter(_ filter: String, snaplen: Int32) throws(CaptureError) {
        guard let dead = pcap_open_dead(1 /* DLT_EN10MB */, snaplen) else { return }
        defer { pcap_close(dead) }
        var program = bpf_program()
        guard pcap_compile(dead, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw CaptureError("bad filter '\(filter)': \(PcapFile.oneLine(String(cString: pcap_geterr(dead))))")
        }
        pcap_freecode(&program)
    }

    private static func text(_ buffer: [CChar]) -> String {
        PcapFile.oneLine(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
