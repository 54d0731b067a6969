/// A decoded value, typed so that JSON keeps numbers as numbers.
public enum FieldValue: Equatable, Sendable {
    /// A node with children only.
    case group
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case text(String)
    /// Opaque bytes (hashes are shown in their usual reversed display order by `.hash`).
    case bytes([UInt8])
    /// A 32-byte hash in display (reversed) order, as block explorers show it.
    case hash(String)
    /// Service bits with their names.
    case services(ServiceFlags)
    /// Unix time in seconds.
    case time(Int64)
    /// An address rendered as text (IPv4, IPv6, onion, ...).
    case address(String)

    /// The value as a console shows it.
    public var display: String {
        switch self {
        case .group: return ""
        case let .int(v): return String(v)
        case let .uint(v): return String(v)
        case let .bool(v): return v ? "true" : "false"
        case let .text(s): return "\"\(s)\""
        case let .bytes(b): return b.isEmpty ? "(empty)" : Hex.encode(b)
        case let .hash(h): return h
        case let .services(s): return s.description
        case let .time(t): return "\(t) (\(UTCTime.format(t)))"
        case let .address(a): return a
        }
    }

    public var json: JSONValue {
        switch self {
        case .group: return .null
        case let .int(v): return .int(v)
        case let .uint(v): return .uint(v)
        case let .bool(v): return .bool(v)
        case let .text(s): return .string(s)
        case let .bytes(b): return .string(Hex.encode(b))
        case let .hash(h): return .string(h)
        case let .services(s): return .object([("value", .uint(s.rawValue)), ("names", .array(s.names.map { .string($0) }))])
        case let .time(t): return .int(t)
        case let .address(a): return .string(a)
        }
    }
}

/// One node of a decoded field tree: a protocol field name, its value, and the bytes it
/// came from (offsets from the start of the frame).
public struct Field: Equatable, Sendable {
    public var name: String
    public var value: FieldValue
    public var range: Range<Int>
    public var children: [Field]
    /// Children not decoded yet (each transaction of a block): ``expanded`` decodes them.
    public var deferred: DeferredFields?

    public init(name: String, value: FieldValue, range: Range<Int>, children: [Field] = [], deferred: DeferredFields? = nil) {
        self.name = name
        self.value = value
        self.range = range
        self.children = children
        self.deferred = deferred
    }

    /// The children, decoding deferred ones.
    public var expandedChildren: [Field] {
        if children.isEmpty, let deferred { return deferred.expand() }
        return children
    }

    /// The first child called `name`.
    public subscript(name: String) -> Field? { children.first { $0.name == name } }

    /// `{"name":…, "value":…, "offset":…, "length":…, "children":[…]}`.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)), ("value", value.json),
            ("offset", .int(Int64(range.lowerBound))), ("length", .int(Int64(range.count))),
        ]
        let all = expandedChildren
        if !all.isEmpty { members.append(("children", .array(all.map(\.json)))) }
        return .object(members)
    }

    /// Indented text lines: `name  value  [start..<end]`. Deferred children (the
    /// transactions of a block) show as one marker line unless `expandDeferred`.
    public static func render(_ fields: [Field], indent: Int = 0, expandDeferred: Bool = false) -> [String] {
        var lines: [String] = []
        for f in fields {
            let pad = String(repeating: "  ", count: indent)
            let range = "[\(f.range.lowerBound)..<\(f.range.upperBound)]"
            lines.append(f.value == .group ? "\(pad)\(f.name) \(range)" : "\(pad)\(f.name) = \(f.value.display) \(range)")
            if f.children.isEmpty, let deferred = f.deferred {
                if expandDeferred {
                    lines += render(deferred.expand(), indent: indent + 1, expandDeferred: true)
                } else {
                    lines.append("\(pad)  … \(deferred.bytes.count) bytes of \(deferred.kind.rawValue), not expanded")
                }
            } else {
                lines += render(f.children, indent: indent + 1, expandDeferred: expandDeferred)
            }
        }
        return lines
    }
}

/// UTC date formatting without Foundation's formatters.
public enum UTCTime {
    /// `2024-05-01 12:00:00Z`. Any Int64 (a peer chooses the timestamp): the floor
    /// division below cannot overflow, unlike `(seconds - 86399) / 86400` near Int64.min.
    public static func format(_ seconds: Int64) -> String {
        var days = seconds / 86400
        var secs = seconds % 86400
        if secs < 0 {
            days -= 1
            secs += 86400
        }
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }
}
