/// What a cell means, not how it looks: the terminal maps each role to a colour pair, or to
/// bold/underline/reverse when there is no colour.
public enum ColorRole: UInt8, Sendable, CaseIterable {
    case plain
    /// Pane titles and the header row of tables.
    case accent
    /// Less important text: borders, hints, timestamps.
    case dim
    /// An established peer.
    case good
    /// A silent peer, a paused log.
    case warn
    /// A failed, closed or dropped peer; errors.
    case bad
    /// A frame we corrupted on purpose.
    case corrupt
    /// Hex dump regions of the frame header.
    case magic, command, length, checksum
}

/// The look of one cell: a colour role plus attributes that also work without colour.
public struct CellStyle: Hashable, Sendable {
    public var role: ColorRole
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(_ role: ColorRole = .plain, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = CellStyle()

    /// The same style with reverse video, for the selected row.
    public var reversed: CellStyle {
        var s = self
        s.reverse = true
        return s
    }

    public var emboldened: CellStyle {
        var s = self
        s.bold = true
        return s
    }
}
