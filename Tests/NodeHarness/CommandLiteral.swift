import BitcoinWire

/// Tests write commands as literals (`.resend(1, "ping", nil)`); Sources never do (they use
/// the table's constants, and validate outside input with `Command(_:)`). A literal that is
/// not a command stops the test at once.
extension Command: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        guard let command = Command(validating: value) else { preconditionFailure("not a command: \(value)") }
        self = command
    }
}
