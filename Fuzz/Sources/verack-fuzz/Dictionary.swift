import BitcoinWire

/// Dictionary entries made from the command table, so that the fuzz dictionaries name every
/// command verack knows without a list of their own: the 12 NUL-padded bytes of a v1
/// header's command (frame, pcap), the long form and the short id of a v2 message type
/// (v2), and the names as typed (command-line).
enum Dictionary {
    static func commandEntries(for target: String) -> String {
        var out = "# from the command table (verack-fuzz dict \(target))\n"
        func escaped(_ bytes: [UInt8]) -> String {
            bytes.map { "\\x" + (($0 < 16) ? "0" : "") + String($0, radix: 16) }.joined()
        }
        for command in Command.all {
            switch target {
            case "frame", "pcap", "message", "core-capture":
                out += "cmd_\(command.name)=\"\(escaped(command.wireBytes))\"\n"
            case "v2":
                out += "v2long_\(command.name)=\"\(escaped([0] + command.wireBytes))\"\n"
                if let id = command.v2ShortID { out += "v2id_\(command.name)=\"\(escaped([id]))\"\n" }
            case "command-line":
                out += "w_\(command.name)=\"\(command.name)\"\n"
            default:
                break
            }
        }
        return out
    }
}
