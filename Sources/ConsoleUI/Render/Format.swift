/// Number and time formats shared by the panes.
public enum Format {
    /// `mm:ss.mmm` for times under an hour, `h:mm:ss` after.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--.---" }
        let ms = Int((seconds * 1000).rounded(.down))
        let s = ms / 1000, m = s / 60, h = m / 60
        if h > 0 { return "\(h):\(pad(m % 60, 2)):\(pad(s % 60, 2))" }
        return "\(pad(m, 2)):\(pad(s % 60, 2)).\(pad(ms % 1000, 3))"
    }

    /// A short age: `0s`, `59s`, `12m`, `3h`, `2d`.
    public static func age(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let s = max(0, Int(seconds.rounded(.down)))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    /// A byte count in at most 5 characters: `999`, `1.2k`, `34k`, `1.5M`, `2.0G`.
    public static func bytes(_ n: Int) -> String {
        if n < 1000 { return String(n) }
        let units: [(Double, String)] = [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")]
        var (scale, unit) = units[0]
        for (s, u) in units where Double(n) >= s { (scale, unit) = (s, u) }
        let v = Double(n) / scale
        if v < 9.95 {
            let tenths = Int((v * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)\(unit)"
        }
        return "\(Int(v.rounded()))\(unit)"
    }

    /// Milliseconds, `12ms` style without the unit: `0.4`, `12`, `1234`.
    public static func milliseconds(_ ms: Double) -> String {
        guard ms.isFinite, ms >= 0 else { return "-" }
        if ms < 10 {
            let tenths = Int((ms * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
        return String(Int(ms.rounded()))
    }

    /// A rate with one decimal: `0.0`, `12.5`, `1234.0`.
    public static func rate(_ perSecond: Double) -> String {
        guard perSecond.isFinite, perSecond >= 0 else { return "-" }
        let tenths = Int((perSecond * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// A duration: `4.2 s` under a minute, then `3m 05s`.
    public static func seconds(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "-" }
        if s < 60 { return rate(s) + " s" }
        let whole = Int(s.rounded(.down))
        return "\(whole / 60)m \(pad(whole % 60, 2))s"
    }

    /// Lower-case hex of bytes, separated by spaces.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.map { b in
            let d = Array("0123456789abcdef")
            return String([d[Int(b >> 4)], d[Int(b & 0xf)]])
        }.joined(separator: " ")
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
